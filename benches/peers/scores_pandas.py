"""The customer-service scheme by hand in pandas (see scores.sql): read the
Parquet (one file or a folder of monthly files), sum by employee and month, ratios of sums, numpy bands, the
per-unit response rule, the weighted total; writes pandas_scores.csv. Run
with the workload folder as the working directory."""
import os

import numpy as np
import pandas as pd

# One file, or the folder of monthly files (its partition columns left out).
daily_path = "data/employee_daily.parquet"
if not os.path.exists(daily_path):
    daily_path = "data/employee_daily"
cols = ["inquiries", "order_buyers", "paid_buyers", "cs_sales", "responses", "response_seconds"]
daily = pd.read_parquet(daily_path, columns=["employee_id", "date"] + cols)
# The month as a number for the group-by; as text only once per group.
daily["month"] = pd.to_datetime(daily["date"]).values.astype("datetime64[M]")
m = daily.groupby(["employee_id", "month"], sort=True)[cols].sum().reset_index()
m["period"] = m["month"].dt.strftime("%Y-%m")


def ratio(num, den):
    den = m[den].astype(float)
    return np.where(den > 0, m[num] / den.where(den > 0, 1), np.nan)


def bands(x, edges, points):
    out = np.zeros(len(x))
    for edge, p in sorted(zip(edges, points)):
        out = np.where(x >= edge, p, out)
    return np.where(np.isnan(x), 0, out)


conv = ratio("order_buyers", "inquiries")
pay = ratio("paid_buyers", "order_buyers")
aov = ratio("cs_sales", "paid_buyers")
resp = ratio("response_seconds", "responses")
p1 = bands(conv, [0.2, 0.3, 0.5], [80, 90, 100])
p2 = bands(pay, [0.6, 0.8, 0.9], [80, 90, 100])
p3 = bands(aov, [50, 80, 120], [80, 90, 100])
p4 = np.where(np.isnan(resp), 0, np.clip(100 - 2 * np.maximum(0, resp - 32), 0, 100))
total = (35 * p1 + 25 * p2 + 20 * p3 + 20 * p4) / 100
# Half-up to 2 places.
total = np.floor(total * 100 + 0.5) / 100
attendance = pd.read_csv("data/attendance.csv")
m = m.merge(attendance, on=["employee_id", "period"], how="left")
m["total_score"] = np.where(m["absent_days"] > 20, np.nan, total)
m[["employee_id", "period", "total_score"]].to_csv("pandas_scores.csv", index=False)
