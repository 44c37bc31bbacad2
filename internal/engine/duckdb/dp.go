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
	hist, err := r.hist("SELECT " + dp.BinSQL("n") + " AS b, count(*) FROM (SELECT count(*) AS n FROM __base GROUP BY __uid) GROUP BY b")
	if err != nil {
		return nil, err
	}
	L := m.ContributionLimit(hist)
	// Keep at most L rows per user, chosen at random (which rows does not
	// matter to privacy, only how many).
	if err := r.exec(fmt.Sprintf("CREATE TEMP TABLE __rows AS SELECT * EXCLUDE (__rn) FROM "+
		"(SELECT *, row_number() OVER (PARTITION BY __uid ORDER BY random()) AS __rn FROM __base) WHERE __rn <= %d", L)); err != nil {
		return nil, err
	}
	if err := r.exec("DROP TABLE __base"); err != nil {
		return nil, err
	}

	bounds := make([][2]float64, len(p.Aggregates))
	for i, a := range p.Aggregates {
		if !clamped(a.Type) {
			continue
		}
		arg := "CAST(__a" + strconv.Itoa(i) + " AS DOUBLE)"
		pos, err := r.hist("SELECT " + dp.BinSQL("v") + " AS b, count(*) FROM (SELECT max(" + arg + ") AS v FROM __rows GROUP BY __uid) WHERE v > 0 AND NOT isnan(v) GROUP BY b")
		if err != nil {
			return nil, err
		}
		neg, err := r.hist("SELECT " + dp.BinSQL("-v") + " AS b, count(*) FROM (SELECT min(" + arg + ") AS v FROM __rows GROUP BY __uid) WHERE v < 0 GROUP BY b")
		if err != nil {
			return nil, err
		}
		lo, hi := m.Bounds(i, pos, neg)
		bounds[i] = [2]float64{lo, hi}
	}

	gids, groups, err := r.groups(bounds)
	if err != nil {
		return nil, err
	}
	keep, values := m.Release(L, bounds, groups)
	if err := r.released(gids, keep, values); err != nil {
		return nil, err
	}
	split := int64(0)
	if !job.Output.SingleFile && len(p.OrderBy) == 0 {
		split = e.fileSize()
	}
	res, err := write(ctx, sb, r.output(), job.Output.Format, out, split)
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

// hist runs q, whose rows are (bin, users), into a histogram.
func (r *dpRun) hist(q string) ([]int64, error) {
	rows, err := r.sb.conn.QueryContext(r.ctx, q)
	if err != nil {
		return nil, failure(r.ctx, err)
	}
	defer rows.Close()
	h := make([]int64, dp.NumBins)
	for rows.Next() {
		var b, n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, failure(r.ctx, err)
		}
		if b >= 0 && b < dp.NumBins {
			h[b] += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, failure(r.ctx, err)
	}
	return h, nil
}

func float(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "CAST('" + strconv.FormatFloat(v, 'g', -1, 64) + "' AS DOUBLE)"
	}
	return "CAST(" + strconv.FormatFloat(v, 'g', -1, 64) + " AS DOUBLE)"
}

// groups computes every group's keys (kept in table __groups) and partial
// aggregates over the bounded rows, with values clamped to bounds (a NULL
// stays NULL: it is not counted, and adds nothing to sums).
func (r *dpRun) groups(bounds [][2]float64) ([]int64, []dp.Group, error) {
	var inner, keys, metrics []string
	for j := 0; j < r.p.Groups; j++ {
		keys = append(keys, "__g"+strconv.Itoa(j))
	}
	for i, a := range r.p.Aggregates {
		arg := "__a" + strconv.Itoa(i)
		c := "__c" + strconv.Itoa(i)
		if clamped(a.Type) {
			inner = append(inner, fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE greatest(%s, least(%s, CAST(%s AS DOUBLE))) END AS %s",
				arg, float(bounds[i][0]), float(bounds[i][1]), arg, c))
		}
		switch a.Type {
		case dp.Count:
			if a.Arg {
				metrics = append(metrics, "count("+arg+")")
			} else {
				metrics = append(metrics, "count(*)")
			}
		case dp.CountDistinct:
			metrics = append(metrics, "count(DISTINCT "+arg+")")
		case dp.Sum:
			metrics = append(metrics, "coalesce(sum("+c+"), 0)")
		case dp.Avg:
			metrics = append(metrics, "count("+c+")", "coalesce(sum("+c+"), 0)")
		case dp.Stddev:
			metrics = append(metrics, "count("+c+")", "coalesce(sum("+c+"), 0)", "coalesce(sum("+c+" * "+c+"), 0)")
		}
	}
	from := "__rows"
	if len(inner) > 0 {
		from = "(SELECT *, " + strings.Join(inner, ", ") + " FROM __rows)"
	}
	sel := append(append([]string{}, keys...), "count(DISTINCT __uid) AS __users")
	for k, m := range metrics {
		sel = append(sel, m+" AS __m"+strconv.Itoa(k))
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + from
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ")
	}
	if err := r.exec("CREATE TEMP TABLE __groups AS SELECT row_number() OVER () AS __gid, * FROM (" + q + ")"); err != nil {
		return nil, nil, err
	}
	cols := []string{"__gid", "__users"}
	for k := range metrics {
		cols = append(cols, "__m"+strconv.Itoa(k))
	}
	rows, err := r.sb.conn.QueryContext(r.ctx, "SELECT "+strings.Join(cols, ", ")+" FROM __groups ORDER BY __gid")
	if err != nil {
		return nil, nil, failure(r.ctx, err)
	}
	defer rows.Close()
	var gids []int64
	var groups []dp.Group
	for rows.Next() {
		var gid, users int64
		ms := make([]any, len(metrics))
		for k, m := range metrics {
			if strings.HasPrefix(m, "count(") {
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

// released loads the released values of the kept groups into __released.
func (r *dpRun) released(gids []int64, keep []bool, values [][]float64) error {
	defs := []string{"__gid BIGINT"}
	for i := range r.p.Aggregates {
		defs = append(defs, "__v"+strconv.Itoa(i)+" DOUBLE")
	}
	if err := r.exec("CREATE TEMP TABLE __released (" + strings.Join(defs, ", ") + ")"); err != nil {
		return err
	}
	const batch = 1000
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := r.exec(b.String())
		b.Reset()
		n = 0
		return err
	}
	for g, gid := range gids {
		if !keep[g] {
			continue
		}
		if n == 0 {
			b.WriteString("INSERT INTO __released VALUES ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString("(" + strconv.FormatInt(gid, 10))
		for _, v := range values[g] {
			b.WriteString(", " + float(v))
		}
		b.WriteString(")")
		if n++; n == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// output is the query of the result: the group keys and released values
// under the query's names, ordered and limited as the query says.
func (r *dpRun) output() string {
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
	q := "SELECT " + strings.Join(sel, ", ") + " FROM __released AS r JOIN __groups AS g ON r.__gid = g.__gid"
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
