package dp

import (
	"math"
	"strings"
	"testing"
)

func TestBinEdges(t *testing.T) {
	for _, c := range []struct {
		m    float64
		want int
	}{
		{-1, 0}, {math.NaN(), 0}, {0, 0}, {1.0 / 1024, 0}, {1.0/1024 + 1e-12, 1},
		{0.5, 9}, {1, 10}, {1.5, 11}, {2, 11}, {3, 12}, {4, 12}, {4.0000001, 13},
		{1 << 20, 30}, {1<<53 - 1, 63}, {1 << 53, 63}, {1e300, 63}, {math.Inf(1), 63},
	} {
		if got := Bin(c.m); got != c.want {
			t.Errorf("Bin(%g) = %d, want %d", c.m, got, c.want)
		}
	}
	for b := range NumBins {
		u := BinUpper(b)
		if Bin(u) != b || (b > 0 && Bin(math.Nextafter(BinUpper(b-1), math.Inf(1))) != b) {
			t.Errorf("bin %d: upper %g in bin %d", b, u, Bin(u))
		}
	}
	if BinUpper(-3) != BinUpper(0) || BinUpper(99) != BinUpper(NumBins-1) {
		t.Error("BinUpper does not clamp")
	}
	sql := BinSQL("v")
	for _, w := range []string{"CASE WHEN CAST((v) AS DOUBLE) <= CAST(1 AS DOUBLE)", "CAST(0.0009765625 AS DOUBLE) THEN 0 ELSE 1 END", " ELSE 63 END"} {
		if !strings.Contains(sql, w) {
			t.Errorf("BinSQL(v) = %s, missing %q", sql, w)
		}
	}
}

func TestNewMechanismErrors(t *testing.T) {
	src := SeededSource(1)
	for name, c := range map[string]struct {
		src Source
		p   Plan
	}{
		"nil source":   {nil, Plan{UsersNoise: 10, Aggregations: []string{Count}}},
		"N too small":  {src, Plan{UsersNoise: 9, Aggregations: []string{Count}}},
		"N too large":  {src, Plan{UsersNoise: 101, Aggregations: []string{Count}}},
		"unknown type": {src, Plan{UsersNoise: 10, Aggregations: []string{Count, "MEDIAN"}}},
		"no aggregate": {src, Plan{UsersNoise: 10}},
	} {
		if _, err := NewMechanism(c.src, c.p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := NewMechanism(src, Plan{UsersNoise: 100, Aggregations: Types}); err != nil {
		t.Errorf("valid plan: %v", err)
	}
}

func mustMech(t testing.TB, seed uint64, p Plan) *Mechanism {
	t.Helper()
	m, err := NewMechanism(SeededSource(seed), p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSpendsExactlyTheCharge runs the whole mechanism and checks that what
// it spends (in shares of 1/(2N) epsilon) is what the accountant charged:
// 2·Σ Units.
func TestSpendsExactlyTheCharge(t *testing.T) {
	for _, grouped := range []bool{false, true} {
		for _, aggs := range [][]string{{Count}, {Sum}, Types, {Stddev, Avg, CountDistinct}} {
			m := mustMech(t, 1, Plan{UsersNoise: 17, Aggregations: aggs, Grouped: grouped})
			L := m.ContributionLimit(nil)
			b := make([][2]float64, len(aggs))
			for i := range aggs {
				lo, hi := m.Bounds(i, nil, nil)
				b[i] = [2]float64{lo, hi}
			}
			m.Release(L, b, []Group{{Users: 3, Aggs: make([]Partial, len(aggs))}})
			var units int64
			for _, a := range aggs {
				units += Units(a)
			}
			if m.spent != 2*units {
				t.Errorf("grouped %v %v: spent %d half-shares, charged %d", grouped, aggs, m.spent, 2*units)
			}
		}
	}
}

func TestSecondCallsPanic(t *testing.T) {
	for name, f := range map[string]func(m *Mechanism){
		"ContributionLimit": func(m *Mechanism) { m.ContributionLimit(nil) },
		"Bounds":            func(m *Mechanism) { m.Bounds(0, nil, nil) },
		"Release":           func(m *Mechanism) { m.Release(1, make([][2]float64, 1), []Group{{}}) },
	} {
		m := mustMech(t, 1, Plan{UsersNoise: 10, Aggregations: []string{Sum}})
		f(m)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("second %s did not panic", name)
				}
			}()
			f(m)
		}()
	}
}

func TestContributionLimit(t *testing.T) {
	// Empty: no bin passes, L = 1.
	for seed := range uint64(50) {
		if L := mustMech(t, seed, Plan{UsersNoise: 100, Aggregations: []string{Count}, Grouped: true}).ContributionLimit(nil); L != 1 {
			t.Fatalf("seed %d: empty histogram gives L = %d", seed, L)
		}
	}
	// 10^6 users: 60% with 1 row, 25% with 2, 10% with 3-4, 4% 5-8, 1% 500.
	hist := make([]int64, NumBins)
	hist[Bin(1)] = 600_000
	hist[Bin(2)] = 250_000
	hist[Bin(4)] = 100_000
	hist[Bin(8)] = 40_000
	hist[Bin(500)] = 10_000
	for seed := range uint64(20) {
		if L := mustMech(t, seed, Plan{UsersNoise: 10, Aggregations: []string{Count}}).ContributionLimit(hist); L != 4 {
			t.Errorf("seed %d: L = %d, want 4 (the 90%% bin)", seed, L)
		}
	}
	// Everyone has 10^9 rows: capped.
	huge := make([]int64, NumBins+5)
	huge[NumBins+2] = 1_000_000 // folded into the last bin
	if L := mustMech(t, 1, Plan{UsersNoise: 10, Aggregations: []string{Count}}).ContributionLimit(huge); L != MaxContributionLimit {
		t.Errorf("huge rows: L = %d", L)
	}
}

func TestBounds(t *testing.T) {
	m := mustMech(t, 1, Plan{UsersNoise: 10, Aggregations: []string{Count, Sum}})
	if lo, hi := m.Bounds(0, []int64{5}, []int64{5}); lo != 0 || hi != 0 {
		t.Errorf("COUNT bounds %g, %g", lo, hi)
	}
	if lo, hi := m.Bounds(1, nil, nil); lo != 0 || hi != 0 {
		t.Errorf("empty histograms give bounds %g, %g", lo, hi)
	}
	// 10^5 users with maxima spread over (8, 128], a few at 1e6; 2,000
	// with negative minima in (2, 4].
	pos, neg := make([]int64, NumBins), make([]int64, NumBins)
	pos[Bin(16)], pos[Bin(32)], pos[Bin(64)], pos[Bin(128)], pos[Bin(1e6)] = 20_000, 30_000, 30_000, 19_000, 1_000
	neg[Bin(4)] = 2_000
	for seed := range uint64(20) {
		m := mustMech(t, seed, Plan{UsersNoise: 10, Aggregations: []string{Avg}})
		if lo, hi := m.Bounds(0, pos, neg); lo != -4 || hi != 128 {
			t.Errorf("seed %d: bounds [%g, %g], want [-4, 128]", seed, lo, hi)
		}
	}
	// Too few users on the negative side to pass the threshold: lo = 0.
	neg[Bin(4)] = 20
	if lo, hi := mustMech(t, 3, Plan{UsersNoise: 10, Aggregations: []string{Sum}}).Bounds(0, pos, neg); lo != 0 || hi != 128 {
		t.Errorf("sparse negatives: bounds [%g, %g], want [0, 128]", lo, hi)
	}
}

// user is one user's rows of one column.
type user []float64

// partial is what the engine computes for one ungrouped SUM/AVG/STDDEV:
// each user's first L rows, clamped to [lo, hi].
func partial(users []user, L int64, lo, hi float64) Group {
	var g Group
	var p Partial
	for _, u := range users {
		g.Users++
		for j, v := range u {
			if int64(j) >= L {
				break
			}
			v = math.Max(lo, math.Min(v, hi))
			p.Count++
			p.Sum += v
			p.SumSquares += v * v
		}
	}
	g.Aggs = []Partial{p}
	return g
}

// TestClampingBoundsOneUsersInfluence adds one user with an extreme value
// to 1,000 users and releases the SUM with the same seed (hence the same
// noise draw): the released SUM moves by at most L·hi plus one grid step of
// rounding, although the user's raw value is 10^12. Over 200 seeds the
// released SUM with the extra user also stays within L·hi + 6 noise
// standard deviations of the true sum without the user.
func TestClampingBoundsOneUsersInfluence(t *testing.T) {
	var users []user
	var trueSum float64
	for i := range 1000 {
		v := float64(i%50) + 0.25
		users = append(users, user{v, v})
		trueSum += 2 * v
	}
	extreme := append(append([]user(nil), users...), user{1e12, 1e12, 1e12})
	const L, lo, hi = 2, 0.0, 64.0
	const N = 10
	gamma := hi / (1 << gridBits)
	b := float64(N * (L<<gridBits + 1)) // noise scale in grid units
	sd := math.Sqrt(2*math.Exp(-1/b)) / (1 - math.Exp(-1/b)) * gamma
	release := func(seed uint64, us []user) float64 {
		m := mustMech(t, seed, Plan{UsersNoise: N, Aggregations: []string{Sum}})
		_, vals := m.Release(L, [][2]float64{{lo, hi}}, []Group{partial(us, L, lo, hi)})
		return vals[0][0]
	}
	for seed := range uint64(200) {
		a, e := release(seed, users), release(seed, extreme)
		if d := e - a; d < 0 || d > L*hi+gamma {
			t.Fatalf("seed %d: the extreme user moved the SUM by %g, bound %g", seed, d, L*hi+gamma)
		}
		if math.Abs(e-trueSum) > L*hi+6*sd {
			t.Errorf("seed %d: released %g, true sum without the user %g, sd %g", seed, e, trueSum, sd)
		}
		if a != math.Round(a/gamma)*gamma {
			t.Errorf("seed %d: released %g is not on the grid %g", seed, a, gamma)
		}
	}
}

// TestPartitionSelection: at N = 10 with L = 1 and one COUNT the threshold
// is 1 + ⌈20·ln(10^6)⌉ = 278 users; a group with 1 user is kept with
// probability ≤ 10^-6, so over 20,000 runs it should never be; a group of
// 2τ users is kept every time; and the released count of a kept group is
// close to its true count.
func TestPartitionSelection(t *testing.T) {
	if tau := PartitionThreshold(10, 1, 1); tau != 278 {
		t.Errorf("threshold %d, want 278", tau)
	}
	// The δ claim, computed: P(1+Z >= τ)·L <= Delta at several settings.
	for _, c := range []struct {
		n, k uint64
		L    int64
	}{{10, 1, 1}, {10, 3, 4}, {100, 5, 1024}, {37, 2, 7}} {
		s := float64(2*c.n*uint64(c.L)) / float64(c.k)
		tau := PartitionThreshold(c.n, c.k, c.L)
		if p := math.Exp(-float64(tau-1)/s) / (1 + math.Exp(-1/s)) * float64(c.L); p > Delta {
			t.Errorf("%+v: δ %g > %g", c, p, Delta)
		}
	}
	kept1, keptBig := 0, 0
	const runs = 20_000
	for seed := range uint64(runs) {
		m := mustMech(t, seed, Plan{UsersNoise: 10, Aggregations: []string{Count}, Grouped: true})
		keep, vals := m.Release(1, make([][2]float64, 1), []Group{
			{Users: 1, Aggs: []Partial{{Count: 1}}},
			{Users: 556, Aggs: []Partial{{Count: 556}}},
		})
		if keep[0] {
			kept1++
		}
		if keep[1] {
			keptBig++
			if vals[1][0] < 0 || vals[1][0] != math.Round(vals[1][0]) || math.Abs(vals[1][0]-556) > 200 {
				t.Errorf("seed %d: released count %g for 556", seed, vals[1][0])
			}
		}
		if vals[0][0] != 0 && !keep[0] {
			t.Errorf("seed %d: a value for a group not kept", seed)
		}
	}
	if kept1 != 0 || keptBig != runs {
		t.Errorf("kept the 1-user group %d times and the 556-user group %d times of %d", kept1, keptBig, runs)
	}
}

func TestReleaseUngroupedAndDerived(t *testing.T) {
	// Without GROUP BY the one group is always kept, even with no users;
	// COUNT is integral and >= 0; AVG within [lo, hi]; STDDEV within
	// [0, hi-lo]; all near the truth for a large group.
	aggs := []string{Count, Avg, Stddev, Sum}
	bounds := [][2]float64{{}, {-8, 8}, {-8, 8}, {-8, 8}}
	for seed := range uint64(100) {
		m := mustMech(t, seed, Plan{UsersNoise: 10, Aggregations: aggs})
		keep, vals := m.Release(1, bounds, []Group{{}})
		if !keep[0] || vals[0][0] < 0 || vals[0][0] != math.Round(vals[0][0]) ||
			vals[0][1] < -8 || vals[0][1] > 8 || vals[0][2] < 0 || vals[0][2] > 16 {
			t.Fatalf("seed %d: empty group keep %v values %v", seed, keep[0], vals[0])
		}
		// 10^6 users, one row each: values ±2 (mean 0.5, sd ≈ 1.94).
		const n = 1_000_000
		p := Partial{Count: n, Sum: 0.5 * n, SumSquares: 4 * n}
		m = mustMech(t, seed, Plan{UsersNoise: 10, Aggregations: aggs})
		_, vals = m.Release(1, bounds, []Group{{Users: n, Aggs: []Partial{{Count: n}, p, p, p}}})
		wantSD := math.Sqrt((4*n - 0.25*n) / (n - 1))
		if math.Abs(vals[0][0]-n) > 1000 || math.Abs(vals[0][1]-0.5) > 0.01 || math.Abs(vals[0][2]-wantSD) > 0.01 ||
			math.Abs(vals[0][3]-0.5*n) > 1e4*8 {
			t.Errorf("seed %d: values %v for count %d avg 0.5 sd %g sum %g", seed, vals[0], n, wantSD, 0.5*n)
		}
	}
	// Sensitivity parameters.
	m := mustMech(t, 1, Plan{UsersNoise: 10, Aggregations: aggs})
	if l, lo, hi := m.Sensitivity(0, 3, [2]float64{}); l != 3 || lo != nil || hi != nil {
		t.Errorf("COUNT sensitivity %d %v %v", l, lo, hi)
	}
	if l, lo, hi := m.Sensitivity(1, 3, [2]float64{-8, 8}); l != 3 || lo == nil || *lo != -8 || *hi != 8 {
		t.Errorf("AVG sensitivity %d %v %v", l, lo, hi)
	}
}

func BenchmarkRelease(b *testing.B) {
	groups := make([]Group, 1000)
	for g := range groups {
		groups[g] = Group{Users: int64(100 + g), Aggs: []Partial{
			{Count: int64(300 + g)}, {Sum: float64(1000 * g)}, {Count: int64(300 + g), Sum: float64(500 * g)},
		}}
	}
	bounds := [][2]float64{{}, {-64, 1024}, {0, 128}}
	plan := Plan{UsersNoise: 10, Aggregations: []string{Count, Sum, Avg}, Grouped: true}
	for _, src := range []struct {
		name string
		src  Source
	}{{"seeded", SeededSource(1)}, {"secure", SecureSource()}} {
		b.Run(src.name, func(b *testing.B) {
			for b.Loop() {
				m, _ := NewMechanism(src.src, plan)
				m.Release(4, bounds, groups)
			}
		})
	}
}
