package bench

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFixtures keeps the benchmarks honest in CI: on a small seeded store of
// each kind, every benchmarked request succeeds and answers what the
// benchmark assumes (full pages, a deep token, the same bodies from the
// hand-composed in-memory stack as from app.New on disk).
func TestFixtures(t *testing.T) {
	const n = 300
	answers := map[string]map[string]any{}
	for _, kind := range []string{mem, disk, diskNormal} {
		t.Run(kind, func(t *testing.T) {
			e := freshEnv(t, kind, n)
			decode := func(b []byte) map[string]any {
				t.Helper()
				var v map[string]any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				return v
			}
			got := decode(serve(t, e.h, newRequest("GET", "/memberships/"+id(kindMembership, 7), member, nil)).Body.Bytes())
			answers[kind] = got
			if ms, _ := got["membership"].(map[string]any); ms["collaborationId"] != id(kindCollab, 7) || ms["status"] != "ACTIVE" {
				t.Errorf("GetMembership: %v", got)
			}

			first := decode(serve(t, e.h, newRequest("GET", listTarget(""), member, nil)).Body.Bytes())
			if l, _ := first["membershipSummaries"].([]any); len(l) != 100 || first["nextToken"] == nil {
				t.Errorf("first page: %d items, nextToken %v", len(l), first["nextToken"])
			}
			deep := decode(serve(t, e.h, newRequest("GET", listTarget(e.deepPageToken(t)), member, nil)).Body.Bytes())
			l, _ := deep["membershipSummaries"].([]any)
			if len(l) != 100 || deep["nextToken"] != nil {
				t.Errorf("deep page: %d items, nextToken %v; want the last 100", len(l), deep["nextToken"])
			} else if last, _ := l[99].(map[string]any); last["id"] != id(kindMembership, n-1) {
				t.Errorf("deep page ends with %v, want membership %d", last["id"], n-1)
			}

			serve(t, e.h, newRequest("PATCH", "/memberships/"+id(kindMembership, 3), member, updateMembershipBody(1)))
			first2 := e.invitations(t, 2)
			for i := range 2 {
				serve(t, e.h, newRequest("POST", "/memberships", member, createMembershipBody(id(kindInvitation, first2+i))))
			}
			serve(t, e.h, newRequest("POST", "/collaborations", collaborator, createCollaborationBody(1)))
		})
	}
	if a, b := answers[mem], answers[disk]; a != nil && b != nil {
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("GetMembership differs between the in-memory stack and app.New on disk (-mem +disk):\n%s", diff)
		}
	}
}
