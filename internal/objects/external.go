package objects

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// ExternalConfig points the data plane at an external S3 endpoint (MinIO,
// LocalStack, AWS) instead of the embedded one: flags --s3-endpoint,
// --s3-region, --s3-access-key-id, --s3-secret-access-key, --s3-path-style.
type ExternalConfig struct {
	Endpoint        string
	Region          string // default us-east-1
	AccessKeyID     string
	SecretAccessKey string
	PathStyle       bool
}

// ExternalConfigFromEnv reads CLEANROOMSD_S3_ENDPOINT, _REGION,
// _ACCESS_KEY_ID, _SECRET_ACCESS_KEY and _PATH_STYLE (true/false), the
// environment equivalents of the flags.
func ExternalConfigFromEnv() (ExternalConfig, error) {
	c := ExternalConfig{
		Endpoint:        os.Getenv("CLEANROOMSD_S3_ENDPOINT"),
		Region:          os.Getenv("CLEANROOMSD_S3_REGION"),
		AccessKeyID:     os.Getenv("CLEANROOMSD_S3_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("CLEANROOMSD_S3_SECRET_ACCESS_KEY"),
	}
	if v := os.Getenv("CLEANROOMSD_S3_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("CLEANROOMSD_S3_PATH_STYLE: %w", err)
		}
		c.PathStyle = b
	}
	return c, nil
}

// External is Objects on an external S3 endpoint, through aws-sdk-go-v2.
type External struct{ c *s3.Client }

var _ Objects = (*External)(nil)

// NewExternal returns the data plane on cfg.Endpoint.
func NewExternal(cfg ExternalConfig) (*External, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("objects: an external S3 needs an endpoint URL")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	opts := s3.Options{
		Region:       cfg.Region,
		BaseEndpoint: aws.String(cfg.Endpoint),
		UsePathStyle: cfg.PathStyle,
	}
	if cfg.AccessKeyID != "" {
		opts.Credentials = credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")
	} else {
		opts.Credentials = aws.AnonymousCredentials{}
	}
	return &External{c: s3.New(opts)}, nil
}

func externalErr(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket", "NoSuchKey", "NotFound":
			return fmt.Errorf("%w: %w", ErrNotFound, err)
		}
	}
	return err
}

// List implements Objects with ListObjectsV2.
func (e *External) List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		p := s3.NewListObjectsV2Paginator(e.c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(ObjectInfo{}, externalErr(err))
				return
			}
			for _, o := range page.Contents {
				if !yield(ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag),
					LastModified: aws.ToTime(o.LastModified)}, nil) {
					return
				}
			}
		}
	}
}

// Open implements Objects with GetObject.
func (e *External) Open(ctx context.Context, bucket, key string) (io.ReadCloser, ObjectInfo, error) {
	out, err := e.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, ObjectInfo{}, externalErr(err)
	}
	return out.Body, ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag),
		LastModified: aws.ToTime(out.LastModified)}, nil
}

// Put implements Objects with PutObject; r is streamed, so size must be
// known (-1 is rejected).
func (e *External) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (string, error) {
	if size < 0 {
		return "", errors.New("objects: an external Put needs the size")
	}
	in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: r, ContentLength: aws.Int64(size)}
	if contentType != "" {
		in.ContentType = &contentType
	}
	// A reader that cannot seek cannot be hashed before it is sent: send
	// it as UNSIGNED-PAYLOAD (over https the transport protects it).
	var opts []func(*s3.Options)
	if _, ok := r.(io.Seeker); !ok {
		opts = append(opts, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	}
	out, err := e.c.PutObject(ctx, in, opts...)
	if err != nil {
		return "", externalErr(err)
	}
	return aws.ToString(out.ETag), nil
}
