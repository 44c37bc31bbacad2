package dp

import "testing"

func TestMaxCountOrdersTypesByCost(t *testing.T) {
	// COUNT_DISTINCT ≤ COUNT < SUM < AVG < STDDEV in cost, so the counts
	// go the other way.
	for _, p := range []struct{ eps, n int }{{1, 10}, {5, 20}, {20, 100}, {1, 100}, {20, 10}} {
		c, cd, s, a, sd := MaxCount(p.eps, p.n, Count), MaxCount(p.eps, p.n, CountDistinct),
			MaxCount(p.eps, p.n, Sum), MaxCount(p.eps, p.n, Avg), MaxCount(p.eps, p.n, Stddev)
		if !(cd == c && c > s && s >= a && a >= sd && sd > 0) {
			t.Errorf("eps %d noise %d: COUNT %d COUNT_DISTINCT %d SUM %d AVG %d STDDEV %d", p.eps, p.n, c, cd, s, a, sd)
		}
	}
	// epsilon·n shares, Units(t) shares per aggregate.
	if got := MaxCount(1, 10, Count); got != 5 {
		t.Errorf("MaxCount(1, 10, COUNT) = %d, want 5", got)
	}
	if got := MaxCount(20, 100, Stddev); got != 400 {
		t.Errorf("MaxCount(20, 100, STDDEV) = %d, want 400", got)
	}
}

func TestSpendingCountsDownExactly(t *testing.T) {
	// Spending MaxCount aggregates of a type one query at a time leaves
	// nothing for one more: the accountant and the report agree.
	for _, typ := range Types {
		for _, n := range []int{10, 13, 37, 99, 100} {
			remaining := Budget(3)
			max := MaxCount(3, n, typ)
			for i := int64(0); i < max; i++ {
				if RemainingCount(remaining, n, typ) != max-i {
					t.Fatalf("%s n=%d after %d: remaining count %d, want %d", typ, n, i, RemainingCount(remaining, n, typ), max-i)
				}
				remaining -= QueryCost([]string{typ}, n)
			}
			if remaining < 0 || RemainingCount(remaining, n, typ) != 0 {
				t.Fatalf("%s n=%d: after %d aggregates remaining %d nano, count %d", typ, n, max, remaining, RemainingCount(remaining, n, typ))
			}
		}
	}
}

func TestCostRoundsUp(t *testing.T) {
	// 2/3 epsilon is 666,666,666.67 nano: spend the larger integer.
	if got := Cost(Count, 3); got != 666_666_667 {
		t.Errorf("Cost(COUNT, 3) = %d", got)
	}
	if RemainingCount(-5, 10, Count) != 0 {
		t.Error("a negative remainder allows aggregates")
	}
}
