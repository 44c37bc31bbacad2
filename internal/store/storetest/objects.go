package storetest

import (
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var objectTests = []test{
	{"BucketLifecycle", testBucketLifecycle},
	{"ObjectRoundTripAndReplace", testObjectRoundTrip},
	{"ObjectListKeyset", testObjectListKeyset},
	{"ObjectListPrefixBounds", testObjectListPrefixBounds},
	{"UploadsAndParts", testUploadsAndParts},
}

func bucket(name, account string) cleanrooms.Bucket {
	return cleanrooms.Bucket{Name: name, AccountID: account, Region: "us-east-1", CreateTime: at(1)}
}

func object(b, key, blob string) cleanrooms.Object {
	return cleanrooms.Object{Bucket: b, Key: key, Size: int64(len(key)), ETag: "d41d8cd98f00b204e9800998ecf8427e",
		ContentType: "text/csv", Headers: map[string]string{"X-Amz-Meta-A": "ünï ☃"}, BlobID: blob, ModifyTime: at(2)}
}

func (h *harness) mustBuckets(b ...cleanrooms.Bucket) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, x := range b {
			if err := tx.CreateBucket(h.ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustPutObjects(os ...cleanrooms.Object) {
	h.t.Helper()
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, o := range os {
			if _, err := tx.PutObject(h.ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
}

func (h *harness) mustListObjects(q cleanrooms.ObjectQuery) []string {
	h.t.Helper()
	var keys []string
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		os, err := tx.ListObjects(h.ctx, q)
		for _, o := range os {
			keys = append(keys, o.Key)
		}
		return err
	})
	return keys
}

func testBucketLifecycle(t *testing.T, h *harness) {
	h.mustBuckets(bucket("b-one", "111111111111"), bucket("a-two", "111111111111"), bucket("c-other", "222222222222"))
	wantErr(t, "CreateBucket of a taken name (other account)", h.write(func(tx cleanrooms.Tx) error {
		return tx.CreateBucket(h.ctx, bucket("b-one", "222222222222"))
	}), cleanrooms.ErrConflict)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.Bucket(h.ctx, "b-one")
		if err != nil {
			return err
		}
		checkEqual(t, "Bucket", ptr(bucket("b-one", "111111111111")), got)
		_, err = tx.Bucket(h.ctx, "nope")
		wantErr(t, "Bucket(nope)", err, cleanrooms.ErrNotFound)
		return nil
	})
	var names []string
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		after := ""
		for {
			page, err := tx.ListBucketsOf(h.ctx, "111111111111", after, 1)
			if err != nil || len(page) == 0 {
				return err
			}
			names = append(names, page[0].Name)
			after = page[0].Name
		}
	})
	checkEqual(t, "ListBucketsOf by name, one account only", []string{"a-two", "b-one"}, names)

	h.mustPutObjects(object("b-one", "k", "blob1"))
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		used, err := tx.BucketInUse(h.ctx, "b-one")
		if !used || err != nil {
			t.Errorf("BucketInUse(b-one) = %v, %v; want true", used, err)
		}
		used, err = tx.BucketInUse(h.ctx, "a-two")
		if used || err != nil {
			t.Errorf("BucketInUse(a-two) = %v, %v; want false", used, err)
		}
		return nil
	})
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.DeleteBucket(h.ctx, "a-two") })
	wantErr(t, "DeleteBucket twice", h.write(func(tx cleanrooms.Tx) error { return tx.DeleteBucket(h.ctx, "a-two") }), cleanrooms.ErrNotFound)
	wantErr(t, "PutObject in a missing bucket", h.write(func(tx cleanrooms.Tx) error {
		_, err := tx.PutObject(h.ctx, object("a-two", "k", "b"))
		return err
	}), cleanrooms.ErrNotFound)
}

func testObjectRoundTrip(t *testing.T, h *harness) {
	h.mustBuckets(bucket("bkt", "111111111111"))
	first := object("bkt", "dir/ké y", "blob1")
	first.Headers = nil // stored as none; read back as an empty map
	h.mustPutObjects(first)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.Object(h.ctx, "bkt", "dir/ké y")
		want := first
		want.Headers = map[string]string{}
		checkEqual(t, "Object", &want, got)
		return err
	})
	second := object("bkt", "dir/ké y", "blob2")
	second.Size = 1 << 40
	h.mustWrite(func(tx cleanrooms.Tx) error {
		old, err := tx.PutObject(h.ctx, second)
		if old == nil || old.BlobID != "blob1" {
			t.Errorf("PutObject over an object returned %+v, want the replaced row (blob1)", old)
		}
		return err
	})
	h.mustWrite(func(tx cleanrooms.Tx) error {
		old, err := tx.DeleteObject(h.ctx, "bkt", "dir/ké y")
		checkEqual(t, "DeleteObject's row", &second, old)
		return err
	})
	wantErr(t, "DeleteObject twice", h.write(func(tx cleanrooms.Tx) error {
		_, err := tx.DeleteObject(h.ctx, "bkt", "dir/ké y")
		return err
	}), cleanrooms.ErrNotFound)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		_, err := tx.Object(h.ctx, "bkt", "dir/ké y")
		wantErr(t, "Object after delete", err, cleanrooms.ErrNotFound)
		return nil
	})
}

func testObjectListKeyset(t *testing.T, h *harness) {
	h.mustBuckets(bucket("bkt", "1"), bucket("other", "1"))
	// Inserted out of order; listed in UTF-8 byte order ("B" < "a" < "é").
	keys := []string{"é", "a/2", "a/1", "B", "a/10", "a0", "a/1/x"}
	for i, k := range keys {
		h.mustPutObjects(object("bkt", k, fmt.Sprint(i)))
	}
	h.mustPutObjects(object("other", "a/1", "x"))
	var all []string
	after := ""
	for {
		page := h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", After: after, Limit: 2})
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1]
	}
	checkEqual(t, "keyset walk", []string{"B", "a/1", "a/1/x", "a/10", "a/2", "a0", "é"}, all)
	checkEqual(t, "prefix a/", []string{"a/1", "a/1/x", "a/10", "a/2"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "a/", Limit: 100}))
	checkEqual(t, "skip everything under a/1", []string{"a/2"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "a/", After: "a/1", SkipPrefix: true, Limit: 100}))
	checkEqual(t, "after without skipping", []string{"a/1/x", "a/10", "a/2"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "a/", After: "a/1", Limit: 100}))
	checkEqual(t, "skip prefix a/ from the whole bucket", []string{"a0", "é"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", After: "a/", SkipPrefix: true, Limit: 100}))
}

// Prefixes whose successor needs a carry or a jump over the surrogates.
func testObjectListPrefixBounds(t *testing.T, h *harness) {
	h.mustBuckets(bucket("bkt", "1"))
	keys := []string{"x\U0010FFFF", "x\U0010FFFFa", "y", "p\uD7FFq", "p\uE000", "\U0010FFFF"}
	for i, k := range keys {
		h.mustPutObjects(object("bkt", k, fmt.Sprint(i)))
	}
	checkEqual(t, "prefix x+maxrune", []string{"x\U0010FFFF", "x\U0010FFFFa"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "x\U0010FFFF", Limit: 10}))
	checkEqual(t, "prefix p+D7FF", []string{"p\uD7FFq"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "p\uD7FF", Limit: 10}))
	checkEqual(t, "prefix maxrune", []string{"\U0010FFFF"},
		h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", Prefix: "\U0010FFFF", Limit: 10}))
	if got := h.mustListObjects(cleanrooms.ObjectQuery{Bucket: "bkt", After: "\U0010FFFF", SkipPrefix: true, Limit: 10}); len(got) != 0 {
		t.Errorf("skip prefix maxrune = %q, want nothing", got)
	}
}

func testUploadsAndParts(t *testing.T, h *harness) {
	h.mustBuckets(bucket("bkt", "111111111111"))
	up := func(id, key string) cleanrooms.Upload {
		return cleanrooms.Upload{ID: id, Bucket: "bkt", Key: key, AccountID: "111111111111", ContentType: "x/y",
			Headers: map[string]string{"X-Amz-Meta-K": "v"}, CreateTime: at(3)}
	}
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, u := range []cleanrooms.Upload{up("u2", "a/k"), up("u1", "a/k"), up("u3", "b"), up("u0", "a/j")} {
			if err := tx.CreateUpload(h.ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	wantErr(t, "CreateUpload in a missing bucket", h.write(func(tx cleanrooms.Tx) error {
		u := up("u9", "k")
		u.Bucket = "nope"
		return tx.CreateUpload(h.ctx, u)
	}), cleanrooms.ErrNotFound)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		got, err := tx.Upload(h.ctx, "u1")
		checkEqual(t, "Upload", ptr(up("u1", "a/k")), got)
		if err != nil {
			return err
		}
		us, err := tx.ListUploads(h.ctx, "bkt", "a/", "a/j", "u0", 2)
		var ids []string
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		checkEqual(t, "ListUploads after (a/j, u0)", []string{"u1", "u2"}, ids)
		return err
	})
	part := func(n int, blob string) cleanrooms.Part {
		return cleanrooms.Part{UploadID: "u1", Number: n, Size: 5 << 20, ETag: "e" + blob, BlobID: blob, ModifyTime: at(4)}
	}
	h.mustWrite(func(tx cleanrooms.Tx) error {
		for _, p := range []cleanrooms.Part{part(3, "c"), part(1, "a"), part(2, "b")} {
			if old, err := tx.PutPart(h.ctx, p); err != nil || old != nil {
				return fmt.Errorf("PutPart new: %v, %v", old, err)
			}
		}
		old, err := tx.PutPart(h.ctx, part(2, "b2"))
		checkEqual(t, "replaced part", ptr(part(2, "b")), old)
		return err
	})
	wantErr(t, "PutPart of a missing upload", h.write(func(tx cleanrooms.Tx) error {
		p := part(1, "z")
		p.UploadID = "nope"
		_, err := tx.PutPart(h.ctx, p)
		return err
	}), cleanrooms.ErrNotFound)
	h.mustRead(func(tx cleanrooms.ReadTx) error {
		ps, err := tx.ListParts(h.ctx, "u1", 1, 10)
		checkEqual(t, "ListParts after 1", []cleanrooms.Part{part(2, "b2"), part(3, "c")}, ps)
		return err
	})
	h.mustWrite(func(tx cleanrooms.Tx) error {
		ps, err := tx.DeleteUpload(h.ctx, "u1")
		checkEqual(t, "DeleteUpload's parts", []cleanrooms.Part{part(1, "a"), part(2, "b2"), part(3, "c")}, ps)
		return err
	})
	wantErr(t, "DeleteUpload twice", h.write(func(tx cleanrooms.Tx) error {
		_, err := tx.DeleteUpload(h.ctx, "u1")
		return err
	}), cleanrooms.ErrNotFound)
}
