"""Writes the peer benchmark's workload: `staff` customer-service employees
x `days` days of daily rows, as one Parquet file (employee_id, date,
receptions, inquiries, order_buyers, paid_buyers, cs_sales, responses,
response_seconds), with `employees.csv` and an `attendance.csv` with a
period column. Seeded, so every run writes the same data. With
`--full`, the roster also has names and seniority pay, and there are a
`stores.csv` and a `store_daily.parquet` (visitors, buyers, orders and GMV
of each store and day, GMV above its staff's sales): what the whole
customer-service scheme, pay included, needs. With `--partitioned`, the
daily rows are a folder of one Parquet file a month instead
(`employee_daily/year=2025/month=01/part-0.parquet`, the layout a data
lake writes), the same rows.

    python make_workload.py OUT_DIR [--staff 20000] [--days 365] [--full] [--partitioned]
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
parser.add_argument("--full", action="store_true")
parser.add_argument("--partitioned", action="store_true")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
rng = np.random.default_rng(args.seed)
n_staff, n_days = args.staff, args.days
ids = np.array([f"E{i:06d}" for i in range(1, n_staff + 1)])
start = datetime.date(2025, 1, 1)

# The roster: 20 staff a store, 10 a team.
with open(os.path.join(args.out, "employees.csv"), "w", encoding="utf-8") as f:
    extra = ",name,seniority_pay" if args.full else ""
    f.write(f"employee_id,store_id,team_id,role,hire_date{extra}\n")
    for i, e in enumerate(ids):
        store = f"S{i // 20 + 1:04d}"
        extra = f",员工{i + 1},{50 * (i % 5)}.00" if args.full else ""
        f.write(f"{e},{store},{store}-T{i // 10 % 2 + 1},customer_service,2020-01-01{extra}\n")

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
if args.partitioned:
    # One file a month, written month by month from the same rows.
    month_of_row = dates.astype("datetime64[M]")
    for month in np.unique(month_of_row):
        year, mm = str(month).split("-")
        folder = os.path.join(args.out, "employee_daily", f"year={year}", f"month={mm}")
        os.makedirs(folder, exist_ok=True)
        part = table.filter(pa.array(month_of_row == month))
        pq.write_table(part, os.path.join(folder, "part-0.parquet"), compression="snappy")
else:
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
if args.full:
    # Stores of 20 staff: their daily GMV is their staff's sales and as much
    # again from buyers served by no one.
    n_stores = (n_staff + 19) // 20
    store_of = np.arange(n_staff) // 20
    sales = np.zeros((n_stores, n_days))
    np.add.at(sales, (store_of[emp], day), cs_sales)
    store_rng = np.random.default_rng(args.seed + 1)
    gmv = np.round(sales * store_rng.uniform(1.5, 2.5, (n_stores, n_days)), 2).ravel()
    buyers = np.maximum(1, (gmv / store_rng.uniform(80, 140, n_stores * n_days)).astype(np.int64))
    uv = buyers * store_rng.integers(15, 40, n_stores * n_days)
    store_ids = np.array([f"S{i + 1:04d}" for i in range(n_stores)])
    pq.write_table(
        pa.table(
            {
                "store_id": pa.array(np.repeat(store_ids, n_days)),
                "date": pa.array(np.datetime64(start.isoformat(), "D") + np.tile(np.arange(n_days), n_stores), type=pa.date32()),
                "uv": pa.array(uv, type=pa.int64()),
                "buyers": pa.array(buyers, type=pa.int64()),
                "orders": pa.array(buyers + buyers // 10, type=pa.int64()),
                "gmv": pa.array(gmv, type=pa.float64()),
            }
        ),
        os.path.join(args.out, "store_daily.parquet"),
        compression="snappy",
    )
    with open(os.path.join(args.out, "stores.csv"), "w", encoding="utf-8") as f:
        f.write("store_id,name\n")
        for i, s in enumerate(store_ids):
            f.write(f"{s},店铺{i + 1}\n")

print(f"{n} daily rows, {n_staff} staff, {len(months)} months in {args.out}")
