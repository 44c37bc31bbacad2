"""The protected-query corpus (internal/corpus/testdata) is consistent with its independent oracle.

expect.py computes the expected rows of every accepted case from the CSV files in plain Python
(no SQL engine); this test re-runs it and fails when the committed expected.json differs, when a
case lacks an expectation, or when the corpus no longer covers what issue 8 asks for. The Go test
internal/corpus (cgo) runs the same cases through package query and the DuckDB engine.
Standard library only; no server needed.
"""
import importlib.util
import json
import os
import unittest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TESTDATA = os.path.join(REPO_ROOT, "internal", "corpus", "testdata")


def load_expect():
    spec = importlib.util.spec_from_file_location("corpus_expect", os.path.join(TESTDATA, "expect.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class CorpusExpectations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.expect = load_expect()
        with open(os.path.join(TESTDATA, "cases.json")) as f:
            cls.cases = json.load(f)["cases"]
        with open(os.path.join(TESTDATA, "tables.json")) as f:
            cls.tables = json.load(f)
        with open(os.path.join(TESTDATA, "expected.json")) as f:
            cls.expected = json.load(f)

    def test_committed_expectations_match_the_oracle(self):
        with open(os.path.join(TESTDATA, "expected.json")) as f:
            committed = f.read()
        fresh = self.expect.render(self.expect.compute())
        self.assertEqual(committed, fresh, "expected.json is stale: run python3 internal/corpus/testdata/expect.py")

    def test_every_case_is_well_formed(self):
        names = [c["name"] for c in self.cases]
        self.assertEqual(len(names), len(set(names)), "duplicate case names")
        accepted = [c["name"] for c in self.cases if "refuse" not in c]
        self.assertEqual(sorted(accepted), sorted(self.expected), "accepted cases and expected.json differ")
        for c in self.cases:
            with self.subTest(case=c["name"]):
                self.assertIn(c["scenario"], self.tables["scenarios"])
                self.assertRegex(c["querier"], r"^\d{12}$")
                self.assertTrue(c["sql"].strip())
                if "refuse" in c:
                    self.assertTrue(c["refuse"] and all(s.strip() for s in c["refuse"]))
                    self.assertNotIn("ordered", c)
                if "params" in c or "parameters" in c:
                    self.assertIn("templateArn", c)
                    declared = {p["name"] for p in c.get("parameters", [])}
                    for p in c.get("parameters", []):
                        self.assertIn(p["type"], ("VARCHAR", "STRING", "INTEGER", "DOUBLE", "DATE"))
                    if "refuse" not in c:
                        self.assertLessEqual(set(c.get("params", {})), declared)

    def test_corpus_covers_issue_8(self):
        accepted = [c for c in self.cases if "refuse" not in c]
        refused = [c for c in self.cases if "refuse" in c]
        self.assertGreaterEqual(len(self.cases), 45)
        self.assertGreaterEqual(len(accepted), 30)
        self.assertGreaterEqual(len(refused), 12)
        for scenario in self.tables["scenarios"]:
            self.assertTrue(any(c["scenario"] == scenario for c in accepted), scenario)
        sql = " ".join(c["sql"].lower() for c in accepted)
        for construct in ("`", "date_add(", "datediff(", "nvl(", "concat_ws(", "to_date(", "coalesce(",
                          "cast(", "round(", "lower(", "upper(", "dateadd(", "to_char(", "trunc(", " over (",
                          "with ", "left join", "union", "having", "distinct", "limit"):
            self.assertIn(construct, sql, construct)
        injection = [c for c in accepted if "x' OR '1'='1" in c.get("params", {}).values()]
        self.assertTrue(injection, "no template-parameter injection case")
        self.assertEqual(self.expected[injection[0]["name"]]["rows"], [])

    def test_the_oracle_uses_no_sql_engine(self):
        with open(os.path.join(TESTDATA, "expect.py")) as f:
            src = f.read()
        for banned in ("import duckdb", "import sqlite3", "from duckdb", "from sqlite3", "pandas"):
            self.assertNotIn(banned, src)

    def test_output_constraints_drop_groups(self):
        # Hand-checked: Boston has one customer (minimum 2); the loyalty=false spring group has two
        # customers, enough for the querier's minimum 2 but not the partner's 3.
        out = self.expect.compute()
        self.assertNotIn("Boston", [r[0] for r in out["agg_city_count"]["rows"]])
        self.assertEqual(out["agg_strictest_minimum"]["rows"], [[True, 3]])
        self.assertEqual(out["agg_global_below_minimum"]["rows"], [])


if __name__ == "__main__":
    unittest.main()
