package catalog

import (
	"context"
	"errors"
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
	if s.looked == nil {
		return s.lookupTable(ctx, accountID, region, database, table)
	}
	k := viewKey{accountID, region, strings.ToLower(database), strings.ToLower(table)}
	v, found, gen := s.looked.get(k)
	if found {
		if v == nil {
			return nil, cleanrooms.ErrNotFound
		}
		return cloneView(v), nil
	}
	v, err := s.lookupTable(ctx, accountID, region, database, table)
	switch {
	case err == nil:
		s.looked.put(k, v, gen)
		return cloneView(v), nil
	case errors.Is(err, cleanrooms.ErrNotFound):
		s.looked.put(k, nil, gen)
	}
	return v, err
}

// lookupTable reads the table from the store.
func (s *Service) lookupTable(ctx context.Context, accountID, region, database, table string) (*cleanrooms.CatalogTable, error) {
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
		return cloneView(v), nil
	}
	st, err := s.storedOf(rec)
	if err != nil {
		return nil, err
	}
	v := catalogView(rec, st.Table)
	s.views.put(rec, v)
	return cloneView(v), nil
}

// lookupCache remembers LookupTable's answers (a nil view: not found) on
// an exclusive store, where every write goes through this service: each
// write empties it and moves gen on, and an answer read while gen moved
// is not kept. GetSchema and every query start look their tables up; the
// store read was a sixth of a GetSchema.
type lookupCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[viewKey]*cleanrooms.CatalogTable
}

// get returns the cached view and whether there is one, and the
// generation to put a fresh answer under.
func (c *lookupCache) get(k viewKey) (*cleanrooms.CatalogTable, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok, c.gen
}

func (c *lookupCache) put(k viewKey, v *cleanrooms.CatalogTable, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a write happened since the read began
	}
	if c.m == nil || len(c.m) >= maxMemo {
		c.m = make(map[viewKey]*cleanrooms.CatalogTable)
	}
	c.m[k] = v
}

func (c *lookupCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// memo keeps what was derived from tables' stored definitions: the
// Clean Rooms view (every GetSchema looks its table up) and the decoded
// Glue table (GetTable, GetTables: decoding the stored JSON was 30 % of a
// page of GetTables). The store is still read on every call; the memo
// only skips the decode when the bytes read are the ones decoded before,
// so an update (here or by another replica) is seen at once. Entries are
// never changed after they are put; callers that change what they get
// copy it first. Bounded: it is emptied when full.
type memo[T any] struct {
	mu sync.Mutex
	m  map[viewKey]memoEntry[T]
}

type viewKey struct{ account, region, database, name string }

type memoEntry[T any] struct {
	definition string
	value      T
}

const maxMemo = 4096

func (m *memo[T]) get(rec *cleanrooms.CatalogTableRecord) (T, bool) {
	m.mu.Lock()
	e, ok := m.m[viewKey{rec.AccountID, rec.Region, rec.DatabaseName, rec.Name}]
	m.mu.Unlock()
	if !ok || e.definition != rec.Definition {
		var zero T
		return zero, false
	}
	return e.value, true
}

func (m *memo[T]) put(rec *cleanrooms.CatalogTableRecord, v T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= maxMemo {
		m.m = make(map[viewKey]memoEntry[T])
	}
	m.m[viewKey{rec.AccountID, rec.Region, rec.DatabaseName, rec.Name}] = memoEntry[T]{rec.Definition, v}
}

// storedOf is decodeTable through the memo: the stored table must not be
// changed (read paths only).
func (s *Service) storedOf(rec *cleanrooms.CatalogTableRecord) (*storedTable, error) {
	if st, ok := s.tables.get(rec); ok {
		return st, nil
	}
	st, err := decodeTable(rec)
	if err != nil {
		return nil, err
	}
	s.tables.put(rec, st)
	return st, nil
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
