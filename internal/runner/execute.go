package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/objects"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// execute stages the query's tables, runs it once per result format its
// receivers asked for, and uploads the files to every receiver.
func (r *Runner) execute(ctx context.Context, q *cleanrooms.ProtectedQuery) (*cleanrooms.QueryResult, error) {
	if len(q.Receivers) == 0 {
		return nil, fail("NO_RECEIVER", "The query has no result receiver.")
	}
	for _, rc := range q.Receivers {
		if err := r.checkOwner(ctx, rc.Bucket, rc.AccountID, "RESULT_LOCATION_ACCESS_DENIED",
			"The result bucket %s of account %s does not exist or is not that account's.", rc.Bucket, rc.AccountID); err != nil {
			return nil, err
		}
	}
	dpPlan, err := dpPlanOf(q)
	if err != nil {
		return nil, err
	}
	if dpPlan != nil && cleanrooms.OtherOutput(q.Receivers) != nil {
		// Start refuses these; a record written otherwise must not make
		// the runner release twice.
		return nil, fail("INVALID_RESULT_CONFIGURATION",
			"A differentially private query delivers one result: every receiver must use the same result format.")
	}
	if dpPlan != nil && q.Attempts > 1 {
		if err := r.notReleased(ctx, q); err != nil {
			return nil, err
		}
	}
	inputs, err := r.stage(ctx, q)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(r.cfg.WorkDir, "query-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	type output struct {
		format     engine.Format
		singleFile bool
	}
	runs := map[output]*engine.Result{}
	dirs := map[output]string{}
	res := &cleanrooms.QueryResult{}
	for _, rc := range q.Receivers {
		o := output{engine.Format(rc.Format), rc.SingleFile}
		if runs[o] == nil {
			d := filepath.Join(dir, fmt.Sprintf("%d", len(runs)))
			if err := os.Mkdir(d, 0o700); err != nil {
				return nil, err
			}
			er, err := r.cfg.Engine.Run(ctx, engine.Job{SQL: q.Plan.SQL, Inputs: inputs, DP: dpPlan,
				Output: engine.Output{Dir: d, Format: o.format, SingleFile: o.singleFile}})
			if err != nil {
				return nil, err
			}
			runs[o], dirs[o] = er, d
			res.Rows, res.Sensitivity = er.Rows, er.Sensitivity
		}
		if err := r.upload(ctx, q.ID, rc, dirs[o], runs[o]); err != nil {
			return nil, err
		}
		if rc.Direct {
			res.Locations = append(res.Locations, "s3://"+rc.Bucket+"/"+rc.ResultPrefix(q.ID))
		} else {
			res.Members = append(res.Members, rc.AccountID)
		}
	}
	return res, nil
}

// dpPlanOf decodes the DP plan stored with q (nil for a query without
// differential privacy).
func dpPlanOf(q *cleanrooms.ProtectedQuery) (*query.DPPlan, error) {
	if q.Plan.DP == nil {
		return nil, nil
	}
	var p query.DPPlan
	if err := json.Unmarshal(q.Plan.DP.Spec, &p); err != nil {
		return nil, fmt.Errorf("runner: query %s: decoding its DP plan: %w", q.ID, err)
	}
	return &p, nil
}

// notReleased fails a DP query run again after an interruption if an
// earlier run already wrote any of its result: each run draws fresh noise,
// and a second release of the same query would spend budget nobody was
// charged for. A run interrupted before it wrote anything released nothing
// and may run again.
func (r *Runner) notReleased(ctx context.Context, q *cleanrooms.ProtectedQuery) error {
	for _, rc := range q.Receivers {
		for _, err := range r.cfg.Objects.List(ctx, rc.Bucket, rc.ResultPrefix(q.ID)) {
			if err != nil && !errors.Is(err, objects.ErrNotFound) {
				return err
			}
			return fail("INTERRUPTED",
				"The differentially private query was interrupted after it began to deliver its result; it is not run again, since a second run would release a second noisy answer.")
		}
	}
	return nil
}

// checkOwner fails unless bucket belongs to account (when the objects
// store knows accounts): a member's data is read, and results written,
// only in that member's own buckets.
func (r *Runner) checkOwner(ctx context.Context, bucket, account, code, format string, args ...any) error {
	if r.cfg.BucketOwner == nil {
		return nil
	}
	owner, err := r.cfg.BucketOwner(ctx, bucket)
	if errors.Is(err, objects.ErrNotFound) || (err == nil && owner != account) {
		return fail(code, format, args...)
	}
	return err
}

// stage makes every table of the plan a local input, read as its owner:
// the Glue table the configured table names, in the owner's catalog, and
// the objects under its location, in a bucket the owner owns.
func (r *Runner) stage(ctx context.Context, q *cleanrooms.ProtectedQuery) ([]engine.Input, error) {
	var inputs []engine.Input
	for _, pt := range q.Plan.Tables {
		var t *cleanrooms.ConfiguredTable
		err := r.cfg.Store.ViewOne(ctx, func(tx cleanrooms.ReadTx) (err error) {
			t, err = tx.GetConfiguredTable(ctx, pt.ConfiguredTableID)
			return err
		})
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return nil, fail("TABLE_NOT_FOUND", "The configured table of %s no longer exists.", pt.Name)
		}
		if err != nil {
			return nil, err
		}
		ref := t.TableReference.Glue
		if ref == nil || r.cfg.Catalog == nil {
			return nil, fail("UNSUPPORTED_TABLE_SOURCE", "Table %s is not a Glue table: cleanroomsd reads only Glue tables over S3.", pt.Name)
		}
		region := ref.Region
		if region == "" {
			region = t.Region
		}
		ct, err := r.cfg.Catalog.LookupTable(ctx, t.AccountID, region, ref.DatabaseName, ref.TableName)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return nil, fail("TABLE_NOT_FOUND", "The Glue table %s.%s of table %s does not exist.", ref.DatabaseName, ref.TableName, pt.Name)
		}
		if err != nil {
			return nil, err
		}
		bucket, prefix, ok := parseS3(ct.Location)
		if !ok {
			return nil, fail("INVALID_TABLE_LOCATION", "The Glue table of %s has no s3:// location.", pt.Name)
		}
		if err := r.checkOwner(ctx, bucket, t.AccountID, "TABLE_LOCATION_ACCESS_DENIED",
			"The data of table %s is in bucket %s, which its owner does not own.", pt.Name, bucket); err != nil {
			return nil, err
		}
		files, err := r.cfg.Stager.Stage(ctx, bucket, prefix)
		if errors.Is(err, objects.ErrNotFound) {
			return nil, fail("TABLE_LOCATION_NOT_FOUND", "The bucket %s of table %s does not exist.", bucket, pt.Name)
		}
		if err != nil {
			return nil, err
		}
		in, err := r.cfg.Input(pt.Name, ct, pt.Columns, files)
		if err != nil {
			return nil, fail("UNSUPPORTED_TABLE_FORMAT", "Table %s: %v", pt.Name, err)
		}
		inputs = append(inputs, in)
	}
	return inputs, nil
}

// parseS3 splits s3://bucket/prefix; a prefix that names a folder ends in
// "/" so that a table at s3://b/users does not read s3://b/users2.
func parseS3(loc string) (bucket, prefix string, ok bool) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		rest, ok = strings.CutPrefix(loc, "s3a://")
	}
	if !ok {
		return "", "", false
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", false
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, true
}

// upload writes a run's files under the receiver's result prefix as
// part-00000.csv, part-00001.csv, ...
func (r *Runner) upload(ctx context.Context, id string, rc cleanrooms.QueryReceiver, dir string, res *engine.Result) error {
	ext, ctype := ".csv", "text/csv"
	if engine.Format(rc.Format) == engine.Parquet {
		ext, ctype = ".parquet", "application/vnd.apache.parquet"
	}
	for i, name := range res.Files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		key := fmt.Sprintf("%spart-%05d%s", rc.ResultPrefix(id), i, ext)
		_, err = r.cfg.Objects.Put(ctx, rc.Bucket, key, f, st.Size(), ctype)
		f.Close()
		if errors.Is(err, objects.ErrNotFound) {
			return fail("RESULT_LOCATION_ACCESS_DENIED", "The result bucket %s does not exist.", rc.Bucket)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
