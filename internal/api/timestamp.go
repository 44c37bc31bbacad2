package api

import (
	"encoding/json"
	"errors"
	"math"
	"time"
)

// Timestamp is a point in time as rest-json carries it: epoch seconds as a
// JSON number, with a fraction (milliseconds) when there is one.
type Timestamp struct{ time.Time }

// NewTimestamp returns a pointer to t as a Timestamp.
func NewTimestamp(t time.Time) *Timestamp { return &Timestamp{t} }

// MarshalJSON writes epoch seconds, e.g. 1732000000.123.
func (t Timestamp) MarshalJSON() ([]byte, error) { return t.AppendJSON(nil), nil }

// UnmarshalJSON reads epoch seconds; anything but a JSON number is an
// error.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	// json.Number would also accept a quoted number; the wire has none.
	if len(b) == 0 || b[0] == '"' {
		return errors.New("expected a timestamp in epoch seconds")
	}
	var f json.Number
	if err := json.Unmarshal(b, &f); err != nil {
		return errors.New("expected a timestamp in epoch seconds")
	}
	v, err := f.Float64()
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return errors.New("expected a timestamp in epoch seconds")
	}
	sec, frac := math.Modf(v)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}

// Document is a free-form JSON value (the model's document shapes).
type Document = json.RawMessage
