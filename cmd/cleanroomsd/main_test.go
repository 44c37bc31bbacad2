package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/service"
)

func TestParseQuotas(t *testing.T) {
	got, err := parseQuotas("collaborations=1000, memberships=20000,members=7,templates=30")
	if err != nil {
		t.Fatal(err)
	}
	if q, err := parseQuotas("members=500"); err != nil || q.MembersPerCollaboration != 500 {
		t.Errorf("parseQuotas(members=500) = %+v, %v; want the largest members quota accepted", q, err)
	}
	want := service.Quotas{CollaborationsPerAccount: 1000, MembershipsPerAccount: 20000, MembersPerCollaboration: 7, AnalysisTemplatesPerMembership: 30}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quotas (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"x=1", "collaborations", "members=0", "memberships=-3", "members=abc", "members=501"} {
		if _, err := parseQuotas(bad); err == nil {
			t.Errorf("parseQuotas(%q) accepted", bad)
		}
	}
}
