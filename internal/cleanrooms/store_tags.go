package cleanrooms

import "context"

// TagReads reads the tags of any taggable resource, keyed by its ARN.
type TagReads interface {
	// Tags returns the tags of a resource ARN (an empty, non-nil map when
	// it has none).
	Tags(ctx context.Context, arn string) (map[string]string, error)
}

// TagWrites changes tags. They never return ErrNotFound: an ARN without
// tags simply has none.
type TagWrites interface {
	// TagResource adds or overwrites tags of arn.
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	// UntagResource removes the keys (absent keys are ignored).
	UntagResource(ctx context.Context, arn string, keys []string) error
	// DeleteTags removes every tag of arn.
	DeleteTags(ctx context.Context, arn string) error
}
