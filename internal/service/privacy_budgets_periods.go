package service

import (
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// Budget periods are UTC; weeks start on Monday; LIFETIME is one period
// starting at the Unix epoch in the ledger (reports show the template's
// creation as its start).

var lifetimeStart = time.Unix(0, 0).UTC()

// periodStart is the start of the period of kind kind that contains now.
func periodStart(kind string, now time.Time) time.Time {
	now = now.UTC()
	y, m, d := now.Date()
	switch kind {
	case cleanrooms.PeriodCalendarDay:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case cleanrooms.PeriodCalendarWeek:
		back := (int(now.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
	case cleanrooms.PeriodCalendarMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	return lifetimeStart
}

// periodEnd is the start of the period after the one starting at start;
// zero for LIFETIME.
func periodEnd(kind string, start time.Time) time.Time {
	switch kind {
	case cleanrooms.PeriodCalendarDay:
		return start.AddDate(0, 0, 1)
	case cleanrooms.PeriodCalendarWeek:
		return start.AddDate(0, 0, 7)
	case cleanrooms.PeriodCalendarMonth:
		return start.AddDate(0, 1, 0)
	}
	return time.Time{}
}

// ledgerPeriods are the four ledger entries a spend at now is recorded
// in, whatever the template asks for, so that a template created later
// (after a delete) sees everything that was spent in its periods.
func ledgerPeriods(scope string, now time.Time) []cleanrooms.BudgetPeriod {
	kinds := []string{cleanrooms.PeriodLifetime, cleanrooms.PeriodCalendarMonth, cleanrooms.PeriodCalendarWeek, cleanrooms.PeriodCalendarDay}
	out := make([]cleanrooms.BudgetPeriod, len(kinds))
	for i, k := range kinds {
		out[i] = cleanrooms.BudgetPeriod{Scope: scope, Period: k, Start: periodStart(k, now)}
	}
	return out
}

// dpPeriodKind is the ledger period a DP template's budget applies to:
// the month with autoRefresh CALENDAR_MONTH, else the lifetime.
func dpPeriodKind(t *cleanrooms.PrivacyBudgetTemplate) string {
	if t.AutoRefresh == "CALENDAR_MONTH" {
		return cleanrooms.PeriodCalendarMonth
	}
	return cleanrooms.PeriodLifetime
}

// accessPeriodKind is the ledger period an access budget parameter
// applies to: its own period when it refreshes automatically, else the
// lifetime (a budget that never refreshes counts every query).
func accessPeriodKind(b cleanrooms.AccessBudgetParam) string {
	if b.AutoRefresh == "ENABLED" {
		return b.Type
	}
	return cleanrooms.PeriodLifetime
}
