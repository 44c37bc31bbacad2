package cleanrooms

import "context"

// CatalogReads reads the Glue Data Catalogs, one per account and region.
//
// The lists are in name order (byte order) and resume after a name: the
// catalog service filters tables by a pattern and must resume a page in
// the middle of what it read, so the keyset is the name itself rather
// than an opaque cursor. A list of an unknown database is empty.
type CatalogReads interface {
	GetCatalogDatabase(ctx context.Context, accountID, region, name string) (*CatalogDatabaseRecord, error)
	// ListCatalogDatabases returns at most limit databases whose name is
	// greater than after ("" for the first page), in name order.
	ListCatalogDatabases(ctx context.Context, accountID, region, after string, limit int) ([]CatalogDatabaseRecord, error)
	GetCatalogTable(ctx context.Context, accountID, region, database, name string) (*CatalogTableRecord, error)
	// ListCatalogTables returns at most limit tables of the database whose
	// name is greater than after, in name order.
	ListCatalogTables(ctx context.Context, accountID, region, database, after string, limit int) ([]CatalogTableRecord, error)
}

// CatalogWrites changes the catalogs. Inserts return ErrConflict when the
// name is taken; InsertCatalogTable returns ErrNotFound when the database
// does not exist.
type CatalogWrites interface {
	InsertCatalogDatabase(ctx context.Context, d *CatalogDatabaseRecord) error
	// UpdateCatalogDatabase replaces the definition of an existing database.
	UpdateCatalogDatabase(ctx context.Context, d *CatalogDatabaseRecord) error
	// DeleteCatalogDatabase deletes the database and every table of it.
	DeleteCatalogDatabase(ctx context.Context, accountID, region, name string) error
	InsertCatalogTable(ctx context.Context, t *CatalogTableRecord) error
	// UpdateCatalogTable replaces definition, update time and version.
	UpdateCatalogTable(ctx context.Context, t *CatalogTableRecord) error
	DeleteCatalogTable(ctx context.Context, accountID, region, database, name string) error
}
