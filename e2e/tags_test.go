package e2e

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/types"
)

func tagsOf(t *testing.T, cl *cleanrooms.Client, arn string) map[string]string {
	t.Helper()
	out, err := cl.ListTagsForResource(t.Context(), &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource(%s): %v", arn, err)
	}
	return out.Tags
}

func tag(cl *cleanrooms.Client, t *testing.T, arn string, tags map[string]string) error {
	_, err := cl.TagResource(t.Context(), &cleanrooms.TagResourceInput{ResourceArn: aws.String(arn), Tags: tags})
	return err
}

func untag(cl *cleanrooms.Client, t *testing.T, arn string, keys ...string) error {
	_, err := cl.UntagResource(t.Context(), &cleanrooms.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
	return err
}

func manyTags(prefix string, n int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("%s%03d", prefix, i)] = "v"
	}
	return m
}

func TestTagsOnCollaborationsAndMemberships(t *testing.T) {
	e := newEnv(t)
	in := standard("tagged")
	in.Tags = map[string]string{"team": "ads", "env": "test"}
	c := mustCreate(t, e.A, in)
	join := joinInput(*c.Id)
	join.Tags = map[string]string{"owner": "b"}
	m := mustJoin(t, e.B, join)
	cArn, mArn := aws.ToString(c.Arn), aws.ToString(m.Arn)

	// Tags given at create time.
	if d := diff(in.Tags, tagsOf(t, e.A, cArn)); d != "" {
		t.Errorf("collaboration tags (-want +got):\n%s", d)
	}
	if d := diff(join.Tags, tagsOf(t, e.B, mArn)); d != "" {
		t.Errorf("membership tags (-want +got):\n%s", d)
	}
	// An untagged resource has an empty map.
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	if got := tagsOf(t, e.A, *mA.Arn); len(got) != 0 {
		t.Errorf("untagged membership has %v", got)
	}

	for _, x := range []struct {
		name string
		cl   *cleanrooms.Client
		arn  string
		base map[string]string
	}{{"collaboration", e.A, cArn, in.Tags}, {"membership", e.B, mArn, join.Tags}} {
		t.Run(x.name, func(t *testing.T) {
			want := map[string]string{}
			for k, v := range x.base {
				want[k] = v
			}
			if err := tag(x.cl, t, x.arn, map[string]string{"new": "1", "shared": "first"}); err != nil {
				t.Fatal(err)
			}
			want["new"], want["shared"] = "1", "first"
			if err := tag(x.cl, t, x.arn, map[string]string{"shared": "second"}); err != nil {
				t.Fatal(err)
			}
			want["shared"] = "second" // overwritten
			if d := diff(want, tagsOf(t, x.cl, x.arn)); d != "" {
				t.Errorf("after TagResource (-want +got):\n%s", d)
			}
			if err := untag(x.cl, t, x.arn, "new", "never-there"); err != nil {
				t.Fatal(err)
			}
			delete(want, "new")
			if d := diff(want, tagsOf(t, x.cl, x.arn)); d != "" {
				t.Errorf("after UntagResource (-want +got):\n%s", d)
			}
		})
	}
}

func TestTagsOwnershipAndUnknownARNs(t *testing.T) {
	e := newEnv(t)
	in := standard("owned")
	in.Tags = map[string]string{"k": "v"}
	c := mustCreate(t, e.A, in)
	mB := mustJoin(t, e.B, joinInput(*c.Id))
	cArn, mArn := aws.ToString(c.Arn), aws.ToString(mB.Arn)

	cases := []struct {
		name string
		cl   *cleanrooms.Client
		arn  string
		typ  types.ResourceType
	}{
		{"member B on the collaboration", e.B, cArn, types.ResourceTypeCollaboration},
		{"invited C on the collaboration", e.C, cArn, types.ResourceTypeCollaboration},
		{"outsider D on the collaboration", e.D, cArn, types.ResourceTypeCollaboration},
		{"creator A on B's membership", e.A, mArn, types.ResourceTypeMembership},
		{"outsider D on B's membership", e.D, mArn, types.ResourceTypeMembership},
		{"B naming the collaboration under its own account", e.B, collabARN(acctB, *c.Id), types.ResourceTypeCollaboration},
		{"A naming B's membership under its own account", e.A, membershipARN(acctA, *mB.Id), types.ResourceTypeMembership},
		{"unknown collaboration", e.A, collabARN(acctA, unknownID), types.ResourceTypeCollaboration},
		{"unknown membership", e.B, membershipARN(acctB, unknownID), types.ResourceTypeMembership},
		{"another region", e.A, "arn:aws:cleanrooms:eu-west-1:" + acctA + ":collaboration/" + *c.Id, types.ResourceTypeCollaboration},
		{"a configured table", e.A, "arn:aws:cleanrooms:" + region + ":" + acctA + ":configuredtable/" + unknownID, types.ResourceTypeConfiguredTable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cl.ListTagsForResource(t.Context(), &cleanrooms.ListTagsForResourceInput{ResourceArn: aws.String(tc.arn)})
			wantNotFound(t, err, tc.typ, tc.arn)
			wantNotFound(t, tag(tc.cl, t, tc.arn, map[string]string{"x": "y"}), tc.typ, tc.arn)
			wantNotFound(t, untag(tc.cl, t, tc.arn, "k"), tc.typ, tc.arn)
		})
	}
	if d := diff(in.Tags, tagsOf(t, e.A, cArn)); d != "" {
		t.Errorf("collaboration tags changed by others (-want +got):\n%s", d)
	}
	if got := tagsOf(t, e.B, mArn); len(got) != 0 {
		t.Errorf("membership tags changed by others: %v", got)
	}
}

func TestTagValidation(t *testing.T) {
	e := newEnv(t)
	c := mustCreate(t, e.A, standard("limits"))
	arn := aws.ToString(c.Arn)

	for _, key := range []string{"aws:reserved", "AWS:Reserved", "Aws:x"} {
		wantValidation(t, tag(e.A, t, arn, map[string]string{key: "v", "fine": "v"}))
		wantValidation(t, untag(e.A, t, arn, key))
	}
	wantValidation(t, tag(e.A, t, arn, manyTags("k", 201)))
	if got := tagsOf(t, e.A, arn); len(got) != 0 {
		t.Fatalf("rejected TagResource calls wrote %v", got)
	}

	// 150 + 50 reaches the limit of 200; one more is too many, and a
	// refused call writes none of its tags.
	if err := tag(e.A, t, arn, manyTags("a", 150)); err != nil {
		t.Fatal(err)
	}
	wantValidation(t, tag(e.A, t, arn, manyTags("b", 51)))
	if got := tagsOf(t, e.A, arn); len(got) != 150 {
		t.Fatalf("after a refused TagResource: %d tags, want 150", len(got))
	}
	if err := tag(e.A, t, arn, manyTags("b", 50)); err != nil {
		t.Fatalf("tagging up to 200: %v", err)
	}
	if err := tag(e.A, t, arn, map[string]string{"a000": "overwritten"}); err != nil {
		t.Fatalf("overwriting at the limit: %v", err)
	}
	wantValidation(t, tag(e.A, t, arn, map[string]string{"c": "one too many"}))
	if got := tagsOf(t, e.A, arn); len(got) != 200 || got["a000"] != "overwritten" {
		t.Errorf("%d tags, a000=%q; want 200 with a000 overwritten", len(got), got["a000"])
	}

	// aws: keys at create time: refused, nothing written.
	bad := standard("bad tags")
	bad.Tags = map[string]string{"aws:cloudformation:stack-name": "x"}
	_, err := e.A.CreateCollaboration(t.Context(), bad)
	wantValidation(t, err)
	if l := allCollabs(t, e.A, ""); len(l) != 1 {
		t.Errorf("A lists %d collaborations, want 1", len(l))
	}
	join := joinInput(*c.Id)
	join.Tags = map[string]string{"aws:x": "y"}
	_, err = e.B.CreateMembership(t.Context(), join)
	wantValidation(t, err)
	if r := memberRow(t, e.A, *c.Id, acctB); r.Status != types.MemberStatusInvited {
		t.Errorf("B after the refused join: %s", r.Status)
	}
	tooMany := joinInput(*c.Id)
	tooMany.Tags = manyTags("m", 201)
	_, err = e.B.CreateMembership(t.Context(), tooMany)
	wantValidation(t, err)
	if l := allMemberships(t, e.B, ""); len(l) != 0 {
		t.Errorf("B has memberships %v", membershipIDs(l))
	}
}

func TestTagsOfDeletedResources(t *testing.T) {
	e := newEnv(t)
	in := standard("gone")
	in.Tags = map[string]string{"k": "v"}
	c := mustCreate(t, e.A, in)
	join := joinInput(*c.Id)
	join.Tags = map[string]string{"k": "v"}
	mB := mustJoin(t, e.B, join)
	mA := mustJoin(t, e.A, joinInput(*c.Id))
	if err := tag(e.A, t, *mA.Arn, map[string]string{"creator": "yes"}); err != nil {
		t.Fatal(err)
	}

	// A member who leaves takes its membership's tags with it.
	if _, err := e.B.DeleteMembership(t.Context(), &cleanrooms.DeleteMembershipInput{MembershipIdentifier: mB.Id}); err != nil {
		t.Fatal(err)
	}
	_, err := e.B.ListTagsForResource(t.Context(), &cleanrooms.ListTagsForResourceInput{ResourceArn: mB.Arn})
	wantNotFound(t, err, types.ResourceTypeMembership, *mB.Arn)
	wantNotFound(t, tag(e.B, t, *mB.Arn, map[string]string{"x": "y"}), types.ResourceTypeMembership, *mB.Arn)

	if _, err := e.A.DeleteCollaboration(t.Context(), &cleanrooms.DeleteCollaborationInput{CollaborationIdentifier: c.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = e.A.ListTagsForResource(t.Context(), &cleanrooms.ListTagsForResourceInput{ResourceArn: c.Arn})
	wantNotFound(t, err, types.ResourceTypeCollaboration, *c.Arn)
	wantNotFound(t, tag(e.A, t, *c.Arn, map[string]string{"x": "y"}), types.ResourceTypeCollaboration, *c.Arn)
	wantNotFound(t, untag(e.A, t, *c.Arn, "k"), types.ResourceTypeCollaboration, *c.Arn)
	// The creator's COLLABORATION_DELETED membership still exists, tags and all.
	if d := diff(map[string]string{"creator": "yes"}, tagsOf(t, e.A, *mA.Arn)); d != "" {
		t.Errorf("creator's membership tags (-want +got):\n%s", d)
	}
}
