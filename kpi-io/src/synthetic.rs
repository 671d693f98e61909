//! Deterministic synthetic datasets in the data contract (`kpi gen`, `kpi demo`).
//!
//! Every random draw is a hash of the seed and what it is for (store, employee,
//! day, field), so the same options give the same data whatever the order of
//! generation, and adding a store does not change the others.

use polars::prelude::*;

use kpi_core::{ColumnKind, Dataset, Month, Role, Table, days_from_civil, weekday};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Number of stores.
    pub stores: usize,
    /// Staff per store.
    pub employees_per_store: usize,
    /// Number of months of daily rows.
    pub months: usize,
    /// First month.
    pub start: Month,
    /// Random seed.
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            stores: 3,
            employees_per_store: 12,
            months: 14,
            start: Month {
                year: 2024,
                month: 11,
            },
            seed: 42,
        }
    }
}

impl GenOptions {
    /// Sets the number of stores.
    pub fn with_stores(mut self, stores: usize) -> Self {
        self.stores = stores;
        self
    }
    /// Sets the staff per store.
    pub fn with_employees_per_store(mut self, n: usize) -> Self {
        self.employees_per_store = n;
        self
    }
    /// Sets the number of months.
    pub fn with_months(mut self, months: usize) -> Self {
        self.months = months;
        self
    }
    /// Sets the first month.
    pub fn with_start(mut self, start: Month) -> Self {
        self.start = start;
        self
    }
    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Roles in the order staff slots are filled: a manager and customer service
/// first, so small stores still have both.
const ROLE_SLOTS: [Role; 20] = [
    Role::Manager,
    Role::CustomerService,
    Role::CustomerService,
    Role::Operations,
    Role::Warehouse,
    Role::CustomerService,
    Role::Design,
    Role::Promotion,
    Role::CustomerService,
    Role::Campaign,
    Role::Warehouse,
    Role::CustomerService,
    Role::CustomerService,
    Role::Operations,
    Role::Design,
    Role::CustomerService,
    Role::Warehouse,
    Role::CustomerService,
    Role::Promotion,
    Role::CustomerService,
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚",
];

/// A deterministic uniform draw in [0, 1) for `(seed, parts...)`.
fn draw(seed: u64, parts: &[u64]) -> f64 {
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for p in parts {
        h = splitmix(h ^ p.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    }
    (splitmix(h) >> 11) as f64 / (1u64 << 53) as f64
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn between(u: f64, lo: f64, hi: f64) -> f64 {
    lo + u * (hi - lo)
}

/// Field tags for draws.
mod tag {
    pub const STORE: u64 = 1;
    pub const EMPLOYEE: u64 = 2;
    pub const DAY: u64 = 3;
    pub const MONTH: u64 = 4;
}

struct Staff {
    id: String,
    store: usize,
    role: Role,
    hire: i32,
    leave: Option<i32>,
    skill: f64,
    index: u64,
}

impl Staff {
    fn employed(&self, day: i32) -> bool {
        day >= self.hire && self.leave.is_none_or(|l| day < l)
    }
}

/// Multiplier for the weekday and the shopping festivals (618, 双11, 双12).
fn season(day: i32) -> f64 {
    let (_, m, d) = kpi_core::civil_from_days(day);
    let week = match weekday(day) {
        5 => 1.12,
        6 => 1.18,
        _ => 1.0,
    };
    let festival = match (m, d) {
        (6, 1..=17) => 1.3 + 0.04 * d as f64,
        (6, 18) => 3.0,
        (11, 1..=10) => 1.5 + 0.08 * d as f64,
        (11, 11) => 6.0,
        (11, 12..=13) => 1.8,
        (12, 12) => 2.5,
        _ => 1.0,
    };
    week * festival
}

fn cents(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

/// The measures of `employee_daily` each role's rows fill, in the order
/// [`Synthetic::measures`] gives their values.
const CS_MEASURES: [&str; 18] = [
    "receptions",
    "inquiries",
    "order_buyers",
    "paid_buyers",
    "paid_orders",
    "cs_sales",
    "replies",
    "buyer_messages",
    "responses",
    "response_seconds",
    "violations",
    "bad_reviews",
    "complaints",
    "refunds",
    "returns",
    "exchanges",
    "assisted_sales",
    "collected",
];
const WAREHOUSE_MEASURES: [&str; 6] = [
    "shipped_orders",
    "packages",
    "ship_hours",
    "ship_errors",
    "damaged",
    "late_shipments",
];
const MANAGER_MEASURES: [&str; 1] = ["collected"];
const TASK_MEASURES: [&str; 5] = [
    "tasks",
    "tasks_on_time",
    "tasks_passed",
    "tasks_planned",
    "tasks_done",
];

fn measures_of(role: Role) -> &'static [&'static str] {
    match role {
        Role::CustomerService => &CS_MEASURES,
        Role::Warehouse => &WAREHOUSE_MEASURES,
        Role::Manager => &MANAGER_MEASURES,
        _ => &TASK_MEASURES,
    }
}

/// A store's day: its `store_daily` row and what its staff's rows are
/// drawn from.
struct StoreDay {
    row: Vec<V>,
    uv: f64,
    orders: f64,
    gmv_yuan: f64,
}

/// A store's level of traffic, conversion and order value.
#[derive(Clone, Copy)]
struct StoreBase {
    uv: f64,
    cr: f64,
    aov: f64,
}

/// The stores and staff of a generated dataset, from which every table is
/// drawn: the tables that are not daily at once
/// ([`Synthetic::monthly_tables`]), the daily rows for any stores and
/// months ([`Synthetic::daily`]), so that a large history can be written a
/// part at a time.
pub struct Synthetic {
    options: GenOptions,
    months: Vec<Month>,
    /// Store by store, `employees_per_store` each.
    staff: Vec<Staff>,
    employees: DataFrame,
    /// Customer-service and warehouse staff per store (at least one).
    cs_per_store: Vec<usize>,
    warehouse_per_store: Vec<usize>,
    /// Per role, the positions of its measures in `employee_daily`.
    measure_at: Vec<(Role, Vec<usize>)>,
}

/// The stores and months of one part of the daily rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyPart {
    /// Index of the month, from the first.
    pub month: usize,
    /// The month.
    pub period: Month,
    /// Stores, by index.
    pub stores: std::ops::Range<usize>,
    /// The part's number in its month, from 0.
    pub number: usize,
}

impl Synthetic {
    /// Draws the stores and staff.
    pub fn new(options: &GenOptions) -> Self {
        let seed = options.seed;
        let first_day = days_from_civil(options.start.year, options.start.month, 1);
        let end_month = options.start.shift(options.months as i32);
        let end_day = days_from_civil(end_month.year, end_month.month, 1);
        let mut staff = Vec::with_capacity(options.stores * options.employees_per_store);
        let mut employees = Builder::new(Table::Employees);
        for s in 0..options.stores {
            let mut cs_seen = 0;
            for slot in 0..options.employees_per_store {
                let index = (s * options.employees_per_store + slot) as u64;
                let role = ROLE_SLOTS[slot % ROLE_SLOTS.len()];
                let u = |field: u64| draw(seed, &[tag::EMPLOYEE, index, field]);
                let team = match role {
                    Role::CustomerService => {
                        cs_seen += 1;
                        format!("{}-CS{}", store_id(s), (cs_seen - 1) / 4 + 1)
                    }
                    Role::Warehouse => format!("{}-WH", store_id(s)),
                    Role::Manager => format!("{}-MG", store_id(s)),
                    _ => format!("{}-OP", store_id(s)),
                };
                // Most staff predate the history; some join during it, some leave.
                let hire = if u(1) < 0.1 && slot > 0 {
                    first_day + between(u(2), 20.0, (end_day - first_day) as f64 * 0.8) as i32
                } else {
                    first_day - between(u(3), 30.0, 2_000.0) as i32
                };
                let leave = (u(4) < 0.08 && slot > 0)
                    .then(|| {
                        hire.max(first_day)
                            + between(u(5), 60.0, (end_day - first_day) as f64) as i32
                    })
                    .filter(|&d| d < end_day);
                let (base, coefficient) = match role {
                    Role::CustomerService => (3_500.0, 1.0),
                    Role::Operations => (5_000.0, 1.3),
                    Role::Promotion => (4_800.0, 1.2),
                    Role::Campaign => (4_500.0, 1.1),
                    Role::Design => (4_200.0, 1.0),
                    Role::Warehouse => (3_800.0, 0.8),
                    Role::Manager => (8_000.0, 2.0),
                };
                let years = ((first_day - hire).max(0) / 365) as f64;
                let id = format!("E{:04}", index + 1);
                let name = format!(
                    "{}{}{}",
                    SURNAMES[(u(6) * 20.0) as usize],
                    GIVEN[(u(7) * 20.0) as usize],
                    if u(8) < 0.5 {
                        GIVEN[(u(9) * 20.0) as usize]
                    } else {
                        ""
                    }
                );
                employees.row(vec![
                    V::S(id.clone()),
                    V::S(name.clone()),
                    V::S(store_id(s)),
                    V::S(team),
                    V::S(role.id().into()),
                    V::D(hire),
                    leave.map_or(V::N, V::D),
                    V::I(cents(base)),
                    V::I(cents(base * 0.3)),
                    V::I(cents((years * 50.0).min(300.0))),
                    V::F(coefficient),
                    if role == Role::Manager {
                        V::N
                    } else {
                        V::S(format!("E{:04}", s * options.employees_per_store + 1))
                    },
                    // Customer-service staff answer under a sub-account nickname
                    // (店铺:昵称), which 赤兔, 千牛 and 京东 reports are keyed by.
                    if role == Role::CustomerService {
                        V::S(format!(
                            "{}店铺{:02}:{name}{:02}",
                            ["天猫", "淘宝", "京东"][s % 3],
                            s + 1,
                            slot + 1
                        ))
                    } else {
                        V::N
                    },
                ]);
                staff.push(Staff {
                    id,
                    store: s,
                    role,
                    hire,
                    leave,
                    skill: between(u(10), 0.0, 1.0),
                    index,
                });
            }
        }
        let count = |role: Role| -> Vec<usize> {
            (0..options.stores)
                .map(|s| {
                    let of_store =
                        &staff[s * options.employees_per_store..][..options.employees_per_store];
                    of_store.iter().filter(|e| e.role == role).count().max(1)
                })
                .collect()
        };
        let cs_per_store = count(Role::CustomerService);
        let warehouse_per_store = count(Role::Warehouse);
        let position = |name: &str| {
            Table::EmployeeDaily
                .columns()
                .iter()
                .position(|c| c.name == name)
                .expect("employee_daily column")
        };
        let measure_at = Role::ALL
            .iter()
            .map(|&role| {
                (
                    role,
                    measures_of(role).iter().map(|m| position(m)).collect(),
                )
            })
            .collect();
        Synthetic {
            options: options.clone(),
            months: (0..options.months)
                .map(|k| options.start.shift(k as i32))
                .collect(),
            staff,
            employees: employees.finish(),
            cs_per_store,
            warehouse_per_store,
            measure_at,
        }
    }

    /// The staff of store `s`.
    fn staff_of(&self, s: usize) -> &[Staff] {
        let n = self.options.employees_per_store;
        &self.staff[s * n..][..n]
    }

    /// Index of the month of `day`, from the first.
    fn month_of(&self, day: i32) -> usize {
        let (y, m, _) = kpi_core::civil_from_days(day);
        ((y - self.options.start.year) * 12 + m as i32 - self.options.start.month as i32) as usize
    }

    /// The first day of month `k` (of the day after the last month for
    /// `k == months`).
    fn first_of(&self, k: usize) -> i32 {
        let m = self.options.start.shift(k as i32);
        days_from_civil(m.year, m.month, 1)
    }

    /// Absences per employee-month: (absent days, late, early, leave days).
    fn absence(&self, e: &Staff, k: usize) -> (u32, u32, u32, u32) {
        let u = |field: u64| draw(self.options.seed, &[tag::MONTH, e.index, k as u64, field]);
        let days = self.months[k].days();
        let absent = match u(1) {
            x if x < 0.02 => between(u(2), 21.0, days as f64 - 2.0) as u32,
            x if x < 0.03 => 20,
            x if x < 0.15 => 1 + (u(3) * 2.0) as u32,
            _ => 0,
        };
        (
            absent,
            (u(4) * 4.0) as u32,
            (u(5) * 2.5) as u32,
            (u(6) * 2.5) as u32,
        )
    }

    fn store_base(&self, s: usize) -> StoreBase {
        let su = |field: u64| draw(self.options.seed, &[tag::STORE, s as u64, field]);
        StoreBase {
            uv: between(su(1), 600.0, 3_000.0),
            cr: between(su(2), 0.02, 0.05),
            aov: between(su(3), 80.0, 220.0),
        }
    }

    fn store_day(&self, s: usize, base: StoreBase, day: i32) -> StoreDay {
        let du = |field: u64| draw(self.options.seed, &[tag::DAY, s as u64, day as u64, field]);
        let k = self.month_of(day);
        let growth = 1.0 + 0.01 * k as f64;
        let outage = du(0) < 0.004;
        let uv = if outage {
            0.0
        } else {
            (base.uv * season(day) * growth * between(du(1), 0.85, 1.15)).round()
        };
        let festival = season(day) > 1.5;
        let cr = base.cr * between(du(2), 0.8, 1.2) * if festival { 1.25 } else { 1.0 };
        let buyers = (uv * cr).round();
        let orders = (buyers * between(du(3), 1.03, 1.2)).round();
        let aov = base.aov * between(du(4), 0.85, 1.15);
        let gmv = cents(buyers * aov);
        let gmv_yuan = gmv as f64 / 100.0;
        let campaign_share = if festival {
            0.45
        } else if du(5) < 0.1 {
            0.15
        } else {
            0.0
        };
        let campaign_uv = (uv * campaign_share).round();
        let campaign_buyers = (buyers * campaign_share * 1.2).round().min(buyers);
        let gross_profit = gmv_yuan * between(du(6), 0.25, 0.4);
        let impressions = (uv * between(du(7), 8.0, 15.0)).round();
        let clicks = (impressions * between(du(8), 0.02, 0.05)).round();
        let row = vec![
            V::S(store_id(s)),
            V::D(day),
            V::S(kpi_core::period_of_days(day)),
            V::I((uv * between(du(9), 2.5, 4.5)).round() as i64),
            V::I(uv as i64),
            V::I((uv * between(du(10), 0.3, 0.6)).round() as i64),
            V::I((uv * between(du(11), 0.3, 0.5)).round() as i64),
            V::F((uv * between(du(12), 60.0, 120.0)).round()),
            V::I(buyers as i64),
            V::I(orders as i64),
            V::I(gmv),
            V::I(cents(gmv_yuan * between(du(13), 0.03, 0.08))),
            V::I(cents(gmv_yuan * between(du(14), 0.05, 0.12))),
            V::I(impressions as i64),
            V::I(clicks as i64),
            V::I((clicks * between(du(15), 0.85, 0.95)).round() as i64),
            V::I(campaign_uv as i64),
            V::I((campaign_uv * between(du(16), 0.2, 0.4)).round() as i64),
            V::I(campaign_buyers as i64),
            V::I((campaign_buyers * 1.1).round() as i64),
            V::I(cents(campaign_buyers * aov)),
            V::I(cents(campaign_buyers * aov * between(du(17), 0.05, 0.15))),
            V::I(cents(gross_profit)),
            V::I(cents(gmv_yuan * between(du(18), 0.9, 1.0))),
            V::I(cents(gmv_yuan - gross_profit)),
            V::I(cents(
                base.uv * base.cr * base.aov * 30.0 * between(du(19), 0.9, 1.1),
            )),
        ];
        StoreDay {
            row,
            uv,
            orders,
            gmv_yuan,
        }
    }

    /// The values of the measures of `e`'s role ([`measures_of`]) on `day`.
    fn measures(&self, e: &Staff, day: i32, store: &StoreDay) -> Vec<V> {
        let eu = |field: u64| {
            draw(
                self.options.seed,
                &[tag::DAY, 1_000 + e.index, day as u64, field],
            )
        };
        let (uv, orders) = (store.uv, store.orders);
        match e.role {
            Role::CustomerService => {
                let n_cs = self.cs_per_store[e.store] as f64;
                let receptions = (uv * 0.12 / n_cs * between(eu(1), 0.7, 1.3)).round();
                let inquiries = (receptions * between(eu(2), 0.55, 0.8)).round();
                let conversion = (0.15 + 0.45 * e.skill) * between(eu(3), 0.75, 1.25);
                let order_buyers = (inquiries * conversion).round().min(inquiries);
                let pay = (0.6 + 0.38 * e.skill) * between(eu(4), 0.9, 1.08);
                let paid_buyers = (order_buyers * pay.min(1.0)).round();
                let cs_aov = (40.0 + 140.0 * e.skill) * between(eu(5), 0.8, 1.2);
                let messages = (receptions * between(eu(6), 3.0, 6.0)).round();
                let responses = (messages * 0.8).round();
                let response_time = (90.0 - 70.0 * e.skill) * between(eu(7), 0.8, 1.2);
                let paid_orders = (paid_buyers * between(eu(8), 1.0, 1.1)).round();
                vec![
                    V::I(receptions as i64),
                    V::I(inquiries as i64),
                    V::I(order_buyers as i64),
                    V::I(paid_buyers as i64),
                    V::I(paid_orders as i64),
                    V::I(cents(paid_buyers * cs_aov)),
                    V::I((messages * between(eu(9), 0.97, 1.0)).round() as i64),
                    V::I(messages as i64),
                    V::I(responses as i64),
                    V::F((responses * response_time).round()),
                    V::I(i64::from(eu(10) < 0.02)),
                    V::I(i64::from(eu(11) < 0.015)),
                    V::I(i64::from(eu(12) < 0.01)),
                    V::I((paid_orders * between(eu(13), 0.0, 0.08)).round() as i64),
                    V::I((paid_orders * between(eu(14), 0.0, 0.05)).round() as i64),
                    V::I((paid_orders * between(eu(15), 0.0, 0.02)).round() as i64),
                    V::I(cents(paid_buyers * cs_aov * between(eu(16), 0.0, 0.1))),
                    // 回款: most of the day's sales are collected (seed 000 pays on it).
                    V::I(cents(paid_buyers * cs_aov * between(eu(17), 0.9, 1.0))),
                ]
            }
            Role::Warehouse => {
                let n_wh = self.warehouse_per_store[e.store] as f64;
                let shipped = (orders / n_wh * between(eu(1), 0.85, 1.15)).round();
                vec![
                    V::I(shipped as i64),
                    V::I((shipped * between(eu(2), 1.0, 1.1)).round() as i64),
                    V::F(
                        (shipped * (30.0 - 24.0 * e.skill) * between(eu(3), 0.8, 1.2) * 10.0)
                            .round()
                            / 10.0,
                    ),
                    V::I((shipped * 0.004 * between(eu(4), 0.0, 2.0)).round() as i64),
                    V::I((shipped * 0.003 * between(eu(5), 0.0, 2.0)).round() as i64),
                    V::I((shipped * 0.03 * between(eu(6), 0.0, 2.0)).round() as i64),
                ]
            }
            Role::Manager => vec![V::I(cents(store.gmv_yuan * between(eu(1), 0.9, 1.0)))],
            _ => {
                let weekday_work = weekday(day) < 5;
                let tasks = if weekday_work {
                    (between(eu(1), 0.0, 3.99)) as i64
                } else {
                    0
                };
                let on_time = ((tasks as f64) * (0.6 + 0.4 * e.skill) + eu(2) - 0.5)
                    .round()
                    .clamp(0.0, tasks as f64) as i64;
                let passed = ((tasks as f64) * (0.7 + 0.3 * e.skill) + eu(3) - 0.5)
                    .round()
                    .clamp(0.0, tasks as f64) as i64;
                let planned = if weekday_work { 2 } else { 0 };
                vec![
                    V::I(tasks),
                    V::I(on_time),
                    V::I(passed),
                    V::I(planned),
                    V::I(tasks.min(planned)),
                ]
            }
        }
    }

    fn measure_at(&self, role: Role) -> &[usize] {
        self.measure_at
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, at)| at.as_slice())
            .expect("every role has its measures")
    }

    /// `store_daily` and `employee_daily` of `stores` in `months`, store
    /// by store, day by day, and in a day staff by staff.
    pub fn daily(
        &self,
        stores: std::ops::Range<usize>,
        months: std::ops::Range<usize>,
    ) -> (DataFrame, DataFrame) {
        let (first, end) = (self.first_of(months.start), self.first_of(months.end));
        let width = Table::EmployeeDaily.columns().len();
        let mut store_daily = Builder::new(Table::StoreDaily);
        let mut employee_daily = Builder::new(Table::EmployeeDaily);
        for s in stores {
            let base = self.store_base(s);
            for day in first..end {
                let k = self.month_of(day);
                let day_of_month = kpi_core::civil_from_days(day).2;
                let store = self.store_day(s, base, day);
                for e in self.staff_of(s).iter().filter(|e| e.employed(day)) {
                    let (absent, ..) = self.absence(e, k);
                    if day_of_month <= absent {
                        continue;
                    }
                    let mut row = vec![V::N; width];
                    row[0] = V::S(e.id.clone());
                    row[1] = V::D(day);
                    row[2] = V::S(kpi_core::period_of_days(day));
                    let (at, values) = (self.measure_at(e.role), self.measures(e, day, &store));
                    assert_eq!(at.len(), values.len(), "{} measures", e.role.id());
                    for (&at, value) in at.iter().zip(values) {
                        row[at] = value;
                    }
                    employee_daily.row(row);
                }
                store_daily.row(store.row);
            }
        }
        (store_daily.finish(), employee_daily.finish())
    }

    /// The daily rows cut in parts of about `rows` employee rows each:
    /// month by month, each month's stores in runs.
    pub fn parts(&self, rows: usize) -> Vec<DailyPart> {
        let per_store = self.options.employees_per_store.max(1) * 31;
        let stores_per_part = (rows / per_store).max(1);
        let mut parts = Vec::new();
        for (month, &period) in self.months.iter().enumerate() {
            for (number, start) in (0..self.options.stores)
                .step_by(stores_per_part)
                .enumerate()
            {
                parts.push(DailyPart {
                    month,
                    period,
                    stores: start..(start + stores_per_part).min(self.options.stores),
                    number,
                });
            }
        }
        parts
    }

    /// Every table but the daily ones: employees, stores, targets,
    /// attendance, manual scores and adjustments.
    pub fn monthly_tables(&self) -> Dataset {
        let seed = self.options.seed;
        let mut stores = Builder::new(Table::Stores);
        for s in 0..self.options.stores {
            let platform = ["天猫", "淘宝", "京东"][s % 3];
            let region = ["华东", "华南", "华北", "西南"][(s / 3) % 4];
            stores.row(vec![
                V::S(store_id(s)),
                V::S(format!("{platform}店铺{:02}", s + 1)),
                V::S(platform.into()),
                V::S(region.into()),
            ]);
        }

        // Store targets, near each month's sales.
        let mut targets = Builder::new(Table::Targets);
        for s in 0..self.options.stores {
            let su = |field: u64| draw(seed, &[tag::STORE, s as u64, field]);
            let base = self.store_base(s);
            let mut month_gmv = vec![0.0; self.months.len()];
            for day in self.first_of(0)..self.first_of(self.months.len()) {
                month_gmv[self.month_of(day)] += self.store_day(s, base, day).gmv_yuan;
            }
            for (k, m) in self.months.iter().enumerate() {
                let target =
                    (month_gmv[k] * between(su(100 + k as u64), 0.9, 1.2) / 100.0).round() * 100.0;
                targets.row(vec![
                    V::S(m.to_string()),
                    V::S("store".into()),
                    V::S(store_id(s)),
                    V::S("gmv".into()),
                    V::F(target),
                ]);
            }
        }

        let mut attendance = Builder::new(Table::Attendance);
        let mut manual = Builder::new(Table::ManualScores);
        let mut adjustments = Builder::new(Table::Adjustments);
        for e in &self.staff {
            for (k, m) in self.months.iter().enumerate() {
                let month_first = days_from_civil(m.year, m.month, 1);
                let month_last = month_first + m.days() as i32 - 1;
                if !(e.employed(month_first) || e.employed(month_last)) {
                    continue;
                }
                let (absent, late, early, leave) = self.absence(e, k);
                let work_days = (month_first..=month_last)
                    .filter(|d| weekday(*d) < 5)
                    .count();
                attendance.row(vec![
                    V::S(e.id.clone()),
                    V::N,
                    V::S(m.to_string()),
                    V::I(late as i64),
                    V::I(early as i64),
                    V::F(leave as f64),
                    V::F(absent as f64),
                    V::F(work_days as f64),
                ]);
                let u = |field: u64| draw(seed, &[tag::MONTH, 10_000 + e.index, k as u64, field]);
                if e.role == Role::CustomerService {
                    let expected = 0.12
                        * 0.68
                        * (0.15 + 0.45 * e.skill)
                        * (0.6 + 0.38 * e.skill)
                        * (40.0 + 140.0 * e.skill);
                    let store_uv = self.store_base(e.store).uv;
                    let n_cs = self.cs_per_store[e.store] as f64;
                    let target = (store_uv * expected * m.days() as f64 / n_cs
                        * between(u(1), 0.9, 1.3)
                        / 100.0)
                        .round()
                        * 100.0;
                    targets.row(vec![
                        V::S(m.to_string()),
                        V::S("employee".into()),
                        V::S(e.id.clone()),
                        V::S("cs_sales".into()),
                        V::F(target),
                    ]);
                    for (item, field) in [("attitude", 2), ("teamwork", 3)] {
                        for (rater, offset) in [("self", 0.5), ("supervisor", 0.0)] {
                            let score = (1.0 + (u(field) * 6.0 + offset).min(6.0)).round();
                            manual.row(vec![
                                V::S(m.to_string()),
                                V::S(e.id.clone()),
                                V::S(item.into()),
                                V::S(rater.into()),
                                V::F(score),
                            ]);
                        }
                    }
                }
                if e.role == Role::Operations {
                    // Seed 004 创新性指标, rated 1–5 by the supervisor and a peer (360 度).
                    for (rater, field) in [("supervisor", 8), ("peer", 9)] {
                        let score = (1.0 + u(field) * 4.0).round();
                        manual.row(vec![
                            V::S(m.to_string()),
                            V::S(e.id.clone()),
                            V::S("innovation".into()),
                            V::S(rater.into()),
                            V::F(score),
                        ]);
                    }
                }
                if u(5) < 0.04 {
                    let (kind, amount, reason) = if u(6) < 0.5 {
                        ("loss", -between(u(7), 50.0, 500.0).round(), "客户投诉赔偿")
                    } else {
                        ("award", between(u(7), 100.0, 300.0).round(), "月度服务之星")
                    };
                    adjustments.row(vec![
                        V::S(m.to_string()),
                        V::S(e.id.clone()),
                        V::S(kind.into()),
                        V::I(cents(amount)),
                        V::S(reason.into()),
                    ]);
                }
            }
        }

        let mut data = Dataset::new();
        data.insert(Table::Employees, self.employees.clone());
        data.insert(Table::Stores, stores.finish());
        data.insert(Table::Targets, targets.finish());
        data.insert(
            Table::Attendance,
            attendance.finish().drop("date").expect("date column"),
        );
        data.insert(Table::ManualScores, manual.finish());
        data.insert(Table::Adjustments, adjustments.finish());
        data
    }
}

/// Generates a dataset.
pub fn generate(options: &GenOptions) -> Dataset {
    let synthetic = Synthetic::new(options);
    let mut data = synthetic.monthly_tables();
    let (store_daily, employee_daily) = synthetic.daily(0..options.stores, 0..options.months);
    data.insert(Table::StoreDaily, store_daily);
    data.insert(Table::EmployeeDaily, employee_daily);
    data
}

fn store_id(s: usize) -> String {
    format!("S{:02}", s + 1)
}

/// A generated cell.
#[derive(Debug, Clone)]
enum V {
    S(String),
    I(i64),
    F(f64),
    D(i32),
    N,
}

/// A column being built, typed by its kind.
enum Buffer {
    Text(StringChunkedBuilder),
    /// Whole units at the kind's scale.
    Units(PrimitiveChunkedBuilder<Int64Type>, ColumnKind),
    Number(PrimitiveChunkedBuilder<Float64Type>),
    Date(PrimitiveChunkedBuilder<Int32Type>),
}

impl Buffer {
    fn new(spec: &kpi_core::ColumnSpec) -> Self {
        let name = spec.name.into();
        match spec.kind {
            ColumnKind::Id
            | ColumnKind::Text
            | ColumnKind::Period
            | ColumnKind::Role
            | ColumnKind::Word(_) => Buffer::Text(StringChunkedBuilder::new(name, 0)),
            ColumnKind::Date => Buffer::Date(PrimitiveChunkedBuilder::new(name, 0)),
            kind @ (ColumnKind::Count
            | ColumnKind::Money
            | ColumnKind::Seconds
            | ColumnKind::Hours) => Buffer::Units(PrimitiveChunkedBuilder::new(name, 0), kind),
            ColumnKind::Number => Buffer::Number(PrimitiveChunkedBuilder::new(name, 0)),
        }
    }

    fn push(&mut self, value: V) {
        match (self, value) {
            (Buffer::Text(b), V::S(s)) => b.append_value(s),
            (Buffer::Text(b), _) => b.append_null(),
            (Buffer::Date(b), V::D(d)) => b.append_value(d),
            (Buffer::Date(b), _) => b.append_null(),
            (Buffer::Units(b, ColumnKind::Money), V::I(i)) => b.append_value(i),
            (Buffer::Units(b, kind), V::I(i)) => b.append_value(i * kind.scale()),
            (Buffer::Units(b, kind), V::F(f)) => {
                b.append_value((f * kind.scale() as f64).round() as i64)
            }
            (Buffer::Units(b, _), _) => b.append_null(),
            (Buffer::Number(b), V::F(f)) => b.append_value(f),
            (Buffer::Number(b), V::I(i)) => b.append_value(i as f64),
            (Buffer::Number(b), _) => b.append_null(),
        }
    }

    fn finish(self) -> Column {
        match self {
            Buffer::Text(b) => b.finish().into_column(),
            Buffer::Date(b) => b.finish().into_date().into_column(),
            Buffer::Units(b, _) => b.finish().into_column(),
            Buffer::Number(b) => b.finish().into_column(),
        }
    }
}

/// Builds a table frame row by row, typed by the table's column kinds.
struct Builder {
    table: Table,
    columns: Vec<Buffer>,
    height: usize,
}

impl Builder {
    fn new(table: Table) -> Self {
        Builder {
            table,
            columns: table.columns().iter().map(Buffer::new).collect(),
            height: 0,
        }
    }

    fn row(&mut self, values: Vec<V>) {
        assert_eq!(values.len(), self.columns.len(), "{}", self.table);
        for (c, v) in self.columns.iter_mut().zip(values) {
            c.push(v);
        }
        self.height += 1;
    }

    fn finish(self) -> DataFrame {
        let columns = self.columns.into_iter().map(Buffer::finish).collect();
        DataFrame::new(self.height, columns).expect("generated columns have one height")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform_and_deterministic() {
        let a: Vec<f64> = (0..1000).map(|i| draw(7, &[i])).collect();
        let b: Vec<f64> = (0..1000).map(|i| draw(7, &[i])).collect();
        assert_eq!(a, b);
        let mean = a.iter().sum::<f64>() / 1000.0;
        assert!((0.45..0.55).contains(&mean), "{mean}");
        assert!(a.iter().all(|x| (0.0..1.0).contains(x)));
    }

    /// The daily rows of `frames` stacked, in the order of `keys`.
    fn stacked(frames: Vec<DataFrame>, keys: [&str; 2]) -> DataFrame {
        let mut frames = frames.into_iter();
        let mut all = frames.next().unwrap();
        for frame in frames {
            all.vstack_mut_owned(frame).unwrap();
        }
        all.sort(keys, SortMultipleOptions::default()).unwrap()
    }

    #[test]
    fn parts_hold_every_daily_row_once() {
        let options = GenOptions::default()
            .with_stores(5)
            .with_employees_per_store(7)
            .with_months(3)
            .with_start(Month {
                year: 2025,
                month: 11,
            });
        let synthetic = Synthetic::new(&options);
        // Two stores' month is 2 × 7 × 31 = 434 rows at most: parts of two
        // stores, the last of one, in each of three months.
        let parts = synthetic.parts(450);
        let runs: Vec<_> = parts
            .iter()
            .map(|p| (p.month, p.stores.clone(), p.number))
            .collect();
        assert_eq!(
            runs,
            (0..3)
                .flat_map(|k| [(k, 0..2, 0), (k, 2..4, 1), (k, 4..5, 2)])
                .collect::<Vec<_>>()
        );
        assert_eq!(parts[3].period.to_string(), "2025-12");
        let (stores, staff): (Vec<_>, Vec<_>) = parts
            .iter()
            .map(|p| synthetic.daily(p.stores.clone(), p.month..p.month + 1))
            .unzip();
        let whole = generate(&options);
        let sorted = |t: Table, keys| {
            whole
                .get(t)
                .unwrap()
                .sort(keys, SortMultipleOptions::default())
                .unwrap()
        };
        assert!(
            stacked(stores, ["store_id", "date"])
                .equals_missing(&sorted(Table::StoreDaily, ["store_id", "date"]))
        );
        let staff = stacked(staff, ["employee_id", "date"]);
        assert!(staff.height() > 700, "{}", staff.height());
        assert!(staff.equals_missing(&sorted(Table::EmployeeDaily, ["employee_id", "date"])));
        // Each role's measures are in their own columns: the funnel narrows,
        // tasks done are within tasks, packages hold the shipped orders.
        let column = |name: &str| staff.column(name).unwrap().i64().unwrap().clone();
        let below = |small: &str, large: &str| {
            let (smaller, larger) = (column(small), column(large));
            let pairs = smaller
                .iter()
                .zip(larger.iter())
                .filter_map(|(s, l)| s.zip(l));
            let (mut n, mut within) = (0, true);
            for (s, l) in pairs {
                n += 1;
                within &= s <= l;
            }
            assert!(n > 0 && within, "{small} ≤ {large} on {n} rows");
        };
        below("order_buyers", "inquiries");
        below("inquiries", "receptions");
        below("paid_buyers", "order_buyers");
        below("responses", "buyer_messages");
        below("replies", "buyer_messages");
        below("tasks_on_time", "tasks");
        below("tasks_done", "tasks_planned");
        below("shipped_orders", "packages");
        // The tables that are not daily are the whole dataset's.
        for (table, frame) in synthetic.monthly_tables().tables() {
            assert!(frame.equals_missing(whole.get(table).unwrap()), "{table}");
        }
    }

    #[test]
    fn festivals_peak() {
        let nov11 = days_from_civil(2025, 11, 11);
        let jun18 = days_from_civil(2025, 6, 18);
        let plain = days_from_civil(2025, 3, 4);
        assert!(season(nov11) > season(jun18));
        assert!(season(jun18) > season(plain));
    }
}
