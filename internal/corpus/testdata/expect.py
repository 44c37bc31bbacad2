#!/usr/bin/env python3
"""Expected results of the protected-query corpus, computed without any SQL engine.

Reads tables.json (column types) and tables/*.csv, runs one hand-written Python
function per accepted case of cases.json (the function's name is the case's name)
and writes expected.json: {"<case>": {"columns": [...], "ordered": bool, "rows": [[...]]}}.

    python3 expect.py          # rewrite expected.json
    python3 expect.py --check  # exit 1 if expected.json differs

Semantics are Spark SQL's (what AWS Clean Rooms runs): NULL is None; COUNT/SUM/AVG
skip NULLs; SUM/AVG of nothing is NULL; GROUP BY puts all NULL keys in one group;
ascending ORDER BY sorts NULLs first, descending last. Aggregation output constraints
(spec 2.2): an output row survives only if, over the input rows aggregated into it,
COUNT(DISTINCT column) >= minimum for every constraint of every table the query reads.

Normalisation (see docs/query-corpus.md): decimals and doubles become JSON
numbers rounded to 6 decimals; dates 'YYYY-MM-DD'; booleans true/false; NULL null.
Unordered results are sorted so that the file is stable.
"""
import csv
import datetime
import json
import math
import os
import sys
from decimal import Decimal, ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEILING

HERE = os.path.dirname(os.path.abspath(__file__))
D = datetime.date


# ---------------------------------------------------------------- data

def parse(value, typ):
    if value == "":
        return None
    if typ in ("int", "bigint"):
        return int(value)
    if typ.startswith("decimal"):
        return Decimal(value)
    if typ == "double":
        return float(value)
    if typ == "date":
        return datetime.date.fromisoformat(value)
    if typ == "timestamp":
        return datetime.datetime.fromisoformat(value)
    if typ == "boolean":
        return {"true": True, "false": False}[value]
    return value


def read_json(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


def load_tables():
    """Every CSV file once, typed by tables.json (a file has the same columns in every scenario)."""
    spec = read_json("tables.json")
    out = {}
    for sc in spec["scenarios"].values():
        for t in sc["tables"]:
            if t["name"] in out:
                continue
            types = [(c["name"], c["type"]) for c in t["columns"]]
            with open(os.path.join(HERE, "tables", t["file"]), newline="") as f:
                r = csv.reader(f)
                header = next(r)
                assert header == [n for n, _ in types], (t["file"], header)
                out[t["name"]] = [{n: parse(v, ty) for (n, ty), v in zip(types, row)} for row in r]
    return out


# ---------------------------------------------------------------- helpers

def join(left, right, on):
    """Inner join of rows (dicts of alias -> row); on(l, r) -> bool."""
    return [{**l, **r} for l in left for r in right if on(l, r)]


def left_join(left, right, on, alias, columns):
    out = []
    for l in left:
        m = [{**l, **r} for r in right if on(l, r)]
        out.extend(m or [{**l, alias: {c: None for c in columns}}])
    return out


def rows_of(table, alias):
    return [{alias: r} for r in T[table]]


def eq(a, b):
    """SQL '=': NULL never matches."""
    return a is not None and b is not None and a == b


def group(rows, key):
    groups = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return groups


def count_distinct(rows, f):
    return len({f(r) for r in rows if f(r) is not None})


def count(rows, f):
    return sum(1 for r in rows if f(r) is not None)


def ssum(rows, f):
    vals = [f(r) for r in rows if f(r) is not None]
    return sum(vals) if vals else None


def avg(rows, f):
    vals = [f(r) for r in rows if f(r) is not None]
    if not vals:
        return None
    if isinstance(vals[0], Decimal):
        return sum(vals) / Decimal(len(vals))
    return sum(float(v) for v in vals) / len(vals)


def smax(rows, f):
    vals = [f(r) for r in rows if f(r) is not None]
    return max(vals) if vals else None


def keep(rows, constraints):
    """The output constraints of the tables read: [(alias, column, minimum)]."""
    return all(count_distinct(rows, lambda r, a=a, c=c: r[a][c]) >= m for a, c, m in constraints)


def round_half_up(x, n):
    if x is None:
        return None
    q = Decimal(1).scaleb(-n)
    return Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)


def null_first(v):
    """Sort key for Spark's ascending order: NULLs first."""
    return (v is not None, v if v is not None else 0)


# Output constraints of the aggregation scenario (tables.json): minimum distinct values.
C_CUST = ("c", "customer_id", 2)
C_PURCH = ("p", "customer_id", 2)
C_IMPR = ("i", "email", 3)


# ---------------------------------------------------------------- aggregation cases

def agg_city_count():
    g = group(rows_of("customers", "c"), lambda r: r["c"]["city"])
    return ["city", "customers"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                                   for k, v in g.items() if keep(v, [C_CUST])]


def cust_purch():
    return join(rows_of("customers", "c"), rows_of("purchases", "p"),
                lambda l, r: eq(l["c"]["customer_id"], r["p"]["customer_id"]))


def cust_impr():
    return join(rows_of("impressions", "i"), rows_of("customers", "c"),
                lambda l, r: eq(l["i"]["email"], r["c"]["email"]))


def agg_join_city_revenue():
    g = group(cust_purch(), lambda r: r["c"]["city"])
    return ["city", "revenue", "buyers"], [
        [k, ssum(v, lambda r: r["p"]["amount"]), count_distinct(v, lambda r: r["p"]["customer_id"])]
        for k, v in g.items() if keep(v, [C_CUST, C_PURCH])]


def agg_backticks_in():
    rows = [r for r in rows_of("customers", "c") if r["c"]["city"] in ("Seattle", "Austin")]
    g = group(rows, lambda r: r["c"]["age_band"])
    return ["age_band", "n"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                               for k, v in g.items() if keep(v, [C_CUST])]


def agg_partner_campaign_reach():
    g = group(cust_impr(), lambda r: r["i"]["campaign"])
    out = [[k, count_distinct(v, lambda r: r["i"]["email"]), ssum(v, lambda r: r["i"]["clicks"]),
            round_half_up(ssum(v, lambda r: r["i"]["cost"]), 2)]
           for k, v in g.items() if keep(v, [C_IMPR, C_CUST])]
    return ["campaign", "reach", "clicks", "spend"], sorted(out, key=lambda r: null_first(r[0]))


def agg_strictest_minimum():
    rows = [r for r in cust_impr() if r["i"]["campaign"] == "spring"]
    g = group(rows, lambda r: r["c"]["loyalty"])
    return ["loyalty", "customers"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                                      for k, v in g.items() if keep(v, [C_CUST, C_IMPR])]


def agg_having():
    g = group(rows_of("purchases", "p"), lambda r: r["p"]["category"])
    out = []
    for k, v in g.items():
        units = ssum(v, lambda r: r["p"]["quantity"])
        if units is not None and units > 10 and keep(v, [C_PURCH]):
            out.append([k, units])
    return ["category", "units"], out


def agg_having_or_keeps_constraint():
    g = group(rows_of("purchases", "p"), lambda r: r["p"]["purchase_date"])
    out = []
    for k, v in g.items():
        units = ssum(v, lambda r: r["p"]["quantity"])
        if units is not None and (units >= 1 or units < 1) and keep(v, [C_PURCH]):
            out.append([k, units])
    return ["purchase_date", "units"], out


def agg_global():
    v = rows_of("purchases", "p")
    row = [count_distinct(v, lambda r: r["p"]["customer_id"]), ssum(v, lambda r: r["p"]["amount"]),
           avg(v, lambda r: r["p"]["quantity"])]
    return ["buyers", "revenue", "avg_qty"], [row] if keep(v, [C_PURCH]) else []


def agg_global_below_minimum():
    v = [r for r in rows_of("customers", "c") if r["c"]["city"] == "Boston"]
    return ["n"], [[count_distinct(v, lambda r: r["c"]["customer_id"])]] if keep(v, [C_CUST]) else []


def agg_coalesce_dimension():
    g = group(rows_of("customers", "c"), lambda r: r["c"]["city"] if r["c"]["city"] is not None else "unknown")
    return ["city", "n"], [[k, count(v, lambda r: r["c"]["customer_id"])] for k, v in g.items() if keep(v, [C_CUST])]


def agg_to_char_month():
    g = group(rows_of("purchases", "p"), lambda r: r["p"]["purchase_date"].strftime("%Y-%m"))
    out = [[k, ssum(v, lambda r: r["p"]["amount"]), count(v, lambda r: r["p"]["purchase_id"])]
           for k, v in g.items() if keep(v, [C_PURCH])]
    return ["month", "revenue", "orders"], sorted(out)


def agg_dateadd_where():
    since = D(2025, 12, 31) - datetime.timedelta(days=200)
    rows = [r for r in rows_of("customers", "c") if r["c"]["signup_date"] >= since]
    g = group(rows, lambda r: r["c"]["city"])
    return ["city", "n"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                           for k, v in g.items() if keep(v, [C_CUST])]


def agg_round_avg():
    rows = [r for r in rows_of("purchases", "p") if r["p"]["category"] is not None]
    g = group(rows, lambda r: r["p"]["category"])
    return ["category", "avg_amount"], [[k, round_half_up(avg(v, lambda r: r["p"]["amount"]), 2)]
                                        for k, v in g.items() if keep(v, [C_PURCH])]


def agg_three_way():
    rows = join(cust_purch(), rows_of("impressions", "i"), lambda l, r: eq(l["c"]["email"], r["i"]["email"]))
    g = group(rows, lambda r: r["i"]["campaign"])
    return ["campaign", "revenue", "customers"], [
        [k, ssum(v, lambda r: r["p"]["amount"]), count_distinct(v, lambda r: r["c"]["customer_id"])]
        for k, v in g.items() if keep(v, [C_CUST, C_PURCH, C_IMPR])]


def agg_like_between():
    rows = [r for r in rows_of("customers", "c")
            if D(2025, 2, 1) <= r["c"]["signup_date"] <= D(2025, 8, 31)
            and r["c"]["age_band"] is not None and r["c"]["age_band"][:1] in ("3", "4")]
    g = group(rows, lambda r: r["c"]["age_band"])
    return ["age_band", "n"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                               for k, v in g.items() if keep(v, [C_CUST])]


def agg_boolean_ordered():
    rows = [r for r in rows_of("customers", "c") if r["c"]["loyalty"] is not None]
    g = group(rows, lambda r: r["c"]["loyalty"])
    out = [[k, count(v, lambda r: r["c"]["customer_id"])] for k, v in g.items() if keep(v, [C_CUST])]
    return ["loyalty", "n"], sorted(out)


def agg_two_dimensions_ordered():
    rows = [r for r in cust_purch() if r["p"]["category"] is not None]
    g = group(rows, lambda r: (r["p"]["category"], r["c"]["city"]))
    out = [[k[0], k[1], ssum(v, lambda r: r["p"]["quantity"])] for k, v in g.items() if keep(v, [C_CUST, C_PURCH])]
    return ["category", "city", "units"], sorted(out, key=lambda r: (null_first(r[0]), null_first(r[1])))


def agg_extract_floor_ceiling():
    g = group(rows_of("purchases", "p"), lambda r: r["p"]["purchase_date"].month)
    out = []
    for k, v in g.items():
        if keep(v, [C_PURCH]):
            s = ssum(v, lambda r: r["p"]["amount"])
            a = avg(v, lambda r: r["p"]["quantity"])
            out.append([k, s.to_integral_value(rounding=ROUND_FLOOR),
                        Decimal(str(a)).to_integral_value(rounding=ROUND_CEILING)])
    return ["m", "revenue_floor", "avg_qty_ceil"], out


def agg_nulls_in_aggregates():
    g = group(rows_of("purchases", "p"), lambda r: r["p"]["category"])
    return ["category", "orders", "revenue", "avg_amount"], [
        [k, count(v, lambda r: r["p"]["purchase_id"]), ssum(v, lambda r: r["p"]["amount"]),
         avg(v, lambda r: r["p"]["amount"])]
        for k, v in g.items() if keep(v, [C_PURCH])]


def agg_upper_device():
    g = group(cust_impr(), lambda r: (r["i"]["device"] or "unknown").upper())
    return ["device", "clicks", "reach"], [
        [k, ssum(v, lambda r: r["i"]["clicks"]), count_distinct(v, lambda r: r["i"]["email"])]
        for k, v in g.items() if keep(v, [C_IMPR, C_CUST])]


def agg_math_scalars():
    rows = [r for r in rows_of("purchases", "p") if r["p"]["category"] is not None]
    g = group(rows, lambda r: r["p"]["category"].upper().rstrip().strip())
    out = []
    for k, v in g.items():
        if keep(v, [C_PURCH]):
            units = ssum(v, lambda r: r["p"]["quantity"])
            out.append([k, abs(units), round_half_up(math.sqrt(units), 3),
                        round_half_up(math.log(float(ssum(v, lambda r: r["p"]["amount"]))), 4)])
    return ["cat", "units", "root", "ln_revenue"], out


def agg_nulls_first_order():
    cols, rows = agg_city_count()
    return cols, sorted(rows, key=lambda r: null_first(r[0]))


def agg_alias_shadows_table_name():
    # customers under the alias purchases: customers' rule and constraint.
    cols, rows = agg_city_count()
    return ["city", "n"], rows


def agg_case_insensitive_names():
    rows = [r for r in rows_of("customers", "c") if r["c"]["age_band"] == "25-34"]
    g = group(rows, lambda r: r["c"]["city"])
    return ["City_Name", "N"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])]
                                for k, v in g.items() if keep(v, [C_CUST])]


def agg_group_by_ordinal():
    return agg_city_count()


def agg_group_by_alias():
    cols, rows = agg_coalesce_dimension()
    return ["town", "n"], rows


# ---------------------------------------------------------------- list cases

def distinct(rows):
    out = []
    for r in rows:
        if r not in out:
            out.append(r)
    return out


def cust_seg():
    return join(rows_of("customers", "c"), rows_of("segments", "s"), lambda l, r: eq(l["c"]["email"], r["s"]["email"]))


def list_city_segment():
    return ["city", "segment"], distinct([[r["c"]["city"], r["s"]["segment"]] for r in cust_seg()])


def list_where():
    rows = [r for r in cust_seg() if r["s"]["score"] is not None and r["s"]["score"] >= 60 and r["c"]["loyalty"] is True]
    return ["segment", "age_band"], distinct([[r["s"]["segment"], r["c"]["age_band"]] for r in rows])


def list_transitive_join():
    rows = join(cust_seg(), rows_of("impressions", "i"), lambda l, r: eq(l["s"]["email"], r["i"]["email"]))
    return ["campaign", "segment"], distinct([[r["i"]["campaign"], r["s"]["segment"]] for r in rows])


def list_limit():
    rows = [r for r in cust_impr() if r["i"]["device"] == "tv"]
    out = distinct([[r["c"]["city"]] for r in rows])
    assert len(out) <= 10  # LIMIT 10 keeps everything
    return ["city"], out


def list_aliases_backticks():
    rows = [r for r in cust_impr() if r["i"]["campaign"] in ("spring", "fall")]
    return ["member", "screen"], distinct([[r["c"]["loyalty"], r["i"]["device"]] for r in rows])


def list_is_null():
    rows = [r for r in cust_seg() if r["s"]["segment"] is None or r["s"]["score"] is None]
    return ["city"], distinct([[r["c"]["city"]] for r in rows])


# ---------------------------------------------------------------- custom cases

def custom_top2_per_city():
    rows = [r for r in cust_purch() if r["p"]["amount"] is not None]
    out = []
    for city, v in group(rows, lambda r: r["c"]["city"]).items():
        v = sorted(v, key=lambda r: r["p"]["amount"], reverse=True)
        # Ties at the cut would make ROW_NUMBER arbitrary; the data has none that matter.
        if len(v) > 2:
            assert v[1]["p"]["amount"] != v[2]["p"]["amount"] or v[1] == v[2], city
        out += [[city, r["c"]["name"], r["p"]["amount"]] for r in v[:2]]
    return ["city", "name", "amount"], out


def custom_left_join_nvl():
    rows = left_join(rows_of("customers", "c"), rows_of("purchases", "p"),
                     lambda l, r: eq(l["c"]["customer_id"], r["p"]["customer_id"]), "p", ["amount"])
    g = group(rows, lambda r: (r["c"]["customer_id"], r["c"]["name"]))
    out = []
    for (cid, name), v in g.items():
        s = ssum(v, lambda r: r["p"]["amount"])
        out.append([cid, name, s if s is not None else 0])
    return ["customer_id", "name", "spent"], sorted(out)


def custom_union_distinct():
    a = [["city", r["city"]] for r in T["customers"] if r["city"] is not None]
    b = [["campaign", r["campaign"]] for r in T["impressions"]]
    return ["kind", "label"], distinct(a + b)


def custom_cte_partner_rollup():
    reach = {}
    for r in T["impressions"]:
        n, clicks = reach.get(r["email"], (0, None))
        if r["clicks"] is not None:
            clicks = (clicks or 0) + r["clicks"]
        reach[r["email"]] = (n + 1, clicks)
    rows = [{"c": c, "r": {"n": reach[c["email"]][0], "clicks": reach[c["email"]][1]}}
            for c in T["customers"] if c["email"] in reach]
    g = group(rows, lambda r: r["c"]["city"])
    return ["city", "impressions", "clicks"], [
        [k, ssum(v, lambda r: r["r"]["n"]), ssum(v, lambda r: r["r"]["clicks"])] for k, v in g.items()]


def custom_date_add_datediff():
    return ["purchase_id", "due", "age_days"], [
        [r["purchase_id"], r["purchase_date"] + datetime.timedelta(days=30), (D(2026, 4, 1) - r["purchase_date"]).days]
        for r in T["purchases"] if r["category"] == "electronics"]


def concat_ws(sep, *parts):
    return sep.join(p for p in parts if p is not None)


def custom_concat_ws():
    return ["customer_id", "label"], [
        [r["customer_id"], concat_ws(" / ", r["city"] and r["city"].upper(), r["age_band"] and r["age_band"].lower(), r["name"])]
        for r in T["customers"] if r["customer_id"] in (2, 4, 8, 12)]


def custom_to_date_format():
    out = []
    for r in T["purchases"]:
        if r["customer_id"] == 14:
            d = r["purchase_date"]
            s = concat_ws("/", "01", d.strftime("%m"), d.strftime("%Y"))
            out.append([r["purchase_id"], d.strftime("%Y-%m"), datetime.datetime.strptime(s, "%d/%m/%Y").date()])
    return ["purchase_id", "ym", "month_start"], out


def custom_coalesce_cast_round():
    out = []
    for r in T["purchases"]:
        if r["customer_id"] in (8, 11):
            q = r["quantity"] if r["quantity"] is not None else 0
            tax = None if r["amount"] is None else round_half_up(float(r["amount"]) * 1.08, 2)
            out.append([r["purchase_id"], str(q), tax])
    return ["purchase_id", "qty_text", "with_tax"], out


def custom_running_sum():
    rows = [r for r in T["purchases"] if r["customer_id"] in (1, 2, 14)]
    out = []
    for _, v in group(rows, lambda r: r["customer_id"]).items():
        total = None
        for r in sorted(v, key=lambda r: (r["purchase_date"], r["purchase_id"])):
            if r["amount"] is not None:
                total = (total or 0) + r["amount"]
            out.append([r["purchase_id"], r["purchase_date"], total])
    return ["purchase_id", "purchase_date", "running"], out


def custom_order_nulls_first():
    rows = [[r["name"], r["city"]] for r in T["customers"] if r["customer_id"] <= 8]
    return ["name", "city"], sorted(rows, key=lambda r: (null_first(r[1]), r[0]))


def custom_star_allowed():
    cols = ["purchase_id", "customer_id", "amount", "purchase_date", "category", "quantity"]
    return cols, [[r[c] for c in cols] for r in T["purchases"]
                  if r["category"] == "snacks" and r["quantity"] is not None and r["quantity"] >= 3]


def custom_in_subquery():
    travel = {r["email"] for r in T["segments"] if r["segment"] == "travel"}
    return ["name"], [[r["name"]] for r in T["customers"] if r["email"] in travel]


def custom_case_if():
    out = []
    for r in T["customers"]:
        if 4 <= r["customer_id"] <= 8:
            status = "member" if r["loyalty"] is True else ("unknown" if r["loyalty"] is None else "guest")
            out.append([r["customer_id"], status, 1 if r["city"] == "Seattle" else 0])
    return ["customer_id", "status", "is_sea"], out


def custom_count_star_ordered():
    out = [[k if k is not None else "none", len(v), smax(v, lambda r: r["score"])]
           for k, v in group(T["segments"], lambda r: r["segment"]).items()]
    return ["seg", "n", "best"], sorted(out, key=lambda r: (-r[1], r[0]))


def custom_trunc_month():
    g = group(T["purchases"], lambda r: r["purchase_date"].replace(day=1))
    out = [[k, len(v), ssum(v, lambda r: r["amount"])] for k, v in g.items()]
    return ["month", "orders", "revenue"], sorted(out)


def custom_disallowed_in_join_and_filter():
    rows = [r for r in cust_impr() if r["i"]["email"].endswith("@example.com") and r["c"]["city"] is not None]
    g = group(rows, lambda r: (r["c"]["city"], r["i"]["campaign"]))
    return ["city", "campaign", "n"], [[k[0], k[1], len(v)] for k, v in g.items()]


def custom_string_functions():
    return ["customer_id", "short", "len", "safe"], [
        [r["customer_id"], r["name"][:3], len(r["name"]), r["name"].replace(",", ";")]
        for r in T["customers"] if r["customer_id"] in (2, 4, 12)]


def custom_union_all():
    a = [["purchase", r["customer_id"]] for r in T["purchases"] if r["amount"] is not None and r["amount"] > 100]
    b = [["customer", r["customer_id"]] for r in T["customers"] if r["city"] == "Denver"]
    c = [["purchase", r["customer_id"]] for r in T["purchases"] if r["purchase_id"] == "p04"]
    return ["kind", "id"], a + b + c


def custom_decimal_arithmetic():
    rows = [r for r in T["purchases"] if r["category"] is not None]
    g = group(rows, lambda r: r["category"])
    return ["category", "gross"], [
        [k, ssum(v, lambda r: None if r["amount"] is None or r["quantity"] is None else r["amount"] * r["quantity"])]
        for k, v in g.items()]


def custom_alias_named_like_disallowed():
    return ["email"], [[r["name"]] for r in T["customers"] if r["customer_id"] == 7]


def custom_cte_union_all_limit():
    reached = [(r["c"]["customer_id"], r["i"]["campaign"]) for r in cust_impr()]
    reached += [(r["c"]["customer_id"], r["s"]["segment"]) for r in cust_seg()]
    users = {}
    for uid, label in reached:
        if label is not None:
            users.setdefault(label, set()).add(uid)
    out = sorted(([k, len(v)] for k, v in users.items()), key=lambda r: (-r[1], r[0]))
    return ["label", "users"], out[:5]


def custom_integer_division():
    rows = [r for r in T["purchases"] if r["category"] is not None]
    return ["category", "units_per_order"], [
        [k, ssum(v, lambda r: r["quantity"]) / len(v)] for k, v in group(rows, lambda r: r["category"]).items()]


def add_months(d, n):
    """Spark add_months: same day of month, clamped to the month's last day."""
    y, m = divmod(d.month - 1 + n, 12)
    first = D(d.year + y, m + 1, 1)
    return min(first + datetime.timedelta(days=d.day - 1), last_day(first))


def last_day(d):
    nxt = D(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - datetime.timedelta(days=1)


def custom_date_functions():
    return ["purchase_id", "prev_day", "next_month", "month_end", "y", "m"], [
        [r["purchase_id"], r["purchase_date"] - datetime.timedelta(days=1), add_months(r["purchase_date"], 1),
         last_day(r["purchase_date"]), r["purchase_date"].year, r["purchase_date"].month]
        for r in T["purchases"] if r["purchase_id"] in ("p05", "p14", "p27")]


def custom_cast_decimal_to_int():
    # int() of a Decimal truncates toward zero, as Spark's cast does.
    return ["purchase_id", "whole"], [[r["purchase_id"], int(r["amount"])]
                                      for r in T["purchases"] if r["purchase_id"] in ("p05", "p09", "p25")]


def custom_substring_zero():
    # Spark: a start position of 0 is the first character.
    return ["customer_id", "c3"], [[r["customer_id"], r["city"][0:3]] for r in T["customers"] if r["customer_id"] in (1, 3)]


def custom_disallowed_in_order_by():
    rows = sorted((r for r in T["customers"] if r["customer_id"] in (2, 5, 9, 16)), key=lambda r: r["email"], reverse=True)
    return ["name"], [[r["name"]] for r in rows]


def custom_qualified_star_of_allowed_table():
    cols = ["purchase_id", "customer_id", "amount", "purchase_date", "category", "quantity"]
    return cols, [[r["p"][c] for c in cols] for r in cust_purch() if r["c"]["city"] == "Denver"]


def custom_lag():
    rows = [r for r in T["purchases"] if r["customer_id"] in (3, 14)]
    out = []
    for _, v in group(rows, lambda r: r["customer_id"]).items():
        prev = None
        for r in sorted(v, key=lambda r: (r["purchase_date"], r["purchase_id"])):
            out.append([r["purchase_id"], prev])
            prev = r["amount"]
    return ["purchase_id", "previous"], out


def custom_join_using():
    g = group(cust_purch(), lambda r: r["c"]["city"])
    return ["city", "revenue"], [[k, ssum(v, lambda r: r["p"]["amount"])] for k, v in g.items()]


def custom_backslash_escape_in_literal():
    return ["customer_id", "city"], [[r["customer_id"], r["city"]] for r in T["customers"] if r["name"] == "O'Brien, Ben"]


# ---------------------------------------------------------------- template cases

def tpl_city_param():
    return ["name", "age_band"], [[r["name"], r["age_band"]] for r in T["customers"] if r["city"] == "Portland"]


def tpl_injection_is_data():
    return ["name", "age_band"], [[r["name"], r["age_band"]] for r in T["customers"] if r["city"] == "x' OR '1'='1"]


def tpl_injection_backslash():
    return ["name", "age_band"], [[r["name"], r["age_band"]] for r in T["customers"] if r["city"] == "x\\' OR 1=1 --"]


def tpl_like_pattern():
    return ["name"], [[r["name"]] for r in T["customers"] if ", " in r["name"]]


def tpl_quote_in_value():
    return ["customer_id", "city"], [[r["customer_id"], r["city"]] for r in T["customers"] if r["name"] == "O'Brien, Ben"]


def tpl_typed_and_default():
    rows = [r for r in cust_purch() if r["p"]["purchase_date"] >= D(2026, 3, 1)
            and r["p"]["quantity"] is not None and r["p"]["quantity"] >= 2]
    g = group(rows, lambda r: r["c"]["city"])
    return ["city", "revenue"], [[k, ssum(v, lambda r: r["p"]["amount"])] for k, v in g.items()]


def tpl_partner_double_param():
    rows = [r for r in cust_impr() if r["i"]["cost"] is not None and r["i"]["cost"] <= 0.5]
    g = group(rows, lambda r: r["i"]["campaign"])
    return ["campaign", "customers"], [[k, count_distinct(v, lambda r: r["c"]["customer_id"])] for k, v in g.items()]


# ---------------------------------------------------------------- output

def norm(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else round(float(v), 6)
    if isinstance(v, float):
        return int(v) if v.is_integer() else round(v, 6)
    if isinstance(v, datetime.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, datetime.date):
        return v.isoformat()
    raise TypeError(repr(v))


def sort_key(row):
    return json.dumps(row, sort_keys=True)


def compute():
    global T
    T = load_tables()
    cases = read_json("cases.json")["cases"]
    out = {}
    for c in cases:
        if "refuse" in c:
            continue
        fn = globals().get(c["name"])
        if fn is None:
            raise SystemExit("expect.py: no function for accepted case %s" % c["name"])
        cols, rows = fn()
        rows = [[norm(v) for v in r] for r in rows]
        ordered = bool(c.get("ordered"))
        if not ordered:
            rows.sort(key=sort_key)
        out[c["name"]] = {"columns": cols, "ordered": ordered, "rows": rows}
    return out


def render(out):
    lines = ["{"]
    names = list(out)
    for i, n in enumerate(names):
        e = out[n]
        lines.append("  %s: {" % json.dumps(n))
        lines.append('    "columns": %s,' % json.dumps(e["columns"]))
        lines.append('    "ordered": %s,' % json.dumps(e["ordered"]))
        if e["rows"]:
            lines.append('    "rows": [')
            lines.append(",\n".join("      " + json.dumps(r) for r in e["rows"]))
            lines.append("    ]")
        else:
            lines.append('    "rows": []')
        lines.append("  }" + ("," if i < len(names) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    text = render(compute())
    path = os.path.join(HERE, "expected.json")
    if "--check" in sys.argv[1:]:
        cur = ""
        if os.path.exists(path):
            with open(path) as f:
                cur = f.read()
        if cur != text:
            sys.stderr.write("expected.json is stale: run python3 %s\n" % os.path.relpath(__file__))
            return 1
        return 0
    with open(path, "w") as f:
        f.write(text)
    return 0


T = {}

if __name__ == "__main__":
    sys.exit(main())
