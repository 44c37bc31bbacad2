package catalog

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// LookupTable implements cleanrooms.Catalog: the Clean Rooms view of a
// table of accountID's catalog in region. Names are matched without regard
// to case, as Glue does; column names come back lower-cased, as Hive, Athena
// and Clean Rooms read them. It returns cleanrooms.ErrNotFound when the
// database or table does not exist.
func (s *Service) LookupTable(ctx context.Context, accountID, region, database, table string) (*cleanrooms.CatalogTable, error) {
	var rec *cleanrooms.CatalogTableRecord
	err := s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		rec, err = tx.GetCatalogTable(ctx, accountID, region, strings.ToLower(database), strings.ToLower(table))
		return err
	})
	if err != nil {
		return nil, err
	}
	if v, ok := s.views.get(rec); ok {
		return v, nil
	}
	st, err := decodeTable(rec)
	if err != nil {
		return nil, err
	}
	v := catalogView(rec, st.Table)
	s.views.put(rec, v)
	return cloneView(v), nil
}

// views memoizes the Clean Rooms view of tables by their stored
// definition: every GetSchema looks its table up, and decoding the whole
// Glue table JSON was a fifth of its CPU. The store is still read on every
// lookup; the memo only skips the decode when the bytes read are the ones
// decoded before, so an update (here or by another replica) is seen at
// once. Bounded: it is emptied when full.
type views struct {
	mu sync.Mutex
	m  map[viewKey]viewEntry
}

type viewKey struct{ account, region, database, name string }

type viewEntry struct {
	definition string
	view       *cleanrooms.CatalogTable
}

const maxViews = 4096

func (vs *views) get(rec *cleanrooms.CatalogTableRecord) (*cleanrooms.CatalogTable, bool) {
	vs.mu.Lock()
	e, ok := vs.m[viewKey{rec.AccountID, rec.Region, rec.DatabaseName, rec.Name}]
	vs.mu.Unlock()
	if !ok || e.definition != rec.Definition {
		return nil, false
	}
	return cloneView(e.view), true
}

func (vs *views) put(rec *cleanrooms.CatalogTableRecord, v *cleanrooms.CatalogTable) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if vs.m == nil || len(vs.m) >= maxViews {
		vs.m = make(map[viewKey]viewEntry)
	}
	vs.m[viewKey{rec.AccountID, rec.Region, rec.DatabaseName, rec.Name}] = viewEntry{rec.Definition, v}
}

// cloneView is a copy the caller may change without changing the memo.
func cloneView(v *cleanrooms.CatalogTable) *cleanrooms.CatalogTable {
	c := *v
	c.Columns = slices.Clone(v.Columns)
	c.PartitionKeys = slices.Clone(v.PartitionKeys)
	c.SerdeParameters = maps.Clone(v.SerdeParameters)
	c.Parameters = maps.Clone(v.Parameters)
	return &c
}

// catalogView derives the Clean Rooms view from a Glue table.
func catalogView(rec *cleanrooms.CatalogTableRecord, t *glueapi.Table) *cleanrooms.CatalogTable {
	ct := &cleanrooms.CatalogTable{
		AccountID:       rec.AccountID,
		Region:          rec.Region,
		DatabaseName:    rec.DatabaseName,
		Name:            rec.Name,
		PartitionKeys:   columns(t.PartitionKeys),
		SerdeParameters: map[string]string{},
		Parameters:      copyMap(t.Parameters),
	}
	if sd := t.StorageDescriptor; sd != nil {
		ct.Columns = columns(sd.Columns)
		ct.Location = deref(sd.Location)
		ct.InputFormat = deref(sd.InputFormat)
		if sd.SerdeInfo != nil {
			ct.SerializationLibrary = deref(sd.SerdeInfo.SerializationLibrary)
			ct.SerdeParameters = copyMap(sd.SerdeInfo.Parameters)
		}
		// Athena reads skip.header.line.count from the table's parameters;
		// the CLI and crawlers sometimes put it in the storage
		// descriptor's. The table's own value wins.
		for k, v := range sd.Parameters {
			if _, ok := ct.Parameters[k]; !ok {
				ct.Parameters[k] = v
			}
		}
	}
	if ct.Columns == nil {
		ct.Columns = []cleanrooms.CatalogColumn{}
	}
	return ct
}

func columns(cs []glueapi.Column) []cleanrooms.CatalogColumn {
	out := make([]cleanrooms.CatalogColumn, 0, len(cs))
	for _, c := range cs {
		out = append(out, cleanrooms.CatalogColumn{Name: strings.ToLower(deref(c.Name)), Type: strings.ToLower(deref(c.Type))})
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
