package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// TestTimestampJSON: rest-json timestamps are epoch seconds, a JSON number
// with the milliseconds as a fraction.
func TestTimestampJSON(t *testing.T) {
	for _, tc := range []struct {
		ms   int64
		wire string
	}{
		{1732000000123, "1732000000.123"},
		{1732000000120, "1732000000.12"},
		{1732000000100, "1732000000.1"},
		{1732000000000, "1732000000"},
		{1732000000001, "1732000000.001"},
		{1732000000999, "1732000000.999"},
		{0, "0"},
		{1, "0.001"},
		{-1500, "-1.5"},
		{-500, "-0.5"}, // before the epoch by less than a second
		{-1, "-0.001"},
	} {
		ts := api.Timestamp{Time: time.UnixMilli(tc.ms)}
		b, err := json.Marshal(ts)
		if err != nil || string(b) != tc.wire {
			t.Errorf("Marshal(%d ms) = %s, %v; want %s", tc.ms, b, err, tc.wire)
		}
		var back api.Timestamp
		if err := json.Unmarshal([]byte(tc.wire), &back); err != nil || back.UnixMilli() != tc.ms || back.Location() != time.UTC {
			t.Errorf("Unmarshal(%s) = %v (%d ms), %v; want %d ms UTC", tc.wire, back.Time, back.UnixMilli(), err, tc.ms)
		}
	}

	// Sub-millisecond precision is rounded to the millisecond.
	var ts api.Timestamp
	if err := json.Unmarshal([]byte("1732000000.1236"), &ts); err != nil || ts.UnixMilli() != 1732000000124 {
		t.Errorf("1732000000.1236 -> %d ms, %v", ts.UnixMilli(), err)
	}
	if err := json.Unmarshal([]byte("1.7320000001239999E9"), &ts); err != nil || ts.UnixMilli() != 1732000000124 {
		t.Errorf("exponent form -> %d ms, %v", ts.UnixMilli(), err)
	}

	// Within structures, pointer and value.
	out := struct {
		T *api.Timestamp `json:"t"`
	}{api.NewTimestamp(time.UnixMilli(1732000000123))}
	if b, _ := json.Marshal(out); string(b) != `{"t":1732000000.123}` {
		t.Errorf("in a structure: %s", b)
	}

	// Anything but a JSON number is an error, as the doc comment says.
	for _, bad := range []string{`"1732000000"`, `"2024-11-19T07:06:40Z"`, `true`, `{}`, `[]`, `1e400`} {
		var ts api.Timestamp
		if err := json.Unmarshal([]byte(bad), &ts); err == nil {
			t.Errorf("Unmarshal(%s) accepted: %v", bad, ts.Time)
		}
	}
	// null leaves a pointer unset, as for every member.
	var in struct {
		T *api.Timestamp `json:"t"`
	}
	if err := json.Unmarshal([]byte(`{"t":null}`), &in); err != nil || in.T != nil {
		t.Errorf("null: %v %v", in.T, err)
	}
}
