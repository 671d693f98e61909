"""Writes the peer benchmark's workload: `staff` customer-service employees
x `days` days of daily rows, as one Parquet file (employee_id, date,
receptions, inquiries, order_buyers, paid_buyers, cs_sales, responses,
response_seconds), with `employees.csv` and an `attendance.csv` with a
period column. Seeded, so every run writes the same data.

    python make_workload.py OUT_DIR [--staff 20000] [--days 365]
"""
import argparse
import datetime
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--staff", type=int, default=20_000)
parser.add_argument("--days", type=int, default=365)
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
rng = np.random.default_rng(args.seed)
n_staff, n_days = args.staff, args.days
ids = np.array([f"E{i:06d}" for i in range(1, n_staff + 1)])
start = datetime.date(2025, 1, 1)

# The roster: 20 staff a store, 10 a team.
with open(os.path.join(args.out, "employees.csv"), "w", encoding="utf-8") as f:
    f.write("employee_id,store_id,team_id,role,hire_date\n")
    for i, e in enumerate(ids):
        store = f"S{i // 20 + 1:04d}"
        f.write(f"{e},{store},{store}-T{i // 10 % 2 + 1},customer_service,2020-01-01\n")

# Daily rows, employee by employee: a per-employee skill sets the rates.
n = n_staff * n_days
emp = np.repeat(np.arange(n_staff), n_days)
day = np.tile(np.arange(n_days), n_staff)
skill = rng.uniform(0.6, 1.4, n_staff)[emp]
inquiries = rng.poisson(30 * skill)
# A few days without inquiries: the rates of such a month may be missing.
inquiries[rng.random(n) < 0.02] = 0
order_buyers = rng.binomial(inquiries, np.clip(0.35 * skill, 0, 0.95))
paid_buyers = rng.binomial(order_buyers, np.clip(0.8 * skill, 0, 0.99))
receptions = inquiries + rng.poisson(10, n)
responses = receptions * 3
response_seconds = (responses * rng.uniform(15, 45, n_staff)[emp]).round().astype(np.int64)
cs_sales = np.round(paid_buyers * rng.uniform(40, 160, n), 2)
dates = np.datetime64(start.isoformat(), "D") + day
table = pa.table(
    {
        "employee_id": pa.array(ids[emp]),
        "date": pa.array(dates, type=pa.date32()),
        "receptions": pa.array(receptions, type=pa.int64()),
        "inquiries": pa.array(inquiries, type=pa.int64()),
        "order_buyers": pa.array(order_buyers, type=pa.int64()),
        "paid_buyers": pa.array(paid_buyers, type=pa.int64()),
        "cs_sales": pa.array(cs_sales, type=pa.float64()),
        "responses": pa.array(responses, type=pa.int64()),
        "response_seconds": pa.array(response_seconds, type=pa.int64()),
    }
)
pq.write_table(table, os.path.join(args.out, "employee_daily.parquet"), compression="snappy")

# Attendance per month: 2% of employee-months over the 20 absent days allowed.
months = sorted({(start + datetime.timedelta(days=d)).strftime("%Y-%m") for d in range(n_days)})
with open(os.path.join(args.out, "attendance.csv"), "w", encoding="utf-8") as f:
    f.write("employee_id,period,absent_days\n")
    absent = rng.random((n_staff, len(months)))
    for i, e in enumerate(ids):
        for k, m in enumerate(months):
            days = 22 if absent[i, k] < 0.02 else int(absent[i, k] * 100) % 3
            f.write(f"{e},{m},{days}\n")
print(f"{n} daily rows, {n_staff} staff, {len(months)} months in {args.out}")
