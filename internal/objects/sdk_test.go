package objects

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

func TestSDKObjectLifecycle(t *testing.T) {
	for _, onDisk := range []bool{false, true} {
		t.Run(fmt.Sprintf("onDisk=%v", onDisk), func(t *testing.T) {
			f := newFixture(t, onDisk)
			c := client(f.url, acctA)
			ctx := context.Background()
			must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acme-data")}))
			body := []byte("id,name\n1,ann\n2,bob\n")
			put := must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv"),
				Body: bytes.NewReader(body), ContentType: aws.String("text/csv"), Metadata: map[string]string{"origin": "crm"}}))
			sum := md5.Sum(body)
			wantETag := `"` + hex.EncodeToString(sum[:]) + `"`
			if aws.ToString(put.ETag) != wantETag {
				t.Errorf("PutObject ETag = %s, want %s", aws.ToString(put.ETag), wantETag)
			}
			get := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv")}))
			got := must(io.ReadAll(get.Body))
			if !bytes.Equal(got, body) || aws.ToString(get.ETag) != wantETag || aws.ToString(get.ContentType) != "text/csv" ||
				get.Metadata["origin"] != "crm" || aws.ToInt64(get.ContentLength) != int64(len(body)) || get.LastModified == nil {
				t.Errorf("GetObject = %q etag %s type %s meta %v len %d", got, aws.ToString(get.ETag), aws.ToString(get.ContentType), get.Metadata, aws.ToInt64(get.ContentLength))
			}
			rng := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv"), Range: aws.String("bytes=8-12")}))
			if got := must(io.ReadAll(rng.Body)); string(got) != "1,ann" || aws.ToString(rng.ContentRange) != fmt.Sprintf("bytes 8-12/%d", len(body)) {
				t.Errorf("ranged GetObject = %q, Content-Range %q", got, aws.ToString(rng.ContentRange))
			}
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv"), Range: aws.String("bytes=500-")})
			wantCode(t, "unsatisfiable range", err, "InvalidRange", 416)
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv"), IfNoneMatch: aws.String(wantETag)})
			wantCode(t, "If-None-Match", err, "NotModified", 304)
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv"), IfMatch: aws.String(`"nope"`)})
			wantCode(t, "If-Match", err, "PreconditionFailed", 412)
			head := must(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv")}))
			if aws.ToInt64(head.ContentLength) != int64(len(body)) || aws.ToString(head.ETag) != wantETag {
				t.Errorf("HeadObject = len %d etag %s", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag))
			}
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("missing")})
			wantCode(t, "HeadObject of a missing key", err, "NotFound", 404)
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("missing")})
			wantCode(t, "GetObject of a missing key", err, "NoSuchKey", 404)

			cp := must(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("copy.csv"),
				CopySource: aws.String("acme-data/users/part%200.csv")}))
			if aws.ToString(cp.CopyObjectResult.ETag) != wantETag {
				t.Errorf("CopyObject ETag = %s", aws.ToString(cp.CopyObjectResult.ETag))
			}
			cget := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("copy.csv")}))
			if got := must(io.ReadAll(cget.Body)); !bytes.Equal(got, body) || cget.Metadata["origin"] != "crm" {
				t.Errorf("copied object = %q, meta %v", got, cget.Metadata)
			}
			_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("copy.csv"), CopySource: aws.String("acme-data/copy.csv")})
			wantCode(t, "copy onto itself", err, "InvalidRequest", 400)

			_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("acme-data")})
			wantCode(t, "DeleteBucket not empty", err, "BucketNotEmpty", 409)
			del := must(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("acme-data"), Delete: &types.Delete{
				Objects: []types.ObjectIdentifier{{Key: aws.String("copy.csv")}, {Key: aws.String("never-was")}}}}))
			if len(del.Deleted) != 2 || len(del.Errors) != 0 {
				t.Errorf("DeleteObjects = %d deleted, %d errors; want 2, 0", len(del.Deleted), len(del.Errors))
			}
			must(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv")}))
			must(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("acme-data"), Key: aws.String("users/part 0.csv")}))
			must(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("acme-data")}))
			_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("acme-data")})
			wantCode(t, "HeadBucket after delete", err, "NotFound", 404)
			_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("acme-data")})
			wantCode(t, "list after delete", err, "NoSuchBucket", 404)
		})
	}
}

func TestSDKBucketErrors(t *testing.T) {
	f := newFixture(t, false)
	a, b := client(f.url, acctA), client(f.url, acctB)
	ctx := context.Background()
	must(a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name")}))
	// us-east-1's legacy answer to the owner re-creating its bucket is 200.
	must(a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name")}))
	_, err := b.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name")})
	wantCode(t, "another account's name", err, "BucketAlreadyExists", 409)
	must(a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("in-eu"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}))
	_, err = a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("in-eu"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	wantCode(t, "owner re-creates outside us-east-1", err, "BucketAlreadyOwnedByYou", 409)
	loc := must(a.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("in-eu")}))
	if loc.LocationConstraint != types.BucketLocationConstraintEuWest1 {
		t.Errorf("GetBucketLocation = %q", loc.LocationConstraint)
	}
	loc = must(a.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("shared-name")}))
	if loc.LocationConstraint != "" {
		t.Errorf("GetBucketLocation(us-east-1) = %q, want empty", loc.LocationConstraint)
	}
	for _, bad := range []string{"ab", "Upper", "a_b", "-ab", "192.168.1.1", "a..b", strings.Repeat("a", 64)} {
		_, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bad)})
		wantCode(t, "CreateBucket "+bad, err, "InvalidBucketName", 400)
	}
	_, err = a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantCode(t, "PutObject in a missing bucket", err, "NoSuchBucket", 404)
	lb := must(b.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if len(lb.Buckets) != 0 {
		t.Errorf("account B lists %d buckets, want 0", len(lb.Buckets))
	}
	lb = must(a.ListBuckets(ctx, &s3.ListBucketsInput{}))
	var names []string
	for _, x := range lb.Buckets {
		names = append(names, aws.ToString(x.Name))
	}
	if d := cmp.Diff([]string{"in-eu", "shared-name"}, names); d != "" {
		t.Errorf("ListBuckets (-want +got):\n%s", d)
	}
}

func TestSDKListObjects(t *testing.T) {
	f := newFixture(t, false)
	c := client(f.url, acctA)
	ctx := context.Background()
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lst")}))
	keys := []string{"a.csv", "d/1", "d/2", "d/sub/3", "e/1", "e/2", "f", "g+h i%"}
	for _, k := range keys {
		must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lst"), Key: aws.String(k), Body: strings.NewReader(k)}))
	}
	// Walk with delimiter, two entries per page.
	var entries []string
	var token *string
	pages := 0
	for {
		out := must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Delimiter: aws.String("/"),
			MaxKeys: aws.Int32(2), ContinuationToken: token}))
		pages++
		for _, o := range out.Contents {
			entries = append(entries, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			entries = append(entries, "P:"+aws.ToString(p.Prefix))
		}
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
			t.Errorf("KeyCount %d for %d entries", aws.ToInt32(out.KeyCount), len(out.Contents)+len(out.CommonPrefixes))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	// Within a page contents come before prefixes in this rendering.
	want := []string{"a.csv", "P:d/", "P:e/", "f", "g+h i%"}
	if d := cmp.Diff(want, sortedSet(entries)); d != "" || pages != 3 {
		t.Errorf("delimited walk in %d pages (-want +got):\n%s", pages, d)
	}
	out := must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Prefix: aws.String("d/"), Delimiter: aws.String("/")}))
	if len(out.Contents) != 2 || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "d/sub/" {
		t.Errorf("prefix d/ = %d contents, prefixes %v", len(out.Contents), out.CommonPrefixes)
	}
	out = must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lst"), StartAfter: aws.String("e/1")}))
	if len(out.Contents) != 3 || aws.ToString(out.Contents[0].Key) != "e/2" {
		t.Errorf("start-after e/1 = %d, first %v", len(out.Contents), out.Contents)
	}
	v1 := must(c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("lst"), Delimiter: aws.String("/"), Marker: aws.String("d/")}))
	if len(v1.CommonPrefixes) != 1 || aws.ToString(v1.CommonPrefixes[0].Prefix) != "e/" {
		t.Errorf("v1 marker d/ prefixes = %v, want only e/ (d/ is not repeated)", v1.CommonPrefixes)
	}
	enc := must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Prefix: aws.String("g"), EncodingType: types.EncodingTypeUrl}))
	if len(enc.Contents) != 1 || aws.ToString(enc.Contents[0].Key) != "g%2Bh+i%25" {
		t.Errorf("encoding-type=url key = %v", enc.Contents)
	}
}

func sortedSet(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if strings.TrimPrefix(out[j], "P:") < strings.TrimPrefix(out[i], "P:") {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSDKMultipart(t *testing.T) {
	f := newFixture(t, true)
	c := client(f.url, acctA)
	ctx := context.Background()
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mpu")}))
	up := must(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), ContentType: aws.String("application/x-test")}))
	p1 := bytes.Repeat([]byte("a"), minPartSize)
	p2 := []byte("tail")
	var parts []types.CompletedPart
	var sums []byte
	for i, p := range [][]byte{p1, p2} {
		out := must(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)}))
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	lp := must(c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId}))
	if len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[1].Size) != 4 {
		t.Errorf("ListParts = %+v", lp.Parts)
	}
	lu := must(c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")}))
	if len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(up.UploadId) {
		t.Errorf("ListMultipartUploads = %+v", lu.Uploads)
	}
	_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(`"0000"`)}}}})
	wantCode(t, "Complete with a wrong ETag", err, "InvalidPart", 400)
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{parts[1], parts[0]}}})
	wantCode(t, "Complete out of order", err, "InvalidPartOrder", 400)
	done := must(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}))
	all := md5.Sum(sums)
	if want := fmt.Sprintf(`"%s-2"`, hex.EncodeToString(all[:])); aws.ToString(done.ETag) != want {
		t.Errorf("Complete ETag = %s, want %s", aws.ToString(done.ETag), want)
	}
	get := must(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin")}))
	got := must(io.ReadAll(get.Body))
	if !bytes.Equal(got, append(append([]byte{}, p1...), p2...)) || aws.ToString(get.ContentType) != "application/x-test" {
		t.Errorf("completed object: %d bytes, type %s", len(got), aws.ToString(get.ContentType))
	}
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("big.bin"), UploadId: up.UploadId,
		PartNumber: aws.Int32(3), Body: bytes.NewReader(p2)})
	wantCode(t, "UploadPart after Complete", err, "NoSuchUpload", 404)
	up2 := must(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x")}))
	must(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: up2.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(p2)}))
	must(c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: up2.UploadId}))
	_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String("x"), UploadId: up2.UploadId})
	wantCode(t, "Abort twice", err, "NoSuchUpload", 404)
	// Only the completed object's blob is left on disk.
	if n := countBlobs(t, f.dir); n != 1 {
		t.Errorf("%d blobs on disk, want 1", n)
	}
}
