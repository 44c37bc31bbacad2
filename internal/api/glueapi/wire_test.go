package glueapi

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEmptyListsAreSent(t *testing.T) {
	name := "t"
	b, err := json.Marshal(&GetTableResponse{Table: &Table{Name: &name, StorageDescriptor: &StorageDescriptor{}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Table":{"Name":"t","StorageDescriptor":{"Columns":[],"BucketColumns":[],"SortColumns":[]},"PartitionKeys":[]}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	col := "c"
	b, _ = json.Marshal(Table{PartitionKeys: []Column{{Name: &col}}})
	if strings.Count(string(b), "PartitionKeys") != 1 || !strings.Contains(string(b), `"PartitionKeys":[{"Name":"c"}]`) {
		t.Errorf("set PartitionKeys: %s", b)
	}
	// Decoding is unchanged.
	var back Table
	if err := json.Unmarshal(b, &back); err != nil || len(back.PartitionKeys) != 1 {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}
