package corpus

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoad runs without cgo: the corpus files agree with each other and
// with the Go types of analysis rules (unknown fields are errors).
func TestLoad(t *testing.T) {
	c, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var accepted, refused int
	for _, k := range c.Cases {
		if k.Refuse != nil {
			refused++
		} else {
			accepted++
		}
	}
	if len(c.Cases) < 45 || accepted < 30 || refused < 12 {
		t.Errorf("corpus has %d cases (%d accepted, %d refused); issue 8 wants >= 45, 30, 12", len(c.Cases), accepted, refused)
	}
	sc := c.Scenarios["agg"]
	imp, ok := sc.Lookup("IMPRESSIONS")
	if !ok {
		t.Fatal("agg scenario has no impressions table")
	}
	if got := imp.Table().Policy.Aggregation; got == nil || got.JoinRequired != "QUERY_RUNNER" || got.OutputConstraints[0].Minimum != 3 {
		t.Errorf("impressions aggregation policy = %+v", got)
	}
}

func TestMissingWords(t *testing.T) {
	msg := "Inner join to query runner table required for table impressions (AGGREGATION rule)"
	got := MissingWords(msg, []string{"aggregation", "Impressions", "Inner join to query runner table required for table impressions",
		"inner join to query runner table", "custom"})
	want := []string{"inner join to query runner table", "custom"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MissingWords (-want +got):\n%s", diff)
	}
}
