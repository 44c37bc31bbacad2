package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var catalogTests = []test{
	{"DatabaseLifecycle", testCatalogDatabaseLifecycle},
	{"TableLifecycle", testCatalogTableLifecycle},
	{"Isolation", testCatalogIsolation},
	{"Pagination", testCatalogPagination},
	{"DeleteDatabaseDeletesTables", testCatalogDeleteDatabaseDeletesTables},
	{"ConcurrentInsert", testCatalogConcurrentInsert},
}

const (
	catAcct1  = "111111111111"
	catAcct2  = "222222222222"
	catRegion = "us-east-1"
)

func catDB(acct, region, name string) *cleanrooms.CatalogDatabaseRecord {
	return &cleanrooms.CatalogDatabaseRecord{
		AccountID: acct, Region: region, Name: name,
		Definition: fmt.Sprintf(`{"Name":%q,"Parameters":{"k":"ünï ☃"}}`, name),
		CreateTime: at(1),
	}
}

func catTable(acct, region, db, name string) *cleanrooms.CatalogTableRecord {
	return &cleanrooms.CatalogTableRecord{
		AccountID: acct, Region: region, DatabaseName: db, Name: name,
		Definition: fmt.Sprintf(`{"Name":%q,"StorageDescriptor":{"Columns":[{"Name":"a","Type":"int"}]}}`, name),
		CreateTime: at(2), UpdateTime: at(3),
	}
}

func (h *harness) getCatalogDatabase(acct, region, name string) (*cleanrooms.CatalogDatabaseRecord, error) {
	var d *cleanrooms.CatalogDatabaseRecord
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		d, err = tx.GetCatalogDatabase(h.ctx, acct, region, name)
		return err
	})
	return d, err
}

func (h *harness) getCatalogTable(acct, region, db, name string) (*cleanrooms.CatalogTableRecord, error) {
	var r *cleanrooms.CatalogTableRecord
	err := h.s.View(h.ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		r, err = tx.GetCatalogTable(h.ctx, acct, region, db, name)
		return err
	})
	return r, err
}

func testCatalogDatabaseLifecycle(t *testing.T, h *harness) {
	d := catDB(catAcct1, catRegion, "sales")
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertCatalogDatabase(h.ctx, d) })
	got, err := h.getCatalogDatabase(catAcct1, catRegion, "sales")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "database", d, got)

	wantErr(t, "second insert", h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "sales"))
	}), cleanrooms.ErrConflict)

	d2 := *d
	d2.Definition = `{"Name":"sales","Description":"new"}`
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCatalogDatabase(h.ctx, &d2) })
	got, _ = h.getCatalogDatabase(catAcct1, catRegion, "sales")
	checkEqual(t, "updated database", &d2, got)

	missing := catDB(catAcct1, catRegion, "nope")
	wantErr(t, "update missing", h.write(func(tx cleanrooms.Tx) error { return tx.UpdateCatalogDatabase(h.ctx, missing) }), cleanrooms.ErrNotFound)

	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteCatalogDatabase(h.ctx, catAcct1, catRegion, "sales") })
	_, err = h.getCatalogDatabase(catAcct1, catRegion, "sales")
	wantErr(t, "get after delete", err, cleanrooms.ErrNotFound)
	wantErr(t, "delete twice", h.write(func(tx cleanrooms.Tx) error { return tx.DeleteCatalogDatabase(h.ctx, catAcct1, catRegion, "sales") }), cleanrooms.ErrNotFound)
}

func testCatalogTableLifecycle(t *testing.T, h *harness) {
	wantErr(t, "table without database", h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "sales", "users"))
	}), cleanrooms.ErrNotFound)

	h.mustWrite(func(tx cleanrooms.Tx) error {
		return tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "sales"))
	})
	tb := catTable(catAcct1, catRegion, "sales", "users")
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertCatalogTable(h.ctx, tb) })
	got, err := h.getCatalogTable(catAcct1, catRegion, "sales", "users")
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "table", tb, got)
	wantErr(t, "second insert", h.write(func(tx cleanrooms.Tx) error {
		return tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "sales", "users"))
	}), cleanrooms.ErrConflict)

	up := *tb
	up.Definition = `{"Name":"users"}`
	up.UpdateTime = at(9)
	up.Version = 1
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.UpdateCatalogTable(h.ctx, &up) })
	got, _ = h.getCatalogTable(catAcct1, catRegion, "sales", "users")
	checkEqual(t, "updated table", &up, got)

	wantErr(t, "update missing", h.write(func(tx cleanrooms.Tx) error {
		return tx.UpdateCatalogTable(h.ctx, catTable(catAcct1, catRegion, "sales", "nope"))
	}), cleanrooms.ErrNotFound)
	h.mustWrite(func(tx cleanrooms.Tx) error {
		return tx.DeleteCatalogTable(h.ctx, catAcct1, catRegion, "sales", "users")
	})
	_, err = h.getCatalogTable(catAcct1, catRegion, "sales", "users")
	wantErr(t, "get after delete", err, cleanrooms.ErrNotFound)
	wantErr(t, "delete twice", h.write(func(tx cleanrooms.Tx) error {
		return tx.DeleteCatalogTable(h.ctx, catAcct1, catRegion, "sales", "users")
	}), cleanrooms.ErrNotFound)
}

// The same names in another account or region are other records.
func testCatalogIsolation(t *testing.T, h *harness) {
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, d := range []*cleanrooms.CatalogDatabaseRecord{
			catDB(catAcct1, catRegion, "db"), catDB(catAcct2, catRegion, "db"), catDB(catAcct1, "eu-west-1", "db"),
		} {
			if err := tx.InsertCatalogDatabase(h.ctx, d); err != nil {
				return err
			}
		}
		return tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "db", "t"))
	})
	if _, err := h.getCatalogTable(catAcct2, catRegion, "db", "t"); err == nil {
		t.Error("another account's table is visible")
	}
	if _, err := h.getCatalogTable(catAcct1, "eu-west-1", "db", "t"); err == nil {
		t.Error("another region's table is visible")
	}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteCatalogDatabase(h.ctx, catAcct2, catRegion, "db") })
	if _, err := h.getCatalogTable(catAcct1, catRegion, "db", "t"); err != nil {
		t.Errorf("deleting account 2's database touched account 1's table: %v", err)
	}
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		ds, err := tx.ListCatalogDatabases(h.ctx, catAcct2, catRegion, "", 10)
		if err != nil {
			return err
		}
		if len(ds) != 0 {
			t.Errorf("account 2 lists %d databases after deleting its only one", len(ds))
		}
		return nil
	})
}

func testCatalogPagination(t *testing.T, h *harness) {
	names := []string{"b", "a", "c_1", "c", "aa", "z", "é"}
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "db")); err != nil {
			return err
		}
		for _, n := range names {
			if err := tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "x"+n)); err != nil {
				return err
			}
			if err := tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "db", n)); err != nil {
				return err
			}
		}
		return nil
	})
	want := []string{"a", "aa", "b", "c", "c_1", "z", "é"} // byte order
	var got []string
	after := ""
	for range 10 {
		var page []cleanrooms.CatalogTableRecord
		h.mustRead(func(tx cleanrooms.ReadTx) error {
			var err error
			page, err = tx.ListCatalogTables(h.ctx, catAcct1, catRegion, "db", after, 3)
			return err
		})
		for _, r := range page {
			got = append(got, r.Name)
		}
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].Name
	}
	checkEqual(t, "tables in pages of 3", want, got)

	var dbs []cleanrooms.CatalogDatabaseRecord
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		var err error
		dbs, err = tx.ListCatalogDatabases(h.ctx, catAcct1, catRegion, "xb", 100)
		return err
	})
	var dn []string
	for _, d := range dbs {
		dn = append(dn, d.Name)
	}
	checkEqual(t, "databases after xb", []string{"xc", "xc_1", "xz", "xé"}, dn)

	h.mustRead(func(tx cleanrooms.ReadTx) error {
		ts, err := tx.ListCatalogTables(h.ctx, catAcct1, catRegion, "nodb", "", 10)
		if err != nil || ts == nil || len(ts) != 0 {
			t.Errorf("tables of an unknown database = %v, %v; want an empty list", ts, err)
		}
		return nil
	})
}

func testCatalogDeleteDatabaseDeletesTables(t *testing.T, h *harness) {
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "db")); err != nil {
			return err
		}
		for _, n := range []string{"t1", "t2"} {
			if err := tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "db", n)); err != nil {
				return err
			}
		}
		return nil
	})
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteCatalogDatabase(h.ctx, catAcct1, catRegion, "db") })
	// A new database of the same name starts empty.
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "db")) })
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		ts, err := tx.ListCatalogTables(h.ctx, catAcct1, catRegion, "db", "", 10)
		if err != nil {
			return err
		}
		if len(ts) != 0 {
			t.Errorf("recreated database has %d tables, want 0", len(ts))
		}
		return nil
	})
}

// Concurrent inserts of one name: exactly one wins, the others conflict.
func testCatalogConcurrentInsert(t *testing.T, h *harness) {
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.InsertCatalogDatabase(h.ctx, catDB(catAcct1, catRegion, "db")) })
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = h.write(func(tx cleanrooms.Tx) error {
				if _, err := tx.GetCatalogTable(h.ctx, catAcct1, catRegion, "db", "t"); err == nil {
					return cleanrooms.ErrConflict
				}
				return tx.InsertCatalogTable(h.ctx, catTable(catAcct1, catRegion, "db", "t"))
			})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		default:
			wantErr(t, "losing insert", err, cleanrooms.ErrConflict)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent inserts of one table succeeded, want 1", won)
	}
}
