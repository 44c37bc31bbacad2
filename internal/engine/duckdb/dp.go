//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
	"github.com/cleanroomsd/cleanroomsd/internal/dp"
	"github.com/cleanroomsd/cleanroomsd/internal/engine"
	"github.com/cleanroomsd/cleanroomsd/internal/query"
)

// runDP runs a differentially private job (docs/engine.md, "Differential
// privacy") in the same sandbox as any job: the plan's base query is
// materialised, each user's rows are bounded to a privately chosen
// contribution limit L, each SUM/AVG/STDDEV argument is clamped to
// privately chosen bounds, the groups' partial aggregates are computed in
// DuckDB and noised in Go by package dp, and the released rows are
// written with the writer of every job.
func (e *Engine) runDP(ctx context.Context, job engine.Job) (*engine.Result, error) {
	start := time.Now()
	p := job.DP
	if err := checkDPPlan(p); err != nil {
		return nil, err
	}
	src := e.cfg.DPSource
	if src == nil {
		src = dp.SecureSource()
	}
	m, err := dp.NewMechanism(src, dp.Plan{UsersNoise: p.UsersNoise, Aggregations: p.Aggregations, Grouped: p.Groups > 0})
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	job.SQL = p.SQL
	sb, text, _, out, err := e.prepare(ctx, job)
	if err != nil {
		return nil, err
	}
	defer e.release(sb)
	r := &dpRun{ctx: ctx, sb: sb, p: p}

	// The base rows, then what each user contributes.
	if err := r.exec("CREATE TEMP TABLE __base AS SELECT * FROM (\n" + text + "\n)"); err != nil {
		return nil, err
	}
	hists, maxRows, err := r.stats()
	if err != nil {
		return nil, err
	}
	L := m.ContributionLimit(hists[0])
	bounds := make([][2]float64, len(p.Aggregates))
	for i, a := range p.Aggregates {
		if clamped(a.Type) {
			lo, hi := m.Bounds(i, hists[1+2*i], hists[2+2*i])
			bounds[i] = [2]float64{lo, hi}
		}
	}
	// Keep at most L rows per user, chosen at random (which rows does not
	// matter to privacy, only how many); nothing to do when no user has
	// more.
	rows := "__base"
	if maxRows > L {
		rows = fmt.Sprintf("(SELECT * EXCLUDE (__rn) FROM (SELECT *, row_number() OVER (PARTITION BY __uid ORDER BY random()) AS __rn FROM __base) WHERE __rn <= %d)", L)
	}
	gids, groups, err := r.groups(rows, bounds)
	if err != nil {
		return nil, err
	}
	keep, values := m.Release(L, bounds, groups)
	split := int64(0)
	if !job.Output.SingleFile && len(p.OrderBy) == 0 {
		split = e.fileSize()
	}
	res, err := write(ctx, sb, r.output(gids, keep, values), job.Output.Format, out, split)
	if err != nil {
		return nil, err
	}
	for i, a := range p.Aggregates {
		limit, lo, hi := m.Sensitivity(i, L, bounds[i])
		res.Sensitivity = append(res.Sensitivity, cleanrooms.SensitivityParameter{
			AggregationType: a.Type, AggregationExpression: a.Expression,
			UserContributionLimit: limit, MinColumnValue: lo, MaxColumnValue: hi})
	}
	res.Duration = time.Since(start)
	return res, nil
}

// checkDPPlan checks that a plan is one the engine can run: it came
// through the service, but as data (JSON).
func checkDPPlan(p *query.DPPlan) error {
	bad := func(what string) error { return fmt.Errorf("engine: invalid differential privacy plan: %s", what) }
	if p.SQL == "" {
		return bad("no base query")
	}
	if len(p.Aggregates) == 0 || len(p.Aggregates) != len(p.Aggregations) {
		return bad("aggregates and aggregation types differ")
	}
	for i, a := range p.Aggregates {
		if a.Type != p.Aggregations[i] {
			return bad("aggregates and aggregation types differ")
		}
		switch a.Type {
		case dp.Count:
		case dp.CountDistinct, dp.Sum, dp.Avg, dp.Stddev:
			if !a.Arg {
				return bad(a.Type + " without an argument")
			}
		default:
			return bad("unknown aggregation type " + a.Type)
		}
	}
	if p.Groups < 0 || len(p.Columns) == 0 {
		return bad("no output column")
	}
	for _, c := range p.Columns {
		if (c.Group < 0) == (c.Aggregate < 0) || c.Group >= p.Groups || c.Aggregate >= len(p.Aggregates) {
			return bad("an output column is neither a group key nor an aggregate")
		}
	}
	for _, o := range p.OrderBy {
		if o.Column < 0 || o.Column >= len(p.Columns) {
			return bad("ORDER BY names no output column")
		}
	}
	if p.Limit != nil && *p.Limit < 0 {
		return bad("negative LIMIT")
	}
	return nil
}

func clamped(t string) bool { return t == dp.Sum || t == dp.Avg || t == dp.Stddev }

type dpRun struct {
	ctx context.Context
	sb  *sandbox
	p   *query.DPPlan
}

func (r *dpRun) exec(q string) error {
	if _, err := r.sb.conn.ExecContext(r.ctx, q); err != nil {
		return failure(r.ctx, err)
	}
	return nil
}

// stats computes, in one query over the base rows, the histograms the
// mechanism chooses from: hists[0][b] is the number of users whose row
// count has bin b; for each SUM/AVG/STDDEV aggregate i, hists[1+2i] and
// hists[2+2i] are the users whose largest value v > 0 has Bin(v) = b and
// whose smallest v < 0 has Bin(-v) = b (NaN values count on neither side).
// The bounds are taken on each user's rows before the contribution limit
// applies: a user is still in at most one bin of each. maxRows is the
// largest row count of a user.
//
// Bins are exact (dp.Bin, in Go) without planning the bin edges in SQL
// (dp.BinSQL's CASE tree takes DuckDB 4-10 ms to plan, a VALUES table of
// the edges joined to the values 1.5-3 ms): DuckDB groups the per-user
// values by a coarse key, ceil(log2 v), and returns each group's count,
// smallest and largest value. The bins are monotone in v, so a group whose
// smallest and largest values have the same dp.Bin lies wholly in that
// bin, whatever log2's rounding; the groups that straddle an edge (values
// within a few ulps of a power of two) are counted again value by value
// (statsExact).
func (r *dpRun) stats() (hists [][]int64, maxRows int64, err error) {
	hists = make([][]int64, 1+2*len(r.p.Aggregates))
	for k := range hists {
		hists[k] = make([]int64, dp.NumBins)
	}
	var straddle []string
	err = r.scan(r.statsSQL("SELECT k, "+coarseBin+" AS c, count(*)::BIGINT, min(v), max(v) FROM __d GROUP BY k, c"), func(rows dpRows) error {
		var k, c, n int64
		var lo, hi float64
		if err := rows.Scan(&k, &c, &n, &lo, &hi); err != nil {
			return err
		}
		if k < 0 || k >= int64(len(hists)) {
			return errHistogram
		}
		if k == 0 && int64(hi) > maxRows {
			maxRows = int64(hi)
		}
		if b := dp.Bin(lo); b == dp.Bin(hi) {
			hists[k][b] += n
		} else {
			straddle = append(straddle, fmt.Sprintf("(k = %d AND %s = %d)", k, coarseBin, c))
		}
		return nil
	})
	if err != nil || len(straddle) == 0 {
		return hists, maxRows, err
	}
	return hists, maxRows, r.statsExact(hists, strings.Join(straddle, " OR "))
}

// coarseBin is stats' coarse key of a value v of __d (always > 0, never
// NaN; +Inf has key 1100).
const coarseBin = "CAST(least(greatest(ceil(log2(v)), -1100), 1100) AS INTEGER)"

var errHistogram = fmt.Errorf("engine: differential privacy: histogram row out of range")

// statsExact adds to hists the values of the groups where says, one
// distinct value at a time.
func (r *dpRun) statsExact(hists [][]int64, where string) error {
	return r.scan(r.statsSQL("SELECT k, v, count(*)::BIGINT FROM __d WHERE "+where+" GROUP BY k, v"), func(rows dpRows) error {
		var k, n int64
		var v float64
		if err := rows.Scan(&k, &v, &n); err != nil {
			return err
		}
		if k < 0 || k >= int64(len(hists)) {
			return errHistogram
		}
		hists[k][dp.Bin(v)] += n
		return nil
	})
}

// statsSQL is sel over __d(k, v): one row per user and histogram, v the
// user's row count (k 0) or the magnitude of its largest positive (1+2i)
// or smallest negative (2+2i) value of aggregate i.
func (r *dpRun) statsSQL(sel string) string {
	perUser := []string{"__uid", "count(*) AS n"}
	sides := []string{"SELECT 0 AS k, CAST(n AS DOUBLE) AS v FROM __u"}
	for i, a := range r.p.Aggregates {
		if !clamped(a.Type) {
			continue
		}
		is := strconv.Itoa(i)
		arg := "CAST(__a" + is + " AS DOUBLE)"
		perUser = append(perUser, "max("+arg+") AS __x"+is, "min("+arg+") AS __y"+is)
		sides = append(sides,
			fmt.Sprintf("SELECT %d, __x%s FROM __u WHERE __x%s > 0 AND NOT isnan(__x%s)", 1+2*i, is, is, is),
			fmt.Sprintf("SELECT %d, -__y%s FROM __u WHERE __y%s < 0", 2+2*i, is, is))
	}
	return "WITH __u AS MATERIALIZED (SELECT " + strings.Join(perUser, ", ") + " FROM __base GROUP BY __uid), " +
		"__d AS (" + strings.Join(sides, " UNION ALL ") + ") " + sel
}

type dpRows interface{ Scan(...any) error }

// scan runs q and calls row for each row.
func (r *dpRun) scan(q string, row func(dpRows) error) error {
	rows, err := r.sb.conn.QueryContext(r.ctx, q)
	if err != nil {
		return failure(r.ctx, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows); err != nil {
			if err == errHistogram {
				return err
			}
			return failure(r.ctx, err)
		}
	}
	if err := rows.Err(); err != nil {
		return failure(r.ctx, err)
	}
	return nil
}

func float(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "CAST('" + strconv.FormatFloat(v, 'g', -1, 64) + "' AS DOUBLE)"
	}
	return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
}

// groups computes every group's keys (kept in table __groups, a group's
// id its rowid there) and partial aggregates over the bounded rows, with
// values clamped to bounds (a NULL stays NULL: it is not counted, and adds
// nothing to sums).
func (r *dpRun) groups(src string, bounds [][2]float64) ([]int64, []dp.Group, error) {
	twoLevel := true
	for _, a := range r.p.Aggregates {
		if a.Type == dp.CountDistinct {
			twoLevel = false
		}
	}
	q, metrics := r.groupsSQL(src, bounds, twoLevel)
	// A group's id is its rowid in __groups (row_number() OVER () would
	// cost a window over the groups, single-threaded).
	if err := r.exec("CREATE TEMP TABLE __groups AS " + q); err != nil {
		return nil, nil, err
	}
	cols := []string{"rowid", "__users"}
	for k := range metrics {
		cols = append(cols, "__m"+strconv.Itoa(k))
	}
	rows, err := r.sb.conn.QueryContext(r.ctx, "SELECT "+strings.Join(cols, ", ")+" FROM __groups ORDER BY rowid")
	if err != nil {
		return nil, nil, failure(r.ctx, err)
	}
	defer rows.Close()
	var gids []int64
	var groups []dp.Group
	for rows.Next() {
		var gid, users int64
		ms := make([]any, len(metrics))
		for k, isCount := range metrics {
			if isCount {
				ms[k] = new(int64)
			} else {
				ms[k] = new(float64)
			}
		}
		if err := rows.Scan(append([]any{&gid, &users}, ms...)...); err != nil {
			return nil, nil, failure(r.ctx, err)
		}
		g := dp.Group{Users: users, Aggs: make([]dp.Partial, len(r.p.Aggregates))}
		k := 0
		for i, a := range r.p.Aggregates {
			pa := &g.Aggs[i]
			switch a.Type {
			case dp.Count, dp.CountDistinct:
				pa.Count = *ms[k].(*int64)
				k++
			case dp.Sum:
				pa.Sum = *ms[k].(*float64)
				k++
			case dp.Avg:
				pa.Count, pa.Sum = *ms[k].(*int64), *ms[k+1].(*float64)
				k += 2
			case dp.Stddev:
				pa.Count, pa.Sum, pa.SumSquares = *ms[k].(*int64), *ms[k+1].(*float64), *ms[k+2].(*float64)
				k += 3
			}
		}
		gids = append(gids, gid)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, failure(r.ctx, err)
	}
	return gids, groups, nil
}

// groupsSQL is the query of groups' partials: the group keys __g<j>,
// __users (distinct non-NULL users) and __m<k>, the partial aggregates in
// the order of the plan's aggregates (COUNT: count; COUNT_DISTINCT: count
// of distinct values; SUM: sum; AVG: count, sum; STDDEV: count, sum, sum
// of squares); counts says which __m<k> are counts (BIGINT; the others are
// DOUBLE). twoLevel aggregates per group and user first, then per group:
// the same partials without count(DISTINCT __uid), which DuckDB runs
// 2-4 ms slower on a fresh sandbox (its distinct hash tables); it cannot
// compute COUNT_DISTINCT of an argument.
func (r *dpRun) groupsSQL(src string, bounds [][2]float64, twoLevel bool) (q string, counts []bool) {
	var clamps, keys, inner, outer []string
	for j := 0; j < r.p.Groups; j++ {
		keys = append(keys, "__g"+strconv.Itoa(j))
	}
	// add is one partial: e over the rows, a count or a sum.
	add := func(e string, isCount bool) {
		k := "__m" + strconv.Itoa(len(counts))
		counts = append(counts, isCount)
		switch {
		case !twoLevel && isCount:
			outer = append(outer, e+" AS "+k)
		case !twoLevel:
			outer = append(outer, "coalesce("+e+", 0) AS "+k)
		case isCount: // per user, then summed (over no user: 0)
			inner = append(inner, e+" AS "+k)
			outer = append(outer, "coalesce(CAST(sum("+k+") AS BIGINT), 0) AS "+k)
		default:
			inner = append(inner, e+" AS "+k)
			outer = append(outer, "coalesce(sum("+k+"), 0) AS "+k)
		}
	}
	for i, a := range r.p.Aggregates {
		arg := "__a" + strconv.Itoa(i)
		c := "__c" + strconv.Itoa(i)
		if clamped(a.Type) {
			clamps = append(clamps, fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE greatest(%s, least(%s, CAST(%s AS DOUBLE))) END AS %s",
				arg, float(bounds[i][0]), float(bounds[i][1]), arg, c))
		}
		switch a.Type {
		case dp.Count:
			if a.Arg {
				add("count("+arg+")", true)
			} else {
				add("count(*)", true)
			}
		case dp.CountDistinct:
			add("count(DISTINCT "+arg+")", true)
		case dp.Sum:
			add("sum("+c+")", false)
		case dp.Avg:
			add("count("+c+")", true)
			add("sum("+c+")", false)
		case dp.Stddev:
			add("count("+c+")", true)
			add("sum("+c+")", false)
			add("sum("+c+" * "+c+")", false)
		}
	}
	from := src
	if len(clamps) > 0 {
		from = "(SELECT *, " + strings.Join(clamps, ", ") + " FROM " + src + ")"
	}
	users := "count(DISTINCT __uid) AS __users"
	if twoLevel {
		sel := append(append(append([]string{}, keys...), "__uid"), inner...)
		from = "(SELECT " + strings.Join(sel, ", ") + " FROM " + from + " GROUP BY " + strings.Join(append(append([]string{}, keys...), "__uid"), ", ") + ")"
		users = "count(__uid) AS __users"
	}
	q = "SELECT " + strings.Join(append(append(append([]string{}, keys...), users), outer...), ", ") + " FROM " + from
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ")
	}
	return q, counts
}

// output is the query of the result: the group keys and released values
// (inline, as VALUES) under the query's names, ordered and limited as the
// query says.
func (r *dpRun) output(gids []int64, keep []bool, values [][]float64) string {
	var b strings.Builder
	names := []string{"__gid"}
	for i := range r.p.Aggregates {
		names = append(names, "__v"+strconv.Itoa(i))
	}
	for g, gid := range gids {
		if !keep[g] {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("(VALUES ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(" + strconv.FormatInt(gid, 10) + " AS BIGINT)")
		for _, v := range values[g] {
			b.WriteString(", " + float(v))
		}
		b.WriteString(")")
	}
	released := b.String() + ") AS r(" + strings.Join(names, ", ") + ")"
	if b.Len() == 0 {
		sel := []string{"CAST(NULL AS BIGINT) AS __gid"}
		for _, n := range names[1:] {
			sel = append(sel, "CAST(NULL AS DOUBLE) AS "+n)
		}
		released = "(SELECT " + strings.Join(sel, ", ") + " WHERE false) AS r"
	}
	sel := make([]string, len(r.p.Columns))
	for k, c := range r.p.Columns {
		var v string
		switch {
		case c.Group >= 0:
			v = "g.__g" + strconv.Itoa(c.Group)
		case r.p.Aggregates[c.Aggregate].Type == dp.Count || r.p.Aggregates[c.Aggregate].Type == dp.CountDistinct:
			v = "CAST(r.__v" + strconv.Itoa(c.Aggregate) + " AS BIGINT)"
		default:
			v = "r.__v" + strconv.Itoa(c.Aggregate)
		}
		sel[k] = v + " AS " + quoteIdent(c.Name)
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + released + " JOIN __groups AS g ON r.__gid = g.rowid"
	if len(r.p.OrderBy) > 0 {
		ord := make([]string, len(r.p.OrderBy))
		for k, o := range r.p.OrderBy {
			ord[k] = strconv.Itoa(o.Column + 1)
			if o.Desc {
				ord[k] += " DESC"
			} else {
				ord[k] += " ASC"
			}
			if o.NullsFirst {
				ord[k] += " NULLS FIRST"
			} else {
				ord[k] += " NULLS LAST"
			}
		}
		q += " ORDER BY " + strings.Join(ord, ", ")
	}
	if r.p.Limit != nil {
		q += " LIMIT " + strconv.FormatInt(*r.p.Limit, 10)
	}
	return q
}
