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

/// Staff in a store by role, for splitting store activity.
fn count_role(staff: &[Staff], store: usize, role: Role) -> usize {
    staff
        .iter()
        .filter(|s| s.store == store && s.role == role)
        .count()
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

/// Generates a dataset.
pub fn generate(options: &GenOptions) -> Dataset {
    let seed = options.seed;
    let first_day = days_from_civil(options.start.year, options.start.month, 1);
    let end_month = options.start.shift(options.months as i32);
    let end_day = days_from_civil(end_month.year, end_month.month, 1);

    let mut stores = Builder::new(Table::Stores);
    for s in 0..options.stores {
        let platform = ["天猫", "淘宝", "京东"][s % 3];
        let region = ["华东", "华南", "华北", "西南"][(s / 3) % 4];
        stores.row(vec![
            V::S(store_id(s)),
            V::S(format!("{platform}店铺{:02}", s + 1)),
            V::S(platform.into()),
            V::S(region.into()),
        ]);
    }

    let mut staff = Vec::new();
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
                    hire.max(first_day) + between(u(5), 60.0, (end_day - first_day) as f64) as i32
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

    // Absences per employee-month: (absent days, late, early, leave days).
    let months: Vec<Month> = (0..options.months)
        .map(|k| options.start.shift(k as i32))
        .collect();
    let absence = |e: &Staff, k: usize| -> (u32, u32, u32, u32) {
        let u = |field: u64| draw(seed, &[tag::MONTH, e.index, k as u64, field]);
        let days = months[k].days();
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
    };
    let employed = |e: &Staff, day: i32| day >= e.hire && e.leave.is_none_or(|l| day < l);

    let mut store_daily = Builder::new(Table::StoreDaily);
    let mut employee_daily = Builder::new(Table::EmployeeDaily);
    let mut targets = Builder::new(Table::Targets);
    for s in 0..options.stores {
        let su = |field: u64| draw(seed, &[tag::STORE, s as u64, field]);
        let base_uv = between(su(1), 600.0, 3_000.0);
        let base_cr = between(su(2), 0.02, 0.05);
        let base_aov = between(su(3), 80.0, 220.0);
        let n_cs = count_role(&staff, s, Role::CustomerService).max(1);
        let n_wh = count_role(&staff, s, Role::Warehouse).max(1);
        let mut month_gmv = vec![0.0; months.len()];
        for day in first_day..end_day {
            let du = |field: u64| draw(seed, &[tag::DAY, s as u64, day as u64, field]);
            let k = ((kpi_core::civil_from_days(day).0 - options.start.year) * 12
                + kpi_core::civil_from_days(day).1 as i32
                - options.start.month as i32) as usize;
            let growth = 1.0 + 0.01 * k as f64;
            let outage = du(0) < 0.004;
            let uv = if outage {
                0.0
            } else {
                (base_uv * season(day) * growth * between(du(1), 0.85, 1.15)).round()
            };
            let festival = season(day) > 1.5;
            let cr = base_cr * between(du(2), 0.8, 1.2) * if festival { 1.25 } else { 1.0 };
            let buyers = (uv * cr).round();
            let orders = (buyers * between(du(3), 1.03, 1.2)).round();
            let aov = base_aov * between(du(4), 0.85, 1.15);
            let gmv = cents(buyers * aov);
            let gmv_yuan = gmv as f64 / 100.0;
            month_gmv[k] += gmv_yuan;
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
            store_daily.row(vec![
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
                    base_uv * base_cr * base_aov * 30.0 * between(du(19), 0.9, 1.1),
                )),
            ]);

            for e in staff.iter().filter(|e| e.store == s && employed(e, day)) {
                let (absent, ..) = absence(e, k);
                let day_of_month = kpi_core::civil_from_days(day).2;
                if day_of_month <= absent {
                    continue;
                }
                let eu = |field: u64| draw(seed, &[tag::DAY, 1_000 + e.index, day as u64, field]);
                let mut row = employee_row(e, day);
                match e.role {
                    Role::CustomerService => {
                        let receptions =
                            (uv * 0.12 / n_cs as f64 * between(eu(1), 0.7, 1.3)).round();
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
                        set(&mut row, "receptions", V::I(receptions as i64));
                        set(&mut row, "inquiries", V::I(inquiries as i64));
                        set(&mut row, "order_buyers", V::I(order_buyers as i64));
                        set(&mut row, "paid_buyers", V::I(paid_buyers as i64));
                        set(&mut row, "paid_orders", V::I(paid_orders as i64));
                        set(&mut row, "cs_sales", V::I(cents(paid_buyers * cs_aov)));
                        set(
                            &mut row,
                            "replies",
                            V::I((messages * between(eu(9), 0.97, 1.0)).round() as i64),
                        );
                        set(&mut row, "buyer_messages", V::I(messages as i64));
                        set(&mut row, "responses", V::I(responses as i64));
                        set(
                            &mut row,
                            "response_seconds",
                            V::F((responses * response_time).round()),
                        );
                        set(&mut row, "violations", V::I(i64::from(eu(10) < 0.02)));
                        set(&mut row, "bad_reviews", V::I(i64::from(eu(11) < 0.015)));
                        set(&mut row, "complaints", V::I(i64::from(eu(12) < 0.01)));
                        set(
                            &mut row,
                            "refunds",
                            V::I((paid_orders * between(eu(13), 0.0, 0.08)).round() as i64),
                        );
                        set(
                            &mut row,
                            "returns",
                            V::I((paid_orders * between(eu(14), 0.0, 0.05)).round() as i64),
                        );
                        set(
                            &mut row,
                            "exchanges",
                            V::I((paid_orders * between(eu(15), 0.0, 0.02)).round() as i64),
                        );
                        set(
                            &mut row,
                            "assisted_sales",
                            V::I(cents(paid_buyers * cs_aov * between(eu(16), 0.0, 0.1))),
                        );
                        // 回款: most of the day's sales are collected (seed 000 pays on it).
                        set(
                            &mut row,
                            "collected",
                            V::I(cents(paid_buyers * cs_aov * between(eu(17), 0.9, 1.0))),
                        );
                    }
                    Role::Warehouse => {
                        let shipped = (orders / n_wh as f64 * between(eu(1), 0.85, 1.15)).round();
                        set(&mut row, "shipped_orders", V::I(shipped as i64));
                        set(
                            &mut row,
                            "packages",
                            V::I((shipped * between(eu(2), 1.0, 1.1)).round() as i64),
                        );
                        set(
                            &mut row,
                            "ship_hours",
                            V::F(
                                (shipped
                                    * (30.0 - 24.0 * e.skill)
                                    * between(eu(3), 0.8, 1.2)
                                    * 10.0)
                                    .round()
                                    / 10.0,
                            ),
                        );
                        set(
                            &mut row,
                            "ship_errors",
                            V::I((shipped * 0.004 * between(eu(4), 0.0, 2.0)).round() as i64),
                        );
                        set(
                            &mut row,
                            "damaged",
                            V::I((shipped * 0.003 * between(eu(5), 0.0, 2.0)).round() as i64),
                        );
                        set(
                            &mut row,
                            "late_shipments",
                            V::I((shipped * 0.03 * between(eu(6), 0.0, 2.0)).round() as i64),
                        );
                    }
                    Role::Manager => {
                        set(
                            &mut row,
                            "collected",
                            V::I(cents(gmv_yuan * between(eu(1), 0.9, 1.0))),
                        );
                    }
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
                        set(&mut row, "tasks", V::I(tasks));
                        set(&mut row, "tasks_on_time", V::I(on_time));
                        set(&mut row, "tasks_passed", V::I(passed));
                        set(&mut row, "tasks_planned", V::I(planned));
                        set(&mut row, "tasks_done", V::I(tasks.min(planned)));
                    }
                }
                employee_daily.row(row);
            }
        }
        for (k, m) in months.iter().enumerate() {
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
    for e in &staff {
        for (k, m) in months.iter().enumerate() {
            let month_first = days_from_civil(m.year, m.month, 1);
            let month_last = month_first + m.days() as i32 - 1;
            if !(employed(e, month_first) || employed(e, month_last)) {
                continue;
            }
            let (absent, late, early, leave) = absence(e, k);
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
                let store_uv =
                    between(draw(seed, &[tag::STORE, e.store as u64, 1]), 600.0, 3_000.0);
                let n_cs = count_role(&staff, e.store, Role::CustomerService).max(1) as f64;
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
    data.insert(Table::Employees, employees.finish());
    data.insert(Table::Stores, stores.finish());
    data.insert(Table::StoreDaily, store_daily.finish());
    data.insert(Table::EmployeeDaily, employee_daily.finish());
    data.insert(Table::Targets, targets.finish());
    data.insert(
        Table::Attendance,
        attendance.finish().drop("date").expect("date column"),
    );
    data.insert(Table::ManualScores, manual.finish());
    data.insert(Table::Adjustments, adjustments.finish());
    data
}

fn store_id(s: usize) -> String {
    format!("S{:02}", s + 1)
}

/// An employee_daily row with keys set and every measure empty.
fn employee_row(e: &Staff, day: i32) -> Vec<V> {
    let mut row = vec![V::N; Table::EmployeeDaily.columns().len()];
    row[0] = V::S(e.id.clone());
    row[1] = V::D(day);
    row[2] = V::S(kpi_core::period_of_days(day));
    row
}

fn set(row: &mut [V], column: &str, value: V) {
    let i = Table::EmployeeDaily
        .columns()
        .iter()
        .position(|c| c.name == column)
        .expect("employee_daily column");
    row[i] = value;
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

/// Builds a table frame row by row, typed by the table's column kinds.
struct Builder {
    table: Table,
    columns: Vec<Vec<V>>,
}

impl Builder {
    fn new(table: Table) -> Self {
        Builder {
            table,
            columns: vec![Vec::new(); table.columns().len()],
        }
    }

    fn row(&mut self, values: Vec<V>) {
        assert_eq!(values.len(), self.columns.len(), "{}", self.table);
        for (c, v) in self.columns.iter_mut().zip(values) {
            c.push(v);
        }
    }

    fn finish(self) -> DataFrame {
        let height = self.columns.first().map_or(0, Vec::len);
        let columns = self
            .table
            .columns()
            .iter()
            .zip(self.columns)
            .map(|(spec, values)| {
                let name = spec.name.into();
                match spec.kind {
                    ColumnKind::Id
                    | ColumnKind::Text
                    | ColumnKind::Period
                    | ColumnKind::Role
                    | ColumnKind::Word(_) => {
                        let v: Vec<Option<String>> = values
                            .into_iter()
                            .map(|v| match v {
                                V::S(s) => Some(s),
                                _ => None,
                            })
                            .collect();
                        Column::new(name, v)
                    }
                    ColumnKind::Date => {
                        let v = values.into_iter().map(|v| match v {
                            V::D(d) => Some(d),
                            _ => None,
                        });
                        Int32Chunked::from_iter_options(name, v)
                            .into_date()
                            .into_column()
                    }
                    ColumnKind::Count
                    | ColumnKind::Money
                    | ColumnKind::Seconds
                    | ColumnKind::Hours => {
                        let scale = spec.kind.scale();
                        let v: Vec<Option<i64>> = values
                            .into_iter()
                            .map(|v| match v {
                                V::I(i) if spec.kind == ColumnKind::Money => Some(i),
                                V::I(i) => Some(i * scale),
                                V::F(f) => Some((f * scale as f64).round() as i64),
                                _ => None,
                            })
                            .collect();
                        Column::new(name, v)
                    }
                    ColumnKind::Number => {
                        let v: Vec<Option<f64>> = values
                            .into_iter()
                            .map(|v| match v {
                                V::F(f) => Some(f),
                                V::I(i) => Some(i as f64),
                                _ => None,
                            })
                            .collect();
                        Column::new(name, v)
                    }
                }
            })
            .collect();
        DataFrame::new(height, columns).expect("generated columns have one height")
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

    #[test]
    fn festivals_peak() {
        let nov11 = days_from_civil(2025, 11, 11);
        let jun18 = days_from_civil(2025, 6, 18);
        let plain = days_from_civil(2025, 3, 4);
        assert!(season(nov11) > season(jun18));
        assert!(season(jun18) > season(plain));
    }
}
