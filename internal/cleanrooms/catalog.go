package cleanrooms

import "context"

// CatalogTable is what the Clean Rooms data plane needs to know of a table
// in a Glue Data Catalog: its columns (to validate configured tables and to
// type schemas) and where and how its data is stored (to read it in a
// protected query). The Glue service (internal/catalog) owns the full Glue
// record; this is the view it hands to the Clean Rooms service.
type CatalogTable struct {
	AccountID    string
	Region       string
	DatabaseName string
	Name         string
	// Columns are the table's columns in order, then PartitionKeys; names as
	// Glue stores them (lower case).
	Columns       []CatalogColumn
	PartitionKeys []CatalogColumn
	// Location is the StorageDescriptor's location, an s3://bucket/prefix/.
	Location string
	// InputFormat, SerializationLibrary and SerdeParameters describe the
	// file format (LazySimpleSerDe, OpenCSVSerde, ParquetHiveSerDe, the
	// openx JsonSerDe); Parameters are the table's parameters
	// (classification, skip.header.line.count, ...).
	InputFormat          string
	SerializationLibrary string
	SerdeParameters      map[string]string
	Parameters           map[string]string
}

// CatalogColumn is a column of a catalog table: its name and its Glue (Hive)
// type string such as "string", "int", "double", "decimal(10,2)".
type CatalogColumn struct {
	Name string
	Type string
}

// Catalog looks up tables in an account's Glue Data Catalog of one region.
type Catalog interface {
	// LookupTable returns ErrNotFound when the account has no such
	// database or table in that region.
	LookupTable(ctx context.Context, accountID, region, database, table string) (*CatalogTable, error)
}
