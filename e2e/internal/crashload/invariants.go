package crashload

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Query runs q in the suite's snapshot of the database and calls each for
// every row with that row's Scan.
type Query func(q string, each func(scan func(dest ...any) error) error)

// CheckData checks, in the database (through query, one snapshot) and in
// the objects directory, that the data half of the load left nothing
// half-applied:
//
//   - every object row names a blob that exists with the row's size, and
//     a single-part object's blob hashes to its ETag (no object listed
//     whose bytes are missing or wrong); every part row likewise, of an
//     upload that exists;
//   - every association names a configured table of its own account and
//     an ACTIVE membership of its account in its collaboration;
//   - no analysis rule of a configured table or association that does
//     not exist;
//   - every configured table's Glue reference names a Glue table of its
//     account.
//
// It returns the number of blobs no row names (left by a kill between a
// blob's rename and its row's commit, or before an overwritten blob was
// removed: documented as not collected).
func CheckData(tb testing.TB, objectsDir string, query Query) (orphans int) {
	tb.Helper()
	named := map[string]bool{}
	checkBlob := func(what, id string, size int64, etag string) {
		named[id] = true
		path := filepath.Join(objectsDir, "blobs", id[:min(2, len(id))], id)
		f, err := os.Open(path)
		if err != nil {
			tb.Errorf("%s: blob %s: %v", what, id, err)
			return
		}
		defer f.Close()
		h := md5.New()
		n, err := io.Copy(h, f)
		if err != nil || n != size {
			tb.Errorf("%s: blob %s has %d bytes (%v), the row says %d", what, id, n, err, size)
			return
		}
		if etag != "" && !strings.Contains(etag, "-") && hex.EncodeToString(h.Sum(nil)) != etag {
			tb.Errorf("%s: blob %s hashes to %x, the row's ETag is %s", what, id, h.Sum(nil), etag)
		}
	}
	query(`SELECT bucket, key, size, etag, blob_id FROM s3_objects`, func(scan func(...any) error) error {
		var bucket, key, etag, blob string
		var size int64
		if err := scan(&bucket, &key, &size, &etag, &blob); err != nil {
			return err
		}
		checkBlob("object "+bucket+"/"+key, blob, size, etag)
		return nil
	})
	query(`SELECT p.upload_id, p.size, p.etag, p.blob_id, u.id IS NOT NULL FROM s3_parts p LEFT JOIN s3_uploads u ON u.id = p.upload_id`,
		func(scan func(...any) error) error {
			var upload, etag, blob string
			var size int64
			var ok bool
			if err := scan(&upload, &size, &etag, &blob, &ok); err != nil {
				return err
			}
			if !ok {
				tb.Errorf("part of upload %s, which does not exist", upload)
			}
			checkBlob("part of upload "+upload, blob, size, etag)
			return nil
		})
	query(`SELECT a.name, a.account_id, a.collaboration_id, COALESCE(ct.account_id, ''),
	              COALESCE(ms.account_id, ''), COALESCE(ms.collaboration_id, ''), COALESCE(ms.status, '')
	       FROM table_associations a
	       LEFT JOIN configured_tables ct ON ct.id = a.configured_table_id
	       LEFT JOIN memberships ms ON ms.id = a.membership_id`, func(scan func(...any) error) error {
		var name, account, collab, ctAccount, msAccount, msCollab, msStatus string
		if err := scan(&name, &account, &collab, &ctAccount, &msAccount, &msCollab, &msStatus); err != nil {
			return err
		}
		if ctAccount != account || msAccount != account || msCollab != collab || msStatus != "ACTIVE" {
			tb.Errorf("association %s of %s in %s: table of %q, membership of %q in %q (%s)", name, account, collab, ctAccount, msAccount, msCollab, msStatus)
		}
		return nil
	})
	query(`SELECT r.configured_table_id FROM configured_table_rules r
	       WHERE NOT EXISTS (SELECT 1 FROM configured_tables ct WHERE ct.id = r.configured_table_id)`, func(scan func(...any) error) error {
		var id string
		if err := scan(&id); err != nil {
			return err
		}
		tb.Errorf("analysis rule of configured table %s, which does not exist", id)
		return nil
	})
	query(`SELECT r.association_id FROM table_association_rules r
	       WHERE NOT EXISTS (SELECT 1 FROM table_associations a WHERE a.id = r.association_id)`, func(scan func(...any) error) error {
		var id string
		if err := scan(&id); err != nil {
			return err
		}
		tb.Errorf("analysis rule of association %s, which does not exist", id)
		return nil
	})
	glue := map[string]bool{}
	query(`SELECT account_id, region, database_name, name FROM catalog_tables`, func(scan func(...any) error) error {
		var a, r, d, n string
		if err := scan(&a, &r, &d, &n); err != nil {
			return err
		}
		glue[a+"/"+r+"/"+d+"/"+n] = true
		return nil
	})
	query(`SELECT name, account_id, region, table_reference FROM configured_tables`, func(scan func(...any) error) error {
		var name, account, region, ref string
		if err := scan(&name, &account, &region, &ref); err != nil {
			return err
		}
		var tr struct {
			Glue *struct{ DatabaseName, TableName, Region string }
		}
		if err := json.Unmarshal([]byte(ref), &tr); err != nil || tr.Glue == nil {
			tb.Errorf("configured table %s: reference %s (%v)", name, ref, err)
			return nil
		}
		r := region
		if tr.Glue.Region != "" {
			r = tr.Glue.Region
		}
		if k := account + "/" + r + "/" + strings.ToLower(tr.Glue.DatabaseName) + "/" + strings.ToLower(tr.Glue.TableName); !glue[k] {
			tb.Errorf("configured table %s refers to Glue table %s, which does not exist", name, k)
		}
		return nil
	})
	_ = filepath.WalkDir(filepath.Join(objectsDir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !named[d.Name()] {
			orphans++
		}
		return nil
	})
	return orphans
}
