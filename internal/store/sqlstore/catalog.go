package sqlstore

import (
	"context"
	"fmt"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// The Glue catalogs: key columns plus the definition as JSON text. Lists
// are keyset pages on the primary keys (name order).

var catalogDatabaseCols = []string{"account_id", "region", "name", "definition", "create_time"}

var catalogTableCols = []string{
	"account_id", "region", "database_name", "name",
	"definition", "create_time", "update_time", "version",
}

var (
	insertCatalogDatabaseSQL = prepared(insertSQL("catalog_databases", catalogDatabaseCols))
	updateCatalogDatabaseSQL = prepared("UPDATE catalog_databases SET definition = ? WHERE account_id = ? AND region = ? AND name = ?")
	deleteCatalogDatabaseSQL = prepared("DELETE FROM catalog_databases WHERE account_id = ? AND region = ? AND name = ?")
	deleteDatabaseTablesSQL  = prepared("DELETE FROM catalog_tables WHERE account_id = ? AND region = ? AND database_name = ?")
	getCatalogDatabaseSQL    = preparedRead("SELECT " + selectList("d", catalogDatabaseCols) +
		" FROM catalog_databases d WHERE d.account_id = ? AND d.region = ? AND d.name = ?")
	listCatalogDatabasesSQL = preparedRead("SELECT " + selectList("d", catalogDatabaseCols) +
		" FROM catalog_databases d WHERE d.account_id = ? AND d.region = ? AND d.name > ? ORDER BY d.name LIMIT ?")

	insertCatalogTableSQL = prepared(insertSQL("catalog_tables", catalogTableCols))
	updateCatalogTableSQL = prepared("UPDATE catalog_tables SET definition = ?, update_time = ?, version = ?" +
		" WHERE account_id = ? AND region = ? AND database_name = ? AND name = ?")
	deleteCatalogTableSQL = prepared("DELETE FROM catalog_tables WHERE account_id = ? AND region = ? AND database_name = ? AND name = ?")
	getCatalogTableSQL    = preparedRead("SELECT " + selectList("t", catalogTableCols) +
		" FROM catalog_tables t WHERE t.account_id = ? AND t.region = ? AND t.database_name = ? AND t.name = ?")
	listCatalogTablesSQL = preparedRead("SELECT " + selectList("t", catalogTableCols) +
		" FROM catalog_tables t WHERE t.account_id = ? AND t.region = ? AND t.database_name = ? AND t.name > ? ORDER BY t.name LIMIT ?")
)

type catalogDatabaseRow struct {
	d          cleanrooms.CatalogDatabaseRecord
	createTime int64
}

func (r *catalogDatabaseRow) dest() []any {
	return []any{&r.d.AccountID, &r.d.Region, &r.d.Name, &r.d.Definition, &r.createTime}
}

func (r *catalogDatabaseRow) record() cleanrooms.CatalogDatabaseRecord {
	d := r.d
	d.CreateTime = timeValue(r.createTime)
	return d
}

type catalogTableRow struct {
	t                      cleanrooms.CatalogTableRecord
	createTime, updateTime int64
}

func (r *catalogTableRow) dest() []any {
	t := &r.t
	return []any{&t.AccountID, &t.Region, &t.DatabaseName, &t.Name, &t.Definition, &r.createTime, &r.updateTime, &t.Version}
}

func (r *catalogTableRow) record() cleanrooms.CatalogTableRecord {
	t := r.t
	t.CreateTime = timeValue(r.createTime)
	t.UpdateTime = timeValue(r.updateTime)
	return t
}

func (t *readTx) GetCatalogDatabase(ctx context.Context, accountID, region, name string) (*cleanrooms.CatalogDatabaseRecord, error) {
	var r catalogDatabaseRow
	if err := t.queryRow(ctx, getCatalogDatabaseSQL, accountID, region, name).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, fmt.Sprintf("get catalog database %q", name))
	}
	d := r.record()
	return &d, nil
}

func (t *readTx) ListCatalogDatabases(ctx context.Context, accountID, region, after string, limit int) ([]cleanrooms.CatalogDatabaseRecord, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", limit)
	}
	what := "list catalog databases"
	rows, err := t.query(ctx, listCatalogDatabasesSQL, accountID, region, after, limit)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	out := []cleanrooms.CatalogDatabaseRecord{}
	for rows.Next() {
		var r catalogDatabaseRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		out = append(out, r.record())
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

func (t *readTx) GetCatalogTable(ctx context.Context, accountID, region, database, name string) (*cleanrooms.CatalogTableRecord, error) {
	var r catalogTableRow
	if err := t.queryRow(ctx, getCatalogTableSQL, accountID, region, database, name).Scan(r.dest()...); err != nil {
		return nil, t.fail(err, fmt.Sprintf("get catalog table %q.%q", database, name))
	}
	rec := r.record()
	return &rec, nil
}

func (t *readTx) ListCatalogTables(ctx context.Context, accountID, region, database, after string, limit int) ([]cleanrooms.CatalogTableRecord, error) {
	if limit < 1 {
		return nil, fmt.Errorf("sqlstore: page limit %d, want at least 1", limit)
	}
	what := fmt.Sprintf("list catalog tables of %q", database)
	rows, err := t.query(ctx, listCatalogTablesSQL, accountID, region, database, after, limit)
	if err != nil {
		return nil, t.fail(err, what)
	}
	defer rows.Close()
	out := []cleanrooms.CatalogTableRecord{}
	for rows.Next() {
		var r catalogTableRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, t.fail(err, what)
		}
		out = append(out, r.record())
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(err, what)
	}
	return out, nil
}

func (t *writeTx) InsertCatalogDatabase(ctx context.Context, d *cleanrooms.CatalogDatabaseRecord) error {
	_, err := t.exec(ctx, insertCatalogDatabaseSQL, d.AccountID, d.Region, d.Name, d.Definition, timeParam(d.CreateTime))
	if err != nil {
		return t.fail(err, fmt.Sprintf("insert catalog database %q", d.Name))
	}
	return nil
}

func (t *writeTx) UpdateCatalogDatabase(ctx context.Context, d *cleanrooms.CatalogDatabaseRecord) error {
	res, err := t.exec(ctx, updateCatalogDatabaseSQL, d.Definition, d.AccountID, d.Region, d.Name)
	return t.mustAffect(res, err, fmt.Sprintf("update catalog database %q", d.Name))
}

func (t *writeTx) DeleteCatalogDatabase(ctx context.Context, accountID, region, name string) error {
	what := fmt.Sprintf("delete catalog database %q", name)
	if _, err := t.exec(ctx, deleteDatabaseTablesSQL, accountID, region, name); err != nil {
		return t.fail(err, what)
	}
	res, err := t.exec(ctx, deleteCatalogDatabaseSQL, accountID, region, name)
	return t.mustAffect(res, err, what)
}

func (t *writeTx) InsertCatalogTable(ctx context.Context, r *cleanrooms.CatalogTableRecord) error {
	_, err := t.exec(ctx, insertCatalogTableSQL, r.AccountID, r.Region, r.DatabaseName, r.Name,
		r.Definition, timeParam(r.CreateTime), timeParam(r.UpdateTime), r.Version)
	if err != nil {
		return t.fail(err, fmt.Sprintf("insert catalog table %q.%q", r.DatabaseName, r.Name))
	}
	return nil
}

func (t *writeTx) UpdateCatalogTable(ctx context.Context, r *cleanrooms.CatalogTableRecord) error {
	res, err := t.exec(ctx, updateCatalogTableSQL, r.Definition, timeParam(r.UpdateTime), r.Version,
		r.AccountID, r.Region, r.DatabaseName, r.Name)
	return t.mustAffect(res, err, fmt.Sprintf("update catalog table %q.%q", r.DatabaseName, r.Name))
}

func (t *writeTx) DeleteCatalogTable(ctx context.Context, accountID, region, database, name string) error {
	res, err := t.exec(ctx, deleteCatalogTableSQL, accountID, region, database, name)
	return t.mustAffect(res, err, fmt.Sprintf("delete catalog table %q.%q", database, name))
}
