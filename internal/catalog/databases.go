package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// defaultPageSize is Glue's page size when MaxResults is not given.
const defaultPageSize = 100

// defaultPermissions is what Glue sets as a database's
// CreateTableDefaultPermissions when none are given: Lake Formation's
// default, IAM access control only.
func defaultPermissions() []glueapi.PrincipalPermissions {
	return []glueapi.PrincipalPermissions{{
		Principal:   &glueapi.DataLakePrincipal{DataLakePrincipalIdentifier: str("IAM_ALLOWED_PRINCIPALS")},
		Permissions: []glueapi.Permission{glueapi.PermissionAll},
	}}
}

// databaseARN is the ARN Glue tags a database by.
func databaseARN(sc scope, name string) string {
	return "arn:aws:glue:" + sc.region + ":" + sc.account + ":database/" + name
}

// newDatabase is the Database that in describes (name lower-cased).
func newDatabase(sc scope, in *glueapi.DatabaseInput, created *glueapi.Timestamp) *glueapi.Database {
	d := &glueapi.Database{
		Name:                          str(strings.ToLower(*in.Name)),
		Description:                   in.Description,
		LocationUri:                   in.LocationUri,
		Parameters:                    in.Parameters,
		CreateTableDefaultPermissions: in.CreateTableDefaultPermissions,
		TargetDatabase:                in.TargetDatabase,
		FederatedDatabase:             in.FederatedDatabase,
		CreateTime:                    created,
		CatalogId:                     str(sc.account),
	}
	if d.CreateTableDefaultPermissions == nil {
		d.CreateTableDefaultPermissions = defaultPermissions()
	}
	return d
}

func decodeDatabase(rec *cleanrooms.CatalogDatabaseRecord) (*glueapi.Database, error) {
	var d glueapi.Database
	if err := json.Unmarshal([]byte(rec.Definition), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// getDatabase reads a database of the caller's catalog.
func getDatabase(ctx context.Context, tx cleanrooms.ReadTx, sc scope, name string) (*cleanrooms.CatalogDatabaseRecord, error) {
	rec, err := tx.GetCatalogDatabase(ctx, sc.account, sc.region, strings.ToLower(name))
	if errors.Is(err, cleanrooms.ErrNotFound) {
		return nil, databaseNotFound(strings.ToLower(name))
	}
	return rec, err
}

// CreateDatabase creates a database, with its tags.
func (s *Service) CreateDatabase(ctx context.Context, in *glueapi.CreateDatabaseRequest) (*glueapi.CreateDatabaseResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d := newDatabase(sc, in.DatabaseInput, glueapi.NewTimestamp(now))
	def, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	rec := &cleanrooms.CatalogDatabaseRecord{AccountID: sc.account, Region: sc.region, Name: *d.Name, Definition: string(def), CreateTime: now}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		if _, err := tx.GetCatalogDatabase(ctx, sc.account, sc.region, rec.Name); err == nil {
			return alreadyExists("Database already exists.")
		} else if !errors.Is(err, cleanrooms.ErrNotFound) {
			return err
		}
		if err := tx.InsertCatalogDatabase(ctx, rec); err != nil {
			if errors.Is(err, cleanrooms.ErrConflict) {
				return alreadyExists("Database already exists.")
			}
			return err
		}
		// A database of the same name deleted earlier left no tags (Delete
		// removes them); these are the new database's.
		return tx.TagResource(ctx, databaseARN(sc, rec.Name), in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.CreateDatabaseResponse{}, nil
}

// GetDatabase returns one database.
func (s *Service) GetDatabase(ctx context.Context, in *glueapi.GetDatabaseRequest) (*glueapi.GetDatabaseResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	var d *glueapi.Database
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		rec, err := getDatabase(ctx, tx, sc, *in.Name)
		if err != nil {
			return err
		}
		d, err = decodeDatabase(rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.GetDatabaseResponse{Database: d}, nil
}

// GetDatabases lists the caller's databases in name order.
func (s *Service) GetDatabases(ctx context.Context, in *glueapi.GetDatabasesRequest) (*glueapi.GetDatabasesResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	if in.ResourceShareType == glueapi.ResourceShareTypeForeign {
		// Nothing is shared into a cleanroomsd catalog.
		return &glueapi.GetDatabasesResponse{DatabaseList: []glueapi.Database{}}, nil
	}
	limit := pageSize(in.MaxResults)
	tok := listToken{Kind: "databases", Account: sc.account, Region: sc.region}
	after, err := tok.decode(in.NextToken)
	if err != nil {
		return nil, err
	}
	var recs []cleanrooms.CatalogDatabaseRecord
	err = s.store.ViewOne(ctx, func(tx cleanrooms.ReadTx) error {
		var err error
		recs, err = tx.ListCatalogDatabases(ctx, sc.account, sc.region, after, limit+1)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &glueapi.GetDatabasesResponse{DatabaseList: []glueapi.Database{}}
	if len(recs) > limit {
		recs = recs[:limit]
		out.NextToken = str(tok.encode(recs[limit-1].Name))
	}
	for i := range recs {
		d, err := decodeDatabase(&recs[i])
		if err != nil {
			return nil, err
		}
		if len(in.AttributesToGet) > 0 {
			d = onlyDatabaseAttributes(d, in.AttributesToGet)
		}
		out.DatabaseList = append(out.DatabaseList, *d)
	}
	return out, nil
}

// UpdateDatabase replaces a database's definition; its name and creation
// time stay.
func (s *Service) UpdateDatabase(ctx context.Context, in *glueapi.UpdateDatabaseRequest) (*glueapi.UpdateDatabaseResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(*in.Name)
	if strings.ToLower(*in.DatabaseInput.Name) != name {
		return nil, invalidInput("Database name in DatabaseInput (" + *in.DatabaseInput.Name + ") does not match the Name (" + *in.Name + "): renaming a database is not supported.")
	}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		rec, err := getDatabase(ctx, tx, sc, name)
		if err != nil {
			return err
		}
		old, err := decodeDatabase(rec)
		if err != nil {
			return err
		}
		d := newDatabase(sc, in.DatabaseInput, old.CreateTime)
		def, err := json.Marshal(d)
		if err != nil {
			return err
		}
		rec.Definition = string(def)
		return tx.UpdateCatalogDatabase(ctx, rec)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.UpdateDatabaseResponse{}, nil
}

// DeleteDatabase deletes a database, its tables and their tags.
func (s *Service) DeleteDatabase(ctx context.Context, in *glueapi.DeleteDatabaseRequest) (*glueapi.DeleteDatabaseResponse, error) {
	sc, err := caller(ctx, in.CatalogId)
	if err != nil {
		return nil, err
	}
	name := strings.ToLower(*in.Name)
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		if _, err := getDatabase(ctx, tx, sc, name); err != nil {
			return err
		}
		after := ""
		for {
			page, err := tx.ListCatalogTables(ctx, sc.account, sc.region, name, after, 500)
			if err != nil {
				return err
			}
			for _, t := range page {
				if err := tx.DeleteTags(ctx, tableARN(sc, name, t.Name)); err != nil {
					return err
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].Name
		}
		if err := tx.DeleteTags(ctx, databaseARN(sc, name)); err != nil {
			return err
		}
		return tx.DeleteCatalogDatabase(ctx, sc.account, sc.region, name)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.DeleteDatabaseResponse{}, nil
}

func pageSize(max *int32) int {
	if max == nil {
		return defaultPageSize
	}
	return int(*max)
}

// onlyDatabaseAttributes keeps the attributes asked for (the name always).
func onlyDatabaseAttributes(d *glueapi.Database, attrs []glueapi.DatabaseAttributes) *glueapi.Database {
	out := &glueapi.Database{Name: d.Name}
	for _, a := range attrs {
		if a == glueapi.DatabaseAttributesTargetDatabase {
			out.TargetDatabase = d.TargetDatabase
		}
	}
	return out
}
