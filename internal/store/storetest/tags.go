package storetest

import (
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

var tagTests = []test{
	{"NoneIsEmptyMap", testTagsNone},
	{"Lifecycle", testTagsLifecycle},
	{"NoAliasing", testTagsNoAliasing},
}

const (
	arn1 = "arn:aws:cleanrooms:us-east-1:111111111111:collaboration/c1"
	arn2 = "arn:aws:cleanrooms:us-east-1:111111111111:membership/m1"
)

func testTagsNone(t *testing.T, h *harness) {
	got := h.mustTags(arn1)
	if got == nil || len(got) != 0 {
		t.Errorf("Tags of an untagged ARN = %#v, want an empty non-nil map", got)
	}
	// Removing what is not there is not an error.
	h.mustWrite(func(tx cleanrooms.Tx) error {
		if err := tx.UntagResource(h.ctx, arn1, []string{"k"}); err != nil {
			return err
		}
		if err := tx.UntagResource(h.ctx, arn1, nil); err != nil {
			return err
		}
		if err := tx.TagResource(h.ctx, arn1, map[string]string{}); err != nil {
			return err
		}
		return tx.DeleteTags(h.ctx, arn1)
	})
	if got := h.mustTags(arn1); got == nil || len(got) != 0 {
		t.Errorf("Tags after no-op writes = %#v, want an empty non-nil map", got)
	}
}

func testTagsLifecycle(t *testing.T, h *harness) {
	step := func(name string, fn func(tx cleanrooms.Tx) error, want1, want2 map[string]string) {
		t.Helper()
		h.mustWrite(fn)
		checkEqual(t, "tags of arn1 after "+name, want1, h.mustTags(arn1))
		checkEqual(t, "tags of arn2 after "+name, want2, h.mustTags(arn2))
	}
	step("tag", func(tx cleanrooms.Tx) error {
		if err := tx.TagResource(h.ctx, arn1, map[string]string{"env": "prod", "team": "data", "empty": ""}); err != nil {
			return err
		}
		return tx.TagResource(h.ctx, arn2, map[string]string{"env": "dev"})
	}, map[string]string{"env": "prod", "team": "data", "empty": ""}, map[string]string{"env": "dev"})

	step("overwrite and add", func(tx cleanrooms.Tx) error {
		return tx.TagResource(h.ctx, arn1, map[string]string{"env": "staging", "owner": "ünï ☃"})
	}, map[string]string{"env": "staging", "team": "data", "empty": "", "owner": "ünï ☃"}, map[string]string{"env": "dev"})

	step("untag", func(tx cleanrooms.Tx) error {
		return tx.UntagResource(h.ctx, arn1, []string{"team", "absent", "empty"})
	}, map[string]string{"env": "staging", "owner": "ünï ☃"}, map[string]string{"env": "dev"})

	step("delete", func(tx cleanrooms.Tx) error {
		return tx.DeleteTags(h.ctx, arn1)
	}, map[string]string{}, map[string]string{"env": "dev"})

	step("tag again", func(tx cleanrooms.Tx) error {
		return tx.TagResource(h.ctx, arn1, map[string]string{"env": "new"})
	}, map[string]string{"env": "new"}, map[string]string{"env": "dev"})
}

func testTagsNoAliasing(t *testing.T, h *harness) {
	in := map[string]string{"k": "v"}
	h.mustWrite(func(tx cleanrooms.Tx) error { return tx.TagResource(h.ctx, arn1, in) })
	in["k"] = "MUTATED"
	in["added"] = "x"
	got := h.mustTags(arn1)
	got["k"] = "MUTATED"
	checkEqual(t, "tags after mutating the given and returned maps", map[string]string{"k": "v"}, h.mustTags(arn1))
}
