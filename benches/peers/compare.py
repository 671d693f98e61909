"""Checks that kpi, DuckDB and pandas give the same scores: every
(employee, period) of each, its total score equal to the cent, or missing
in all three. Prints the number of scores compared; exits 1 on any
difference."""
import sys

import pandas as pd

key = ["employee_id", "period"]
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
if bad.any():
    print(f"scores differ on {int(bad.sum())} of {len(m)} employee-months:")
    print(m[bad].head(10).to_string())
    sys.exit(1)
print(f"scores agree: {len(m)} employee-months ({int(m['total_score'].notna().sum())} scored)")
