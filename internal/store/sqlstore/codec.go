package sqlstore

import (
	"database/sql"
	"encoding/json"
	"time"
)

// Go values <-> column values. See "Storage encoding" in the package doc.

func timeParam(t time.Time) int64 { return t.UnixMicro() }

func timeValue(us int64) time.Time { return time.UnixMicro(us).UTC() }

func timePtrParam(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func timePtrValue(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := timeValue(v.Int64)
	return &t
}

func boolPtrParam(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func boolPtrValue(v sql.NullBool) *bool {
	if !v.Valid {
		return nil
	}
	b := v.Bool
	return &b
}

// jsonParam encodes v, which must not be nil.
func jsonParam(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonValue(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// stringsParam keeps nil (NULL) apart from empty ('[]').
func stringsParam(s []string) (any, error) {
	if s == nil {
		return nil, nil
	}
	if b, ok := stringsParamFast(s); ok {
		return b, nil
	}
	return jsonParam(s)
}

// stringsValue, paymentValue and resultConfigValue are in codec_fast.go.

func jsonPtrParam[T any](p *T) (any, error) {
	if p == nil {
		return nil, nil
	}
	return jsonParam(p)
}

func jsonPtrValue[T any](v sql.NullString) (*T, error) {
	if !v.Valid {
		return nil, nil
	}
	p := new(T)
	if err := jsonValue(v.String, p); err != nil {
		return nil, err
	}
	return p, nil
}

// params builds an argument list from values some of which needed an
// encoding that can fail, so each call site checks one error.
type params struct {
	args []any
	err  error
}

func (p *params) add(v any) { p.args = append(p.args, v) }

func (p *params) addJSON(v any, err error) {
	if err != nil && p.err == nil {
		p.err = err
	}
	p.args = append(p.args, v)
}
