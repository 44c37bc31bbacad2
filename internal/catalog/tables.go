package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// storedTable is a table's definition in the store: the Glue Table as
// GetTable returns it, and its partition indexes (which Glue returns
// through GetPartitionIndexes only).
type storedTable struct {
	Table            *glueapi.Table                     `json:"Table"`
	PartitionIndexes []glueapi.PartitionIndexDescriptor `json:"PartitionIndexes,omitempty"`
}

func tableARN(sc scope, database, name string) string {
	return "arn:aws:glue:" + sc.region + ":" + sc.account + ":table/" + database + "/" + name
}

// newTable is the Table that in describes, as Glue returns it: the name
// lower-cased, the output-only members set.
func newTable(sc scope, database string, in *glueapi.TableInput, created, updated *glueapi.Timestamp, version int64) *glueapi.Table {
	t := &glueapi.Table{
		Name:                          str(strings.ToLower(*in.Name)),
		DatabaseName:                  str(database),
		Description:                   in.Description,
		Owner:                         in.Owner,
		CreateTime:                    created,
		UpdateTime:                    updated,
		LastAccessTime:                in.LastAccessTime,
		LastAnalyzedTime:              in.LastAnalyzedTime,
		Retention:                     in.Retention,
		StorageDescriptor:             in.StorageDescriptor,
		PartitionKeys:                 in.PartitionKeys,
		ViewOriginalText:              in.ViewOriginalText,
		ViewExpandedText:              in.ViewExpandedText,
		TableType:                     in.TableType,
		Parameters:                    in.Parameters,
		TargetTable:                   in.TargetTable,
		CreatedBy:                     str("arn:aws:iam::" + sc.account + ":root"),
		IsRegisteredWithLakeFormation: new(bool),
		IsMultiDialectView:            new(bool),
		CatalogId:                     str(sc.account),
		VersionId:                     str(strconv.FormatInt(version, 10)),
	}
	if t.Retention == nil {
		t.Retention = new(int32)
	}
	return t
}

func decodeTable(rec *cleanrooms.CatalogTableRecord) (*storedTable, error) {
	var st storedTable
	if err := json.Unmarshal([]byte(rec.Definition), &st); err != nil {
		return nil, err
	}
	if st.Table == nil {
		return nil, errors.New("catalog: stored table without a definition")
	}
	return &st, nil
}

func encodeTable(st *storedTable) (string, error) {
	b, err := json.Marshal(st)
	return string(b), err
}

// getTable reads a table, telling a missing database from a missing table.
func getTable(ctx context.Context, tx cleanrooms.ReadTx, sc scope, database, name string) (*cleanrooms.CatalogTableRecord, error) {
	database, name = strings.ToLower(database), strings.ToLower(name)
	if _, err := getDatabase(ctx, tx, sc, database); err != nil {
		return nil, err
	}
	rec, err := tx.GetCatalogTable(ctx, sc.account, sc.region, database, name)
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, tableNotFound(name)
	}
	return rec, err
}

// checkTableInput rejects what the model allows but Glue does not.
func checkTableInput(in *glueapi.TableInput, what string) error {
	if in == nil {
		return invalidInput(what + " cannot be null.")
	}
	if in.ViewDefinition != nil {
		return invalidInput("Multi-dialect views (TableInput.ViewDefinition) are not supported by cleanroomsd.")
	}
	return nil
}

// partitionIndexes checks the requested indexes against the partition keys.
func partitionIndexes(in []glueapi.PartitionIndex, t *glueapi.Table) ([]glueapi.PartitionIndexDescriptor, error) {
	types := map[string]string{}
	for _, k := range t.PartitionKeys {
		typ := ""
		if k.Type != nil {
			typ = *k.Type
		}
		types[strings.ToLower(*k.Name)] = typ
	}
	var out []glueapi.PartitionIndexDescriptor
	seen := map[string]bool{}
	for _, pi := range in {
		if seen[*pi.IndexName] {
			return nil, invalidInput("Partition index " + *pi.IndexName + " is given twice.")
		}
		seen[*pi.IndexName] = true
		d := glueapi.PartitionIndexDescriptor{IndexName: pi.IndexName, IndexStatus: glueapi.PartitionIndexStatusActive, Keys: []glueapi.KeySchemaElement{}}
		for _, k := range pi.Keys {
			typ, ok := types[strings.ToLower(k)]
			if !ok {
				return nil, invalidInput("Partition index key " + k + " is not a partition key of the table.")
			}
			d.Keys = append(d.Keys, glueapi.KeySchemaElement{Name: str(k), Type: str(typ)})
		}
		out = append(out, d)
	}
	return out, nil
}

// CreateTable creates a table in one of the caller's databases.
func (s *Service) CreateTable(ctx context.Context, in *glueapi.CreateTableRequest) (*glueapi.CreateTableResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	if in.OpenTableFormatInput != nil {
		return nil, invalidInput("Open table formats (OpenTableFormatInput, Iceberg) are not supported by cleanroomsd.")
	}
	if err := checkTableInput(in.TableInput, "TableInput"); err != nil {
		return nil, err
	}
	database := strings.ToLower(*in.DatabaseName)
	now := s.now()
	ts := glueapi.NewTimestamp(now)
	t := newTable(sc, database, in.TableInput, ts, ts, 0)
	idx, err := partitionIndexes(in.PartitionIndexes, t)
	if err != nil {
		return nil, err
	}
	def, err := encodeTable(&storedTable{Table: t, PartitionIndexes: idx})
	if err != nil {
		return nil, err
	}
	rec := &cleanrooms.CatalogTableRecord{AccountID: sc.account, Region: sc.region, DatabaseName: database, Name: *t.Name,
		Definition: def, CreateTime: now, UpdateTime: now}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		if _, err := getDatabase(ctx, tx, sc, database); err != nil {
			return err
		}
		if _, err := tx.GetCatalogTable(ctx, sc.account, sc.region, database, rec.Name); err == nil {
			return alreadyExists("Table already exists.")
		} else if !errors.Is(err, cleanrooms.ErrNotFound) {
			return err
		}
		if err := tx.InsertCatalogTable(ctx, rec); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				return alreadyExists("Table already exists.")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.CreateTableResponse{}, nil
}

// GetTable returns one table.
func (s *Service) GetTable(ctx context.Context, in *glueapi.GetTableRequest) (*glueapi.GetTableResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	// One statement when the table exists; only a miss reads again, to
	// tell a missing database from a missing table.
	database, name := strings.ToLower(*in.DatabaseName), strings.ToLower(*in.Name)
	var rec *cleanrooms.CatalogTableRecord
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		rec, err = tx.GetCatalogTable(ctx, sc.account, sc.region, database, name)
		return err
	})
	if errors.Is(err, cleanrooms.ErrNotFound) {
		err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
			_, err := getDatabase(ctx, tx, sc, database)
			return err
		})
		if err == nil {
			err = tableNotFound(name)
		}
	}
	if err != nil {
		return nil, err
	}
	st, err := s.storedOf(rec)
	if err != nil {
		return nil, err
	}
	return &glueapi.GetTableResponse{Table: st.Table}, nil
}

// GetTables lists the tables of a database in name order, those matching
// Expression if given. A page reads the store until it has MaxResults
// matches; the token resumes after the last name read.
func (s *Service) GetTables(ctx context.Context, in *glueapi.GetTablesRequest) (*glueapi.GetTablesResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	re, err := compileExpression(in.Expression)
	if err != nil {
		return nil, err
	}
	database := strings.ToLower(*in.DatabaseName)
	expr := ""
	if in.Expression != nil {
		expr = *in.Expression
	}
	tok := listToken{Kind: "tables", Account: sc.account, Region: sc.region, Database: database, Expression: expr}
	after, err := tok.decode(in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.MaxResults)
	out := &glueapi.GetTablesResponse{TableList: []glueapi.Table{}}
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		if _, err := getDatabase(ctx, tx, sc, database); err != nil {
			return err
		}
		out.TableList = out.TableList[:0]
		out.NextToken = nil
		cursor := after
		for {
			// One more than needed tells whether anything follows.
			batch, err := tx.ListCatalogTables(ctx, sc.account, sc.region, database, cursor, limit+1)
			if err != nil {
				return err
			}
			for i := range batch {
				if re != nil && !re.MatchString(batch[i].Name) {
					continue
				}
				if len(out.TableList) == limit {
					out.NextToken = str(tok.encode(*out.TableList[limit-1].Name))
					return nil
				}
				st, err := s.storedOf(&batch[i])
				if err != nil {
					return err
				}
				tb := st.Table
				if len(in.AttributesToGet) > 0 {
					tb = onlyTableAttributes(tb, in.AttributesToGet)
				}
				out.TableList = append(out.TableList, *tb)
			}
			if len(batch) <= limit {
				return nil
			}
			cursor = batch[len(batch)-1].Name
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateTable replaces a table's definition (TableInput), keeping its
// creation time and partition indexes and counting a new version.
func (s *Service) UpdateTable(ctx context.Context, in *glueapi.UpdateTableRequest) (*glueapi.UpdateTableResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	if in.UpdateOpenTableFormatInput != nil {
		return nil, invalidInput("Open table formats (UpdateOpenTableFormatInput, Iceberg) are not supported by cleanroomsd.")
	}
	if err := checkTableInput(in.TableInput, "TableInput"); err != nil {
		return nil, err
	}
	if in.Name != nil && !strings.EqualFold(*in.Name, *in.TableInput.Name) {
		return nil, invalidInput("Table name in TableInput (" + *in.TableInput.Name + ") does not match the Name (" + *in.Name + ").")
	}
	database := strings.ToLower(*in.DatabaseName)
	now := s.now()
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		rec, err := getTable(ctx, tx, sc, database, *in.TableInput.Name)
		if err != nil {
			return err
		}
		old, err := decodeTable(rec)
		if err != nil {
			return err
		}
		if in.VersionId != nil && *in.VersionId != *old.Table.VersionId {
			msg := "Version " + *in.VersionId + " is not the table's current version " + *old.Table.VersionId + "."
			return &glueapi.ConcurrentModificationException{Message: &msg}
		}
		rec.Version++
		rec.UpdateTime = now
		t := newTable(sc, database, in.TableInput, old.Table.CreateTime, glueapi.NewTimestamp(now), rec.Version)
		if rec.Definition, err = encodeTable(&storedTable{Table: t, PartitionIndexes: old.PartitionIndexes}); err != nil {
			return err
		}
		return tx.UpdateCatalogTable(ctx, rec)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.UpdateTableResponse{}, nil
}

// DeleteTable deletes a table and its tags.
func (s *Service) DeleteTable(ctx context.Context, in *glueapi.DeleteTableRequest) (*glueapi.DeleteTableResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		return deleteTable(ctx, tx, sc, *in.DatabaseName, *in.Name)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.DeleteTableResponse{}, nil
}

func deleteTable(ctx context.Context, tx cleanrooms.Tx, sc scope, database, name string) error {
	rec, err := getTable(ctx, tx, sc, database, name)
	if err != nil {
		return err
	}
	if err := tx.DeleteTags(ctx, tableARN(sc, rec.DatabaseName, rec.Name)); err != nil {
		return err
	}
	return tx.DeleteCatalogTable(ctx, sc.account, sc.region, rec.DatabaseName, rec.Name)
}

// BatchDeleteTable deletes tables of one database; a table that cannot be
// deleted is reported in Errors and the others are still deleted. A
// missing database fails the whole call.
func (s *Service) BatchDeleteTable(ctx context.Context, in *glueapi.BatchDeleteTableRequest) (*glueapi.BatchDeleteTableResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	out := &glueapi.BatchDeleteTableResponse{}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		out.Errors = []glueapi.TableError{}
		if _, err := getDatabase(ctx, tx, sc, *in.DatabaseName); err != nil {
			return err
		}
		for _, name := range in.TablesToDelete {
			err := deleteTable(ctx, tx, sc, *in.DatabaseName, name)
			var ae glueapi.APIError
			switch {
			case err == nil:
			case errors.As(err, &ae):
				out.Errors = append(out.Errors, glueapi.TableError{
					TableName:   str(name),
					ErrorDetail: &glueapi.ErrorDetail{ErrorCode: str(ae.ErrorCode()), ErrorMessage: str(ae.ErrorMessage())},
				})
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetPartitionIndexes returns the table's partition indexes (those given
// to CreateTable; they are ACTIVE at once, having no partitions to index).
func (s *Service) GetPartitionIndexes(ctx context.Context, in *glueapi.GetPartitionIndexesRequest) (*glueapi.GetPartitionIndexesResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	if in.NextToken != nil && *in.NextToken != "" {
		return nil, invalidInput("Invalid NextToken: it was not issued for this request.")
	}
	var st *storedTable
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		rec, err := getTable(ctx, tx, sc, *in.DatabaseName, *in.TableName)
		if err != nil {
			return err
		}
		st, err = decodeTable(rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	list := st.PartitionIndexes
	if list == nil {
		list = []glueapi.PartitionIndexDescriptor{}
	}
	return &glueapi.GetPartitionIndexesResponse{PartitionIndexDescriptorList: list}, nil
}

// onlyTableAttributes keeps the attributes asked for (the name always).
func onlyTableAttributes(t *glueapi.Table, attrs []glueapi.TableAttributes) *glueapi.Table {
	out := &glueapi.Table{Name: t.Name}
	for _, a := range attrs {
		if a == glueapi.TableAttributesTableType {
			out.TableType = t.TableType
		}
	}
	return out
}
