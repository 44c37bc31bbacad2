package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Analysis templates: member's first templateMemberships memberships hold
// templatesPerMembership templates each (the store does not enforce the
// quota of 25, so a membership can fill a page of 100).
const (
	kindTemplate           = 4
	templateMemberships    = 10
	templatesPerMembership = 100
)

func seedTemplates(tb testing.TB, st cleanrooms.Store) {
	tb.Helper()
	text := "SELECT COUNT(DISTINCT u.id) FROM users u JOIN purchases p ON u.id = p.uid WHERE p.amount > :min_amount GROUP BY u.city"
	err := st.Transact(context.Background(), func(tx cleanrooms.Tx) error {
		for m := range templateMemberships {
			c := collabRecord(kindCollab, m)
			for j := range templatesPerMembership {
				i := m*templatesPerMembership + j
				t := &cleanrooms.AnalysisTemplate{
					ID: id(kindTemplate, i), AccountID: member, Region: region, MembershipID: id(kindMembership, m),
					CollaborationID: c.ID, CollaborationCreatorAccountID: collaborator,
					Name: fmt.Sprintf("template %d", i), Description: "seeded for benchmarks", Format: cleanrooms.FormatSQL,
					Text:             &text,
					Parameters:       []cleanrooms.TemplateParameter{{Name: "min_amount", Type: "DECIMAL", DefaultValue: ptr("10")}},
					ReferencedTables: []string{"users", "purchases"},
					CreateTime:       c.CreateTime, UpdateTime: c.CreateTime,
				}
				if err := tx.InsertAnalysisTemplate(context.Background(), t); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkGetAnalysisTemplate(b *testing.B) {
	for _, kind := range []string{mem, disk} {
		b.Run("store="+kind+"/n=1k", func(b *testing.B) {
			e := freshEnv(b, kind, 1_000)
			seedTemplates(b, e.side)
			n := templateMemberships * templatesPerMembership
			measure(b, func(i int) {
				j := spread(i, n)
				target := "/memberships/" + id(kindMembership, j/templatesPerMembership) + "/analysistemplates/" + id(kindTemplate, j)
				serve(b, e.h, newRequest("GET", target, member, nil))
			})
		})
	}
}

// BenchmarkListAnalysisTemplates asks for a full page of 100.
func BenchmarkListAnalysisTemplates(b *testing.B) {
	for _, kind := range []string{mem, disk} {
		b.Run("store="+kind+"/n=1k", func(b *testing.B) {
			e := freshEnv(b, kind, 1_000)
			seedTemplates(b, e.side)
			measure(b, func(i int) {
				target := "/memberships/" + id(kindMembership, i%templateMemberships) + "/analysistemplates?maxResults=100"
				serve(b, e.h, newRequest("GET", target, member, nil))
			})
		})
	}
}
