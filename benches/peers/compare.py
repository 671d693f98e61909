"""Checks that kpi, DuckDB and pandas give the same scores: every
(employee, period) of each, its total score equal to the cent, or missing
in all three. A score one cent apart is accepted only where the exact
total (the monthly sums as fractions) is a half cent that kpi rounds half
up and the peers, rounding a float just below it, round down; those are
counted. Prints the number of scores compared; exits 1 on any other
difference."""
import math
import os
import sys
from fractions import Fraction as F

import pandas as pd

key = ["employee_id", "period"]


def exact_ties(rows):
    """The keys of `rows` whose exact total (monthly sums as fractions, the
    scheme of scores.sql) ends in half a cent, where kpi has it rounded half
    up and both peers one cent lower."""
    import duckdb

    daily = "data/employee_daily.parquet"
    if not os.path.exists(daily):
        daily = "data/employee_daily/**/*.parquet"
    wanted = rows[key].drop_duplicates()
    sums = duckdb.sql(
        f"""SELECT employee_id, strftime(date, '%Y-%m') AS period, sum(inquiries) i,
                   sum(order_buyers) ob, sum(paid_buyers) pb,
                   sum(round(cs_sales * 100)::BIGINT) sales, sum(responses) r,
                   sum(response_seconds) rs
            FROM read_parquet('{daily}') JOIN wanted USING (employee_id)
            WHERE strftime(date, '%Y-%m') IN (SELECT period FROM wanted)
            GROUP BY ALL"""
    ).fetchall()

    def bands(x, edges):
        return 0 if x is None else max([0] + [p for e, p in zip(edges, [80, 90, 100]) if x >= e])

    ties = set()
    keys = set(map(tuple, wanted.values))
    for employee_id, period, i, ob, pb, sales, r, rs in sums:
        if (employee_id, period) not in keys:
            continue
        conv = F(int(ob), int(i)) if i else None
        pay = F(int(pb), int(ob)) if ob else None
        aov = F(int(sales), 100 * int(pb)) if pb else None
        resp = F(int(rs), int(r)) if r else None
        p4 = 0 if resp is None else max(0, min(100, 100 - 2 * max(0, resp - 32)))
        total = (
            35 * bands(conv, [F(1, 5), F(3, 10), F(1, 2)])
            + 25 * bands(pay, [F(3, 5), F(4, 5), F(9, 10)])
            + 20 * bands(aov, [50, 80, 120])
            + 20 * p4
        ) / 100
        if (total * 1000) % 10 != 5:
            continue
        up = F(math.floor(total * 100 + F(1, 2)), 100)
        row = rows[(rows.employee_id == employee_id) & (rows.period == period)].iloc[0]
        cents = lambda v: round(v * 100)
        if cents(row.total_score) == up * 100 and all(
            cents(row[c]) == up * 100 - 1 for c in ["total_score_duckdb", "total_score_pandas"]
        ):
            ties.add((employee_id, period))
    return ties


kpi = pd.read_csv("kpi-out/scores.csv", usecols=key + ["total_score"])
duck = pd.read_csv("duckdb_scores.csv")
pand = pd.read_csv("pandas_scores.csv")
m = kpi.merge(duck, on=key, how="outer", suffixes=("", "_duckdb"), indicator="in_duckdb")
m = m.merge(pand.rename(columns={"total_score": "total_score_pandas"}), on=key, how="outer", indicator="in_pandas")
bad = (m["in_duckdb"] != "both") | (m["in_pandas"] != "both")
for other in ["total_score_duckdb", "total_score_pandas"]:
    both_missing = m["total_score"].isna() & m[other].isna()
    close = (m["total_score"] - m[other]).abs() < 0.005
    bad |= ~(both_missing | close)
ties = exact_ties(m[bad]) if bad.any() else set()
unexplained = bad & ~m.set_index(key).index.isin(list(ties))
if unexplained.any():
    print(f"scores differ on {int(unexplained.sum())} of {len(m)} employee-months:")
    print(m[unexplained].head(10).to_string())
    sys.exit(1)
print(f"scores agree: {len(m)} employee-months ({int(m['total_score'].notna().sum())} scored)")
if ties:
    print(
        f"  but for {len(ties)} whose exact total is a half cent (checked with fractions):"
        " kpi rounds it half up, as the scheme says; DuckDB and pandas round the float"
        " just below it down"
    )
