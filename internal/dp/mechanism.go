package dp

import (
	"errors"
	"fmt"
	"math"
)

// Parameters of the mechanism (docs/differential-privacy.md explains each).
const (
	// Delta is the δ of a GROUP BY query's partition selection: the
	// probability, over the whole query, that a group only one user could
	// have created is released at all.
	Delta = 1e-6
	// MaxContributionLimit caps the rows a user may contribute.
	MaxContributionLimit int64 = 1 << 20
	// binAlpha: an empty histogram passes any bin's threshold with
	// probability at most binAlpha.
	binAlpha = 0.05
	// A bin is chosen as the smallest whose cumulative noisy mass is at
	// least binQuantileNum/binQuantileDen of all mass above threshold.
	binQuantileNum, binQuantileDen = 9, 10
	// gridBits: sums are snapped to a grid of M/2^gridBits (M the larger
	// clamping bound's magnitude rounded up to a power of two).
	gridBits = 10
)

// Plan is what the mechanism needs to know of a query.
type Plan struct {
	UsersNoise   int      // usersNoisePerQuery N (10..100)
	Aggregations []string // dp.Types of the released aggregates, in output order
	Grouped      bool     // the query has GROUP BY: groups must be selected privately
}

// Mechanism noises one query. It spends exactly Σ Units(t_i)/N epsilon
// (what the accountant charged) if ContributionLimit, Bounds for each
// SUM/AVG/STDDEV aggregate and Release are each called once; calling any of
// them a second time would spend budget that was not charged, so it
// panics. A Mechanism is not safe for concurrent use.
type Mechanism struct {
	src     Source
	n       uint64
	k       uint64 // number of aggregates
	aggs    []string
	grouped bool

	spent      int64 // in shares of 1/(2N) epsilon, for tests
	usedLimit  bool
	usedBounds []bool
	usedRel    bool
}

// NewMechanism is a mechanism for one query drawing its noise from src.
func NewMechanism(src Source, p Plan) (*Mechanism, error) {
	if src == nil {
		return nil, errors.New("dp: nil noise source")
	}
	if p.UsersNoise < 10 || p.UsersNoise > 100 {
		return nil, fmt.Errorf("dp: usersNoisePerQuery %d not in [10, 100]", p.UsersNoise)
	}
	if len(p.Aggregations) == 0 {
		return nil, errors.New("dp: a query without aggregations")
	}
	for _, t := range p.Aggregations {
		switch t {
		case Count, CountDistinct, Sum, Avg, Stddev:
		default:
			return nil, fmt.Errorf("dp: unknown aggregation type %q", t)
		}
	}
	return &Mechanism{
		src: src, n: uint64(p.UsersNoise), k: uint64(len(p.Aggregations)),
		aggs: append([]string(nil), p.Aggregations...), grouped: p.Grouped,
		usedBounds: make([]bool, len(p.Aggregations)),
	}, nil
}

// ContributionLimit privately chooses L (max rows per user, >= 1) from
// hist[b] = number of users whose row count r has Bin(r) = b (each user in
// exactly one bin: L1 sensitivity 1). It spends the pool: k/N epsilon
// without GROUP BY, k/(2N) with it (k aggregates), i.e. discrete Laplace of
// scale N/k or 2N/k per bin. L is BinUpper of the bin chosen (see
// pickBin), capped at MaxContributionLimit; 1 if no bin passes.
func (m *Mechanism) ContributionLimit(hist []int64) int64 {
	if m.usedLimit {
		panic("dp: ContributionLimit called twice")
	}
	m.usedLimit = true
	num, den := m.n, m.k
	m.spent += int64(2 * m.k)
	if m.grouped {
		num *= 2
		m.spent -= int64(m.k)
	}
	b := pickBin(m.noisyHist(hist, num, den), threshold(num, den, NumBins))
	if b < 0 {
		return 1
	}
	return max(1, min(int64(BinUpper(b)), MaxContributionLimit))
}

// Bounds privately chooses clamping bounds [lo, hi] (lo <= 0 <= hi) for the
// argument of aggregate i (SUM, AVG or STDDEV) from pos[b] = users whose
// largest value v > 0 has Bin(v) = b and neg[b] = users whose smallest
// value v < 0 has Bin(-v) = b. A user is in at most one bin of each, so
// the pair has L1 sensitivity 2; at epsilon 1/N each bin gets discrete
// Laplace of scale 2N. hi = BinUpper of the bin pickBin chooses from pos,
// lo = -BinUpper of the one from neg, 0 on a side where no bin passes. For
// a COUNT type it returns 0, 0 and spends nothing.
func (m *Mechanism) Bounds(i int, pos, neg []int64) (lo, hi float64) {
	if !hasBounds(m.aggs[i]) {
		return 0, 0
	}
	if m.usedBounds[i] {
		panic(fmt.Sprintf("dp: Bounds(%d) called twice", i))
	}
	m.usedBounds[i] = true
	m.spent += 2
	num := 2 * m.n
	tau := threshold(num, 1, 2*NumBins)
	if b := pickBin(m.noisyHist(pos, num, 1), tau); b >= 0 {
		hi = BinUpper(b)
	}
	if b := pickBin(m.noisyHist(neg, num, 1), tau); b >= 0 {
		lo = -BinUpper(b)
	}
	return lo, hi
}

// Group is one group's partial aggregates over the bounded data (<= L rows
// per user, values clamped).
type Group struct {
	Users int64     // distinct users in the group
	Aggs  []Partial // one per aggregate, in Plan order
}

// Partial is one aggregate's primitives in one group. COUNT: Count = rows
// counted; COUNT_DISTINCT: Count = distinct values; SUM: Sum; AVG: Count,
// Sum; STDDEV: Count, Sum, SumSquares (sample standard deviation, as
// Spark's stddev). Sums are over clamped values, so finite: the engine must
// clamp NaN into [lo, hi] too (DuckDB orders NaN above +Inf, so
// greatest(lo, least(hi, v)) maps it to hi); a NaN sum is released as if 0.
type Partial struct {
	Count           int64
	Sum, SumSquares float64
}

// Release noises every group. keep[g] says whether group g may be released
// (partition selection; always true without GROUP BY, and then exactly one
// group is passed, possibly with zero users); values[g][i] is the released
// value of aggregate i (0 where keep[g] is false). bounds[i] are the
// clamping bounds aggregate i's values were clamped to (ignored for COUNT
// types); L the contribution limit the rows were bounded to (at most
// MaxContributionLimit, which ContributionLimit never exceeds: a larger L
// panics).
//
// Each noised primitive spends 1/N epsilon and, with GROUP BY, partition
// selection spends k/(2N): a noisy distinct-user count per group (L1
// sensitivity L, since a user is in at most L groups) of discrete Laplace
// scale s = 2NL/k, kept when it reaches PartitionThreshold.
func (m *Mechanism) Release(L int64, bounds [][2]float64, groups []Group) (keep []bool, values [][]float64) {
	if m.usedRel {
		panic("dp: Release called twice")
	}
	m.usedRel = true
	if L > MaxContributionLimit {
		panic(fmt.Sprintf("dp: contribution limit %d above MaxContributionLimit", L))
	}
	L = max(L, 1)
	keep = make([]bool, len(groups))
	if m.grouped {
		m.spent += int64(m.k)
		num := 2 * m.n * uint64(L)
		tau := PartitionThreshold(m.n, m.k, L)
		for g := range groups {
			keep[g] = satAdd(groups[g].Users, DiscreteLaplace(m.src, num, m.k)) >= tau
		}
	} else {
		for g := range keep {
			keep[g] = true
		}
	}
	for _, t := range m.aggs {
		primitives := Units(t) - 1 // the shares that are not the pool's
		if hasBounds(t) {
			primitives-- // the bounds' share, spent by Bounds
		}
		m.spent += 2 * primitives
	}
	slack := int64(1) // rounding slack per group a user touches, in grid units
	if m.grouped || len(groups) > 1 {
		slack = L
	}
	flat := make([]float64, len(groups)*len(m.aggs))
	values = make([][]float64, len(groups))
	for g := range groups {
		values[g] = flat[g*len(m.aggs) : (g+1)*len(m.aggs) : (g+1)*len(m.aggs)]
		if !keep[g] {
			continue
		}
		for i, t := range m.aggs {
			var p Partial
			if i < len(groups[g].Aggs) {
				p = groups[g].Aggs[i]
			}
			var lo, hi float64
			if i < len(bounds) {
				lo, hi = bounds[i][0], bounds[i][1]
			}
			mag := math.Max(math.Abs(lo), math.Abs(hi))
			switch t {
			case Count, CountDistinct:
				values[g][i] = float64(max(0, m.noisyCount(p.Count, L)))
			case Sum:
				values[g][i] = m.noisySum(p.Sum, mag, L, slack)
			case Avg:
				c := m.noisyCount(p.Count, L)
				s := m.noisySum(p.Sum, mag, L, slack)
				avg := (lo + hi) / 2
				if c > 0 {
					avg = s / float64(c)
				}
				values[g][i] = clampF(avg, lo, hi)
			case Stddev:
				c := m.noisyCount(p.Count, L)
				s := m.noisySum(p.Sum, mag, L, slack)
				ss := m.noisySum(p.SumSquares, mag*mag, L, slack)
				sd := 0.0
				if c > 1 {
					fc := float64(c)
					if v := (ss - s*s/fc) / (fc - 1); v > 0 {
						sd = math.Sqrt(v)
					}
				}
				values[g][i] = clampF(sd, 0, hi-lo)
			}
		}
	}
	return keep, values
}

// PartitionThreshold is the noisy distinct-user count a group needs to be
// released in a GROUP BY query at usersNoisePerQuery n with k aggregates
// and contribution limit L: τ = 1 + ⌈s·ln(L/Delta)⌉ with s = 2nL/k. A group
// that exists only because of one user has 1 user, and is released with
// probability P(1+Z >= τ) = e^{-(τ-1)/s}/(1+e^{-1/s}) <= Delta/L; that user
// can create at most L groups, so all of them together are released with
// probability <= Delta.
func PartitionThreshold(n, k uint64, L int64) int64 {
	s := float64(2*n*uint64(L)) / float64(k)
	return 1 + int64(math.Ceil(s*math.Log(float64(L)/Delta)*(1+1e-12)))
}

// Sensitivity is the wire's sensitivity parameters of aggregate i:
// userContributionLimit, and for SUM/AVG/STDDEV the min and max column
// values used for clamping (nil for COUNT types).
func (m *Mechanism) Sensitivity(i int, L int64, bounds [2]float64) (limit int64, minValue, maxValue *float64) {
	limit = max(L, 1)
	if hasBounds(m.aggs[i]) {
		lo, hi := bounds[0], bounds[1]
		minValue, maxValue = &lo, &hi
	}
	return limit, minValue, maxValue
}

// noisyCount is a count with L1 sensitivity L at epsilon 1/N: discrete
// Laplace of scale N·L.
func (m *Mechanism) noisyCount(c int64, L int64) int64 {
	return satAdd(c, DiscreteLaplace(m.src, m.n*uint64(L), 1))
}

// noisySum releases a sum of at most L values per user of magnitude <=
// mag, spread over groups, at epsilon 1/N. The sum is snapped to the grid
// γ = 2^(⌈log2 mag⌉-gridBits) and noised in grid units: a user moves the
// snapped sums of the groups it touches by at most L·mag/γ + slack <=
// L·2^gridBits + slack units in total (rounding adds at most one unit per
// group, slack = L with GROUP BY, 1 without), so discrete Laplace of scale
// N·(L·2^gridBits + slack) gives epsilon 1/N. The result, an integer times
// a power of two, is exact in float64. mag = 0 (or not finite) releases 0,
// a constant.
func (m *Mechanism) noisySum(sum, mag float64, L, slack int64) float64 {
	if !(mag > 0) || math.IsInf(mag, 0) {
		return 0
	}
	frac, exp := math.Frexp(mag)
	if frac == 0.5 {
		exp--
	}
	gamma := math.Ldexp(1, exp-gridBits)
	units := math.Round(sum / gamma)
	const lim = 1 << 62
	if math.IsNaN(units) {
		units = 0
	} else if units > lim {
		units = lim
	} else if units < -lim {
		units = -lim
	}
	delta := uint64(L)<<gridBits + uint64(slack)
	z := DiscreteLaplace(m.src, m.n*delta, 1)
	return float64(satAdd(int64(units), z)) * gamma
}

// noisyHist is hist, folded into NumBins bins, plus discrete Laplace of
// scale num/den on every bin.
func (m *Mechanism) noisyHist(hist []int64, num, den uint64) []int64 {
	out := make([]int64, NumBins)
	for b, c := range hist {
		out[min(b, NumBins-1)] += c
	}
	for b := range out {
		out[b] = satAdd(out[b], DiscreteLaplace(m.src, num, den))
	}
	return out
}

// threshold is the noisy count a bin needs to count, for discrete Laplace
// of scale b = num/den over bins bins: ⌈b·ln(bins/binAlpha)⌉, so that an
// empty bin passes with probability <= e^{-τ/b} <= binAlpha/bins.
func threshold(num, den uint64, bins int) int64 {
	b := float64(num) / float64(den)
	return int64(math.Ceil(b * math.Log(float64(bins)/binAlpha) * (1 + 1e-12)))
}

// pickBin is the smallest bin whose cumulative noisy count, over the bins
// whose noisy count reaches tau, is at least 9/10 of their total; -1 if no
// bin reaches tau.
func pickBin(noisy []int64, tau int64) int {
	var total int64
	for _, c := range noisy {
		if c >= tau {
			total += c
		}
	}
	if total <= 0 {
		return -1
	}
	var cum int64
	for b, c := range noisy {
		if c >= tau {
			cum += c
			if float64(cum)*binQuantileDen >= float64(total)*binQuantileNum {
				return b
			}
		}
	}
	return len(noisy) - 1
}

func hasBounds(t string) bool { return t == Sum || t == Avg || t == Stddev }

func clampF(v, lo, hi float64) float64 { return math.Max(lo, math.Min(v, hi)) }

// satAdd is a + b saturating at ±(2^63-1).
func satAdd(a, b int64) int64 {
	c := a + b
	if (c > a) != (b > 0) {
		if b > 0 {
			return math.MaxInt64
		}
		return -math.MaxInt64
	}
	return c
}
