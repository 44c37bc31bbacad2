package sqlstore

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The memo decodes each stored policy once and a changed one afresh.
func TestPolicyMemo(t *testing.T) {
	var m policyMemo
	a := `{"custom":{"allowedAnalyses":["ANY_QUERY"],"allowedAnalysisProviders":["111111111111"]}}`
	b := `{"custom":{"allowedAnalyses":["ANY_QUERY"],"allowedAnalysisProviders":["222222222222"]}}`
	want := func(provider string) cleanrooms.TablePolicy {
		return cleanrooms.TablePolicy{Custom: &cleanrooms.CustomPolicy{AllowedAnalyses: []string{"ANY_QUERY"}, AllowedAnalysisProviders: []string{provider}}}
	}
	for i, c := range []struct {
		raw, provider string
	}{{a, "111111111111"}, {a, "111111111111"}, {b, "222222222222"}, {a, "111111111111"}} {
		got, err := m.decode(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want(c.provider), got); d != "" {
			t.Errorf("decode %d (-want +got):\n%s", i, d)
		}
	}
	if len(m.m) != 2 {
		t.Errorf("%d entries, want 2", len(m.m))
	}
	if _, err := m.decode(`{"custom":`); err == nil {
		t.Error("a broken policy decoded")
	}
}
