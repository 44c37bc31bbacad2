package cleanrooms

import "time"

// CatalogDatabaseRecord is a database of an account's Glue Data Catalog in
// one region. The store keeps the Glue definition as the JSON text the
// catalog service hands it (internal/catalog owns its shape) next to the
// key columns it is looked up by.
type CatalogDatabaseRecord struct {
	AccountID string
	Region    string
	// Name is lower case (Glue lower-cases database names).
	Name string
	// Definition is the Glue Database (JSON), kept verbatim.
	Definition string
	CreateTime time.Time
}

// CatalogTableRecord is a table of a catalog database.
type CatalogTableRecord struct {
	AccountID    string
	Region       string
	DatabaseName string
	// Name is lower case (Glue lower-cases table names).
	Name string
	// Definition is the Glue Table (JSON), kept verbatim.
	Definition string
	CreateTime time.Time
	UpdateTime time.Time
	// Version counts the table's versions: 0 when created, +1 per update
	// (Glue's VersionId).
	Version int64
}
