package objects

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// zeros is an endless, allocation-free body.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// heapWatch samples HeapInuse while a transfer runs and reports the peak
// growth over the start.
func heapWatch() (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak - base }
}

// rawPut sends size bytes as one PutObject through the real handler over
// HTTP (UNSIGNED-PAYLOAD, so the client does not hash).
func rawPut(b *testing.B, url, key string, size int64) {
	req := must(http.NewRequest("PUT", url+key, io.LimitReader(zeros{}, size)))
	req.ContentLength = size
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+acctA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	resp := must(http.DefaultClient.Do(req))
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("PUT %s: %d", key, resp.StatusCode)
	}
}

// BenchmarkObject256MiB measures PUT and GET of a 256 MiB object on local
// disk through the handler, with the peak heap growth during each.
func BenchmarkObject256MiB(b *testing.B) {
	const size = 256 << 20
	f := newFixture(b, true)
	must(client(f.url, acctA).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("bench")}))
	b.Run("PUT", func(b *testing.B) {
		b.SetBytes(size)
		stop := heapWatch()
		for i := 0; b.Loop(); i++ {
			rawPut(b, f.url, fmt.Sprintf("/bench/obj-%d", i%2), size)
		}
		b.ReportMetric(float64(stop())/(1<<20), "heap-growth-MiB")
	})
	rawPut(b, f.url, "/bench/get", size)
	b.Run("GET", func(b *testing.B) {
		b.SetBytes(size)
		stop := heapWatch()
		for b.Loop() {
			req := must(http.NewRequest("GET", f.url+"/bench/get", nil))
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+acctA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
			req.Header.Set("X-Amz-Date", "20260101T000000Z")
			resp := must(http.DefaultClient.Do(req))
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if n != size {
				b.Fatalf("GET read %d bytes", n)
			}
		}
		b.ReportMetric(float64(stop())/(1<<20), "heap-growth-MiB")
	})
}

// BenchmarkMultipart1GiB uploads 1 GiB in 8 MiB parts (the AWS CLI's
// default) and completes it; it reports the peak heap growth.
func BenchmarkMultipart1GiB(b *testing.B) {
	const part, n = 8 << 20, 128
	f := newFixture(b, true)
	c := client(f.url, acctA)
	ctx := context.Background()
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}))
	b.SetBytes(part * n)
	stop := heapWatch()
	for b.Loop() {
		up := must(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bench"), Key: aws.String("big")}))
		var parts []string
		for i := 1; i <= n; i++ {
			url := fmt.Sprintf("%s/bench/big?partNumber=%d&uploadId=%s", f.url, i, aws.ToString(up.UploadId))
			req := must(http.NewRequest("PUT", url, io.LimitReader(zeros{}, part)))
			req.ContentLength = part
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+acctA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
			req.Header.Set("X-Amz-Date", "20260101T000000Z")
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			resp := must(http.DefaultClient.Do(req))
			resp.Body.Close()
			parts = append(parts, resp.Header.Get("ETag"))
		}
		body := "<CompleteMultipartUpload>"
		for i, e := range parts {
			body += fmt.Sprintf("<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, e)
		}
		body += "</CompleteMultipartUpload>"
		url := fmt.Sprintf("%s/bench/big?uploadId=%s", f.url, aws.ToString(up.UploadId))
		req := must(http.NewRequest("POST", url, stringsReader(body)))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+acctA+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		resp := must(http.DefaultClient.Do(req))
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("complete: %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(stop())/(1<<20), "heap-growth-MiB")
}

func stringsReader(s string) io.Reader { return &stringReader{s: s} }

type stringReader struct{ s string }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p, r.s)
	r.s = r.s[n:]
	return n, nil
}
