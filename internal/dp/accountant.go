package dp

import "fmt"

// Aggregation types, as the wire's DifferentialPrivacyAggregationType.
const (
	Avg           = "AVG"
	Count         = "COUNT"
	CountDistinct = "COUNT_DISTINCT"
	Sum           = "SUM"
	Stddev        = "STDDEV"
)

// Types are the aggregation types in the order budgets list them.
var Types = []string{Avg, Count, CountDistinct, Sum, Stddev}

// NanoPerEpsilon is the unit budgets are kept in: one billionth of an
// epsilon. Spends are rounded up to it, so the accountant never spends
// less than the mechanism uses.
const NanoPerEpsilon int64 = 1_000_000_000

// Units is the number of shares of 1/usersNoisePerQuery epsilon one
// aggregate of type t spends. Each share funds one noised primitive at
// epsilon 1/usersNoisePerQuery, so that its noise has a mean absolute
// value of usersNoisePerQuery users' largest contribution:
//
//   - every aggregate pays one share into the query's common pool, which
//     funds choosing the user contribution limit and, for a GROUP BY,
//     selecting which groups may be released;
//   - COUNT and COUNT_DISTINCT release one noised count;
//   - SUM estimates its clamping bounds and releases a noised sum;
//   - AVG estimates bounds and releases a noised sum and a noised count;
//   - STDDEV estimates bounds and releases a noised count, sum and sum of
//     squares.
//
// Units panics on an unknown type: callers hold only the Types.
func Units(t string) int64 {
	switch t {
	case Count, CountDistinct:
		return 2
	case Sum:
		return 3
	case Avg:
		return 4
	case Stddev:
		return 5
	}
	panic(fmt.Sprintf("dp: unknown aggregation type %q", t))
}

// Cost is what one aggregate of type t spends at usersNoisePerQuery n, in
// nano-epsilon, rounded up.
func Cost(t string, n int) int64 {
	return ceilDiv(Units(t)*NanoPerEpsilon, int64(n))
}

// QueryCost is what a query releasing aggregates of the given types
// spends at usersNoisePerQuery n: the sum of their costs.
func QueryCost(types []string, n int) int64 {
	var c int64
	for _, t := range types {
		c += Cost(t, n)
	}
	return c
}

// Budget is epsilon in nano-epsilon.
func Budget(epsilon int) int64 { return int64(epsilon) * NanoPerEpsilon }

// MaxCount is how many aggregates of type t a whole budget of epsilon
// allows at usersNoisePerQuery n, if every query spent on t alone.
func MaxCount(epsilon, n int, t string) int64 {
	return RemainingCount(Budget(epsilon), n, t)
}

// RemainingCount is how many more aggregates of type t the remaining
// nano-epsilon allows at usersNoisePerQuery n. A negative remainder (the
// template's epsilon was lowered below what was spent) allows none.
func RemainingCount(remaining int64, n int, t string) int64 {
	if remaining <= 0 {
		return 0
	}
	return remaining / Cost(t, n)
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
