package glueapi

import "encoding/json"

// Glue always sends some optional lists, empty when unset (the Hive
// metastore's defaults): a Table's PartitionKeys and a StorageDescriptor's
// Columns, BucketColumns and SortColumns. Clients index them without
// checking (boto3 users write table["PartitionKeys"]), so they are written
// as [] rather than left out. The generator writes MarshalJSON only for
// shapes with required collections; these two have none (a generated one
// would collide with these and fail the build).

// MarshalJSON writes PartitionKeys as [] when unset.
func (v Table) MarshalJSON() ([]byte, error) {
	type plain Table
	p := plain(v)
	out := struct {
		plain
		PartitionKeys []Column `json:"PartitionKeys"`
	}{plain: p, PartitionKeys: v.PartitionKeys}
	if out.PartitionKeys == nil {
		out.PartitionKeys = []Column{}
	}
	return json.Marshal(out)
}

// MarshalJSON writes Columns, BucketColumns and SortColumns as [] when
// unset.
func (v StorageDescriptor) MarshalJSON() ([]byte, error) {
	type plain StorageDescriptor
	out := struct {
		plain
		Columns       []Column `json:"Columns"`
		BucketColumns []string `json:"BucketColumns"`
		SortColumns   []Order  `json:"SortColumns"`
	}{plain: plain(v), Columns: v.Columns, BucketColumns: v.BucketColumns, SortColumns: v.SortColumns}
	if out.Columns == nil {
		out.Columns = []Column{}
	}
	if out.BucketColumns == nil {
		out.BucketColumns = []string{}
	}
	if out.SortColumns == nil {
		out.SortColumns = []Order{}
	}
	return json.Marshal(out)
}
