package catalog

import (
	"context"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api/glueapi"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Tags are kept in the store's tag table under the resource ARN. Databases
// and tables of the caller's own catalog are taggable; an ARN of another
// account or region names nothing the caller has (EntityNotFoundException,
// as for any resource that does not exist).

// taggable checks that arn names an existing database or table of the
// caller's catalog and returns it canonical (names lower-cased).
func taggable(ctx context.Context, tx cleanrooms.ReadTx, sc scope, arn string) (string, error) {
	prefix := "arn:aws:glue:" + sc.region + ":" + sc.account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		if !strings.HasPrefix(arn, "arn:") || strings.Count(arn, ":") < 5 {
			return "", invalidInput("ResourceArn " + arn + " is not a valid ARN.")
		}
		return "", notFound("Resource " + arn + " not found.")
	}
	kind, path, _ := strings.Cut(rest, "/")
	switch kind {
	case "database":
		if path == "" || strings.Contains(path, "/") {
			break
		}
		if _, err := getDatabase(ctx, tx, sc, path); err != nil {
			return "", err
		}
		return databaseARN(sc, strings.ToLower(path)), nil
	case "table":
		db, name, ok := strings.Cut(path, "/")
		if !ok || db == "" || name == "" {
			break
		}
		rec, err := getTable(ctx, tx, sc, db, name)
		if err != nil {
			return "", err
		}
		return tableARN(sc, rec.DatabaseName, rec.Name), nil
	}
	return "", invalidInput("ResourceArn " + arn + " names no taggable Glue resource (database or table).")
}

// GetTags returns the tags of a database or table.
func (s *Service) GetTags(ctx context.Context, in *glueapi.GetTagsRequest) (*glueapi.GetTagsResponse, error) {
	sc, err := caller(ctx, nil)
	if err != nil {
		return nil, err
	}
	var tags map[string]string
	err = s.store.View(ctx, func(tx cleanrooms.ReadTx) error {
		arn, err := taggable(ctx, tx, sc, *in.ResourceArn)
		if err != nil {
			return err
		}
		tags, err = tx.Tags(ctx, arn)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.GetTagsResponse{Tags: tags}, nil
}

// TagResource adds or overwrites tags.
func (s *Service) TagResource(ctx context.Context, in *glueapi.TagResourceRequest) (*glueapi.TagResourceResponse, error) {
	sc, err := caller(ctx, nil)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		arn, err := taggable(ctx, tx, sc, *in.ResourceArn)
		if err != nil {
			return err
		}
		return tx.TagResource(ctx, arn, in.TagsToAdd)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.TagResourceResponse{}, nil
}

// UntagResource removes tags (absent keys are ignored).
func (s *Service) UntagResource(ctx context.Context, in *glueapi.UntagResourceRequest) (*glueapi.UntagResourceResponse, error) {
	sc, err := caller(ctx, nil)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx cleanrooms.Tx) error {
		arn, err := taggable(ctx, tx, sc, *in.ResourceArn)
		if err != nil {
			return err
		}
		return tx.UntagResource(ctx, arn, in.TagsToRemove)
	})
	if err != nil {
		return nil, err
	}
	return &glueapi.UntagResourceResponse{}, nil
}
