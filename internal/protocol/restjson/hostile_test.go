package restjson_test

import (
	"bytes"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// A key that only case-folds to a member name is ignored, like any other
// unknown key, at every depth; exact keys still bind.
func TestCaseFoldedKeysIgnored(t *testing.T) {
	rec := newRecorder()
	h := restjson.NewHandler(rec)
	body := `{"NAME":"folded","name":"n","description":"d","creatorDisplayName":"c","queryLogStatus":"ENABLED",` +
		`"creatorMemberAbilities":[],"members":[{"AccountId":"999999999999","accountId":"111122223333","displayName":"One",` +
		`"memberAbilities":[]}],"Tags":{"a":"b"},"tags":{"Env":"x"},"DataEncryptionMetadata":{}}`
	res := do(t, h, "POST", "/collaborations", strings.NewReader(body))
	if res.status != 200 {
		t.Fatalf("status %d %s", res.status, res.raw)
	}
	in := rec.input("CreateCollaboration").(*api.CreateCollaborationInput)
	if *in.Name != "n" || *in.Members[0].AccountId != "111122223333" || len(in.Tags) != 1 || in.Tags["Env"] != "x" || in.DataEncryptionMetadata != nil {
		t.Errorf("decoded %+v", in)
	}
	// Without an exact key, the folded one is still not bound: the
	// required member is reported missing.
	res = do(t, h, "POST", "/collaborations", strings.NewReader(strings.Replace(body, `"name":"n",`, "", 1)))
	if res.status != 400 || !strings.Contains(string(res.raw), "'name'") {
		t.Errorf("folded only: %d %s", res.status, res.raw)
	}
	// An escaped spelling of a folded key is found too.
	res = do(t, h, "POST", "/collaborations", strings.NewReader(strings.Replace(body, `"name":"n",`, `"\u004eame":"x",`, 1)))
	if res.status != 400 || !strings.Contains(string(res.raw), "'name'") {
		t.Errorf("escaped folded only: %d %s", res.status, res.raw)
	}
}

// Invalid UTF-8 and unpaired surrogate escapes are refused, not rewritten to
// U+FFFD (where "UTF8\xffMARK" and "UTF8\xfeMARK" would collide).
func TestInvalidUTF8Refused(t *testing.T) {
	for _, c := range []struct{ name, body string }{
		{"raw 0xff in a value", `{"tags":{"k":"UTF8` + "\xff" + `MARK"}}`},
		{"raw 0xff in a key", `{"tags":{"k` + "\xff" + `":"v"}}`},
		{"truncated sequence", `{"tags":{"k":"` + "\xe2\x82" + `"}}`},
		{"lone high surrogate", `{"tags":{"k":"a\ud800b"}}`},
		{"lone low surrogate", `{"tags":{"k":"\udc00"}}`},
		{"high surrogate then non-low", `{"tags":{"k":"\ud800\u0041"}}`},
		{"in an unknown member", `{"zz":["\ud83d"],"tags":{"k":"v"}}`},
	} {
		rec := newRecorder()
		res := do(t, restjson.NewHandler(rec), "POST", "/tags/"+url.PathEscape(tagARN), strings.NewReader(c.body))
		if res.status != 400 || res.header.Get("X-Amzn-ErrorType") != "SerializationException" {
			t.Errorf("%s: %d %s %s", c.name, res.status, res.header.Get("X-Amzn-ErrorType"), res.raw)
		}
		if rec.calls["TagResource"] != 0 {
			t.Errorf("%s: the service was called", c.name)
		}
	}
	// A valid surrogate pair is fine.
	rec := newRecorder()
	res := do(t, restjson.NewHandler(rec), "POST", "/tags/"+url.PathEscape(tagARN), strings.NewReader(`{"tags":{"k":"\ud83d\ude00"}}`))
	if res.status != 200 {
		t.Fatalf("pair: %d %s", res.status, res.raw)
	}
	if got := rec.input("TagResource").(*api.TagResourceInput).Tags["k"]; got != "😀" {
		t.Errorf("pair decoded as %q", got)
	}
}

// A query parameter that does not decode is refused naming it, never
// dropped (which made "maxResults=%zz" the default page size).
func TestBadQueryEscapes(t *testing.T) {
	for _, c := range []struct{ query, name string }{
		{"maxResults=%zz", "maxResults"},
		{"nextToken=%", "nextToken"},
		{"nextToken=%2", "nextToken"},
		{"status=%G0", "status"},
		{"maxResults=5&nextToken=%ff", "nextToken"},
		{"unknownParam=%zz", "unknownParam"},
		{"max%zzResults=1", "max%zzResults"},
		{"maxResults=1;nextToken=x", "maxResults"},
	} {
		rec := newRecorder()
		res := do(t, restjson.NewHandler(rec), "GET", "/memberships?"+c.query, nil)
		if res.status != 400 || res.header.Get("X-Amzn-ErrorType") != "SerializationException" || !strings.Contains(string(res.raw), "'"+c.name+"'") {
			t.Errorf("?%s: %d %s %s", c.query, res.status, res.header.Get("X-Amzn-ErrorType"), res.raw)
		}
		if rec.calls["ListMemberships"] != 0 {
			t.Errorf("?%s: the service was called", c.query)
		}
	}
	rec := newRecorder()
	res := do(t, restjson.NewHandler(rec), "GET", "/memberships?maxResults=5&nextToken=a%2Bb+c&status=ACTIVE", nil)
	if res.status != 200 {
		t.Fatalf("good query: %d %s", res.status, res.raw)
	}
	in := rec.input("ListMemberships").(*api.ListMembershipsInput)
	if *in.MaxResults != 5 || *in.NextToken != "a+b c" || in.Status != "ACTIVE" {
		t.Errorf("good query decoded %+v", in)
	}
}

// nestedBody is the issue-11 body: an unknown member holding ~n bytes of
// empty arrays, which a generic decode turns into one []any per two bytes.
func nestedBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"tags":{"k":"v"},"zz":[`)
	for b.Len() < n-3 {
		b.WriteString("[],")
	}
	b.WriteString("[]]}")
	return b.Bytes()
}

// The 4 MiB nested body costs about its own size in allocations (the body
// buffer), not the hundreds of MiB a generic decode of it took.
func TestNestedBodyAllocationsBounded(t *testing.T) {
	body := nestedBody(restjson.DefaultMaxBodyBytes - 1)
	h := restjson.NewHandler(newRecorder())
	serve := func() {
		res := do(t, h, "POST", "/tags/"+url.PathEscape(tagARN), bytes.NewReader(body))
		if res.status != 200 {
			t.Fatalf("status %d %s", res.status, res.raw)
		}
	}
	serve() // warm caches
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	serve()
	runtime.ReadMemStats(&after)
	// The body itself (4 MiB, read once by the handler) plus small change;
	// the generic decode of today's code allocated ~170 MiB.
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(3*len(body)); got > limit {
		t.Errorf("one %d-byte nested body allocated %d bytes, more than %d", len(body), got, limit)
	}
}

// BenchmarkDecodeBody: allocations follow the typed result, not the body's
// nesting. "flat" and "nested" are bodies of the same size whose typed
// result is the same one tag; "tags100" has a larger result.
func BenchmarkDecodeBody(b *testing.B) {
	tags := func(n int) []byte {
		var s strings.Builder
		s.WriteString(`{"tags":{`)
		for i := range n {
			if i > 0 {
				s.WriteString(",")
			}
			s.WriteString(`"key` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":"value"`)
		}
		s.WriteString("}}")
		return []byte(s.String())
	}
	nested := nestedBody(64 << 10)
	flat := []byte(`{"tags":{"k":"v"},"zz":"` + strings.Repeat("x", len(nested)-25) + `"}`)
	for _, c := range []struct {
		name string
		body []byte
	}{{"flat64KiB", flat}, {"nested64KiB", nested}, {"tags1", tags(1)}, {"tags100", tags(100)}} {
		b.Run(c.name, func(b *testing.B) {
			h := restjson.NewHandler(newRecorder())
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				res := do(&testing.T{}, h, "POST", "/tags/"+url.PathEscape(tagARN), bytes.NewReader(c.body))
				if res.status != 200 {
					b.Fatalf("status %d %s", res.status, res.raw)
				}
			}
		})
	}
}
