//! Pay on hand-built data, every amount computed by hand from the seed rules:
//! the seed 002 commission table at its edges, pools split to the cent,
//! performance pay by payout, the attendance bonus, streak awards, losses,
//! a manager at 3 × the average commission, per-role rates above 8万, an
//! accelerator above 150% of target, and 20% held until the quarter ends.

use kpi_core::{Dataset, PayRow, Table, tiered};

use crate::pay::pay_of;
use polars::prelude::*;
use rust_decimal::Decimal;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn fixture_tiers() -> Vec<kpi_core::Tier> {
    let scheme = crate::pay::scheme(include_str!(
        "../../../fixtures/schemes/customer_service.toml"
    ));
    let pay = scheme.pay.unwrap();
    let component = pay
        .components
        .iter()
        .find(|c| c.id == "personal_commission")
        .unwrap();
    match &component.rule {
        kpi_core::PayRule::Tiered { tiers, .. } => tiers.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn seed_002_commission_table_at_every_edge() {
    // 第9条: <15000 1.5%; 15000–20000 (x − 15000) × 2% + 150;
    // 20001–25000 (x − 20000) × 4% + 250; >25000 2% of all.
    let tiers = fixture_tiers();
    let cases = [
        ("0", "0.00"),
        ("10000", "150.00"),
        ("14999.99", "225.00"), // 224.99985, half-up
        ("15000", "150.00"),    // 150 + 0
        ("17500", "200.00"),    // 150 + 2500 × 2%
        ("20000", "250.00"),    // 150 + 5000 × 2%
        ("20000.01", "250.00"), // 250 + 0.01 × 4% = 250.0004
        ("22500", "350.00"),    // 250 + 2500 × 4%
        ("25000", "450.00"),    // 250 + 5000 × 4%
        ("25000.01", "500.00"), // 2% × 25000.01 = 500.0002
        ("30000", "600.00"),
    ];
    for (sales, commission) in cases {
        let (amount, _) = tiered(&tiers, d(sales)).unwrap();
        assert_eq!(
            kpi_core::Rounding::HalfUp
                .round(amount)
                .unwrap()
                .to_string(),
            commission,
            "{sales}"
        );
    }
    let (_, step) = tiered(&tiers, d("17500")).unwrap();
    assert_eq!(
        kpi_core::render_pay_steps(&[step], kpi_core::Lang::En),
        "tier 15000 ≤ x ≤ 20000: 150 + 2% × (17500 − 15000) = 200"
    );
}

#[test]
fn rounding_rules_differ_only_on_halves() {
    use kpi_core::Rounding::{HalfEven, HalfUp};
    for (x, up, even) in [
        ("0.005", "0.01", "0.00"),
        ("0.015", "0.02", "0.02"),
        ("0.025", "0.03", "0.02"),
        ("-0.005", "-0.01", "0.00"),
        ("224.99985", "225.00", "225.00"),
        ("1.004", "1.00", "1.00"),
    ] {
        assert_eq!(HalfUp.cents(d(x)).to_string(), up, "{x}");
        assert_eq!(
            HalfEven.cents(d(x)).to_string(),
            even.trim_start_matches('-'),
            "{x}"
        );
    }
}

const SCHEME: &str = include_str!("../schemes/pay.toml");

fn dataset() -> Dataset {
    let mut data = Dataset::new();
    let days = |y, m, d| kpi_core::days_from_civil(y, m, d);
    let mut employees = df!(
        "employee_id" => ["E1", "E2", "E3", "M1", "D1"],
        "store_id" => ["S01"; 5],
        "team_id" => ["T1", "T1", "T1", "T0", "T0"],
        "role" => ["customer_service", "customer_service", "customer_service", "manager", "design"],
        "base_salary" => [300_000i64, 300_000, 300_000, 800_000, 400_000],
        "bonus_base" => [100_000i64, 100_000, 100_000, 200_000, 100_000],
        "seniority_pay" => [10_000i64, 5_000, 0, 0, 0],
        "coefficient" => [1.0, 1.5, 2.0, 1.0, 1.0],
        "leave_date" => [None, None, Some(days(2025, 2, 20)), None, None],
    )
    .unwrap();
    employees
        .with_column(
            employees
                .column("leave_date")
                .unwrap()
                .cast(&DataType::Date)
                .unwrap(),
        )
        .unwrap();
    data.insert(Table::Employees, employees);
    // (employee, period, cs_sales cents)
    let activity: &[(&str, &str, i64)] = &[
        ("E1", "2025-01", 1_499_999),
        ("E1", "2025-02", 2_000_001),
        ("E1", "2025-03", 2_500_001),
        ("E2", "2025-01", 1_500_000),
        ("E2", "2025-02", 2_000_000),
        ("E2", "2025-03", 2_500_000),
        ("E3", "2025-01", 4_000_000),
        ("E3", "2025-02", 1_000_000),
        ("M1", "2025-01", 0),
        ("M1", "2025-02", 0),
        ("M1", "2025-03", 0),
        ("D1", "2025-01", 0),
        ("D1", "2025-02", 0),
        ("D1", "2025-03", 0),
    ];
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => activity.iter().map(|a| a.0).collect::<Vec<_>>(),
            "period" => activity.iter().map(|a| a.1).collect::<Vec<_>>(),
            "cs_sales" => activity.iter().map(|a| a.2).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    // Public sales: GMV − customer-service sales = 2000.00, 2000.01, 1000.00.
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S01"; 3],
            "period" => ["2025-01", "2025-02", "2025-03"],
            "gmv" => [7_199_999i64, 5_200_002, 5_100_001],
            "collected" => [10_000_000i64, 8_000_000, 9_000_050],
        )
        .unwrap(),
    );
    let ratings: &[(&str, [f64; 3])] = &[
        ("E1", [95.0, 95.0, 95.0]),
        ("E2", [80.0, 50.0, 70.0]),
        ("E3", [90.0, 100.0, 0.0]),
        ("M1", [85.0, 85.0, 85.0]),
        ("D1", [60.0, 60.0, 60.0]),
    ];
    let months = ["2025-01", "2025-02", "2025-03"];
    let mut rows: Vec<(&str, &str, f64)> = Vec::new();
    for (e, r) in ratings {
        for (k, m) in months.iter().enumerate() {
            if !(*e == "E3" && k == 2) {
                rows.push((e, m, r[k]));
            }
        }
    }
    data.insert(
        Table::ManualScores,
        df!(
            "period" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "employee_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "item" => vec!["rating"; rows.len()],
            "rater" => vec!["supervisor"; rows.len()],
            "score" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    data.insert(
        Table::Attendance,
        df!(
            "employee_id" => ["E1", "E2", "E3"],
            "period" => ["2025-01"; 3],
            "late_count" => [2i64, 2, 0],
            "early_leave_count" => [0i64, 1, 0],
            "leave_days" => [0.0, 0.0, 0.0],
            "absent_days" => [0.0, 0.0, 1.0],
        )
        .unwrap(),
    );
    data.insert(
        Table::Adjustments,
        df!(
            "period" => ["2025-02", "2025-03"],
            "employee_id" => ["E2", "E1"],
            "kind" => ["loss", "award"],
            "amount" => [-6_700i64, 10_000],
            "reason" => ["客户投诉赔偿", "月度服务之星"],
        )
        .unwrap(),
    );
    data.insert(
        Table::Targets,
        df!(
            "period" => ["2025-01"],
            "level" => ["employee"],
            "id" => ["E3"],
            "metric" => ["cs_sales"],
            "target" => [20_000.0],
        )
        .unwrap(),
    );
    data
}

fn pay() -> kpi_core::Pay {
    let scheme = crate::pay::scheme(SCHEME);
    pay_of(&dataset(), &scheme)
}

fn row<'a>(pay: &'a kpi_core::Pay, employee: &str, period: &str) -> &'a PayRow {
    pay.rows
        .iter()
        .find(|r| r.employee_id == employee && r.period == period)
        .unwrap_or_else(|| panic!("no pay row {employee} {period}"))
}

/// The row's amounts by component id (none where it does not apply).
fn amounts(pay: &kpi_core::Pay, r: &PayRow) -> Vec<(String, Option<String>)> {
    pay.component_ids
        .iter()
        .zip(&r.amounts)
        .map(|(id, a)| (id.clone(), a.map(|a| a.to_string())))
        .collect()
}

fn expect(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(id, a)| (id.to_string(), a.map(str::to_string)))
        .collect()
}

#[test]
fn every_component_by_hand() {
    let pay = pay();
    // E1, January: grade A (95). Commission 14999.99 × 1.5% = 224.99985 → 225.00.
    // Public pool: 0.5% × 2000.00 = 10.00 over 3 staff: 3.33 each and the
    // cent left goes to the first by id (equal remainders): E1 3.34.
    // Team pool 0.1% × 100000 = 100.00 by coefficients 1 / 1.5 / 2:
    // 22.222…, 33.333…, 44.444… → 22.22, 33.33, 44.44 + the cent left to
    // the largest remainder (E3) → 44.45. Attendance: 2 late < 3 → 10% × 3000.
    let r = row(&pay, "E1", "2025-01");
    assert_eq!(
        amounts(&pay, r),
        expect(&[
            ("position_wage", Some("1800.00")),
            ("performance", Some("1000.00")),
            ("commission", Some("225.00")),
            ("public", Some("3.34")),
            ("team_pool", Some("22.22")),
            ("manager", None),
            ("design_rate", None),
            ("meal", None),
            ("phone", None),
            ("attendance", Some("300.00")),
            ("award", Some("0.00")),
            ("losses", Some("0.00")),
            ("quarter_bonus", None),
        ])
    );
    assert_eq!(r.gross.to_string(), "3350.56");
    // 20% of the commission is held: 45.00.
    assert_eq!(
        (
            r.deferred.to_string(),
            r.paid_now.to_string(),
            r.held.to_string()
        ),
        ("45.00".into(), "3305.56".into(), "45.00".into())
    );

    // E1, March: 25000.01 → 500.00; the third month in A completes the
    // streak: +200 (the award adjustment is not a loss and is left out);
    // public 0.5% × 1000 / 2 = 2.50; team 90.0005 → 90.00 by 1 : 1.5 → 36.00.
    // Quarter end: 100.00 held now, 45 + 50 + 100 = 195.00 released.
    let r = row(&pay, "E1", "2025-03");
    assert_eq!(r.amounts[2].unwrap().to_string(), "500.00");
    assert_eq!(r.amounts[3].unwrap().to_string(), "2.50");
    assert_eq!(r.amounts[4].unwrap().to_string(), "36.00");
    assert_eq!(r.amounts[10].unwrap().to_string(), "200.00");
    assert_eq!(r.gross.to_string(), "3838.50");
    assert_eq!(r.deferred.to_string(), "100.00");
    assert_eq!(r.released.to_string(), "195.00");
    assert_eq!(r.paid_now.to_string(), "3933.50");
    assert_eq!(r.held.to_string(), "0.00");

    // E2: 15000 → 150.00 (Jan), 20000 → 250.00 (Feb), 25000 → 450.00 (Mar).
    // January B (80): 80% × 1000; 3 late/early events forfeit the bonus.
    let r = row(&pay, "E2", "2025-01");
    assert_eq!(r.amounts[1].unwrap().to_string(), "800.00");
    assert_eq!(r.amounts[2].unwrap().to_string(), "150.00");
    assert_eq!(r.amounts[9].unwrap().to_string(), "0.00");
    let rule_of = |r: &PayRow, c: &str| {
        r.details
            .iter()
            .find(|d| d.component == c)
            .map(|d| d.rule(kpi_core::Lang::En))
            .unwrap()
    };
    assert_eq!(
        rule_of(r, "attendance"),
        "3 late/early/leave event(s), 0 absent day(s): forfeited → 0"
    );
    // February C (50): no performance pay, position wage 1400, a loss of 67.00.
    let r = row(&pay, "E2", "2025-02");
    assert_eq!(r.amounts[0].unwrap().to_string(), "1400.00");
    assert_eq!(r.amounts[1].unwrap().to_string(), "0.00");
    assert_eq!(r.amounts[2].unwrap().to_string(), "250.00");
    assert_eq!(r.amounts[11].unwrap().to_string(), "-67.00");
    assert_eq!(rule_of(r, "losses"), "loss -67 (客户投诉赔偿)");
    assert_eq!(
        row(&pay, "E2", "2025-03").amounts[2].unwrap().to_string(),
        "450.00"
    );

    // E3, January: 40000 against a 20000 target is above 150%: 2% × 40000
    // = 800 × 1.2 = 960.00. One absent day forfeits the attendance bonus.
    let r = row(&pay, "E3", "2025-01");
    assert_eq!(r.amounts[2].unwrap().to_string(), "960.00");
    assert_eq!(r.amounts[4].unwrap().to_string(), "44.45");
    assert_eq!(r.amounts[9].unwrap().to_string(), "0.00");
    assert_eq!(r.deferred.to_string(), "192.00");
    // E3 leaves on 2025-02-20: the 192.00 + 30.00 held are forfeited.
    let r = row(&pay, "E3", "2025-02");
    assert_eq!(r.amounts[2].unwrap().to_string(), "150.00");
    assert_eq!(r.forfeited.to_string(), "222.00");
    assert_eq!(r.released.to_string(), "0.00");
    assert_eq!(r.gross.to_string(), "3288.88");
    assert_eq!(r.paid_now.to_string(), "3258.88");

    // M1, January: B (85) → 85% × 2000; 3 × the average commission of the
    // other staff: (225 + 150 + 960) / 3 × 3 = 1335.00.
    let r = row(&pay, "M1", "2025-01");
    assert_eq!(r.amounts[1].unwrap().to_string(), "1700.00");
    assert_eq!(r.amounts[5].unwrap().to_string(), "1335.00");
    assert_eq!(r.gross.to_string(), "4635.00");
    // The quarterly bonus is paid in March only, on Q1's collections:
    // (100000 + 80000 + 90000.50 − 250000) × 1% = 200.005 → 200.01, half of it
    // (100.005 → 100.01) held to the year end.
    assert_eq!(r.amounts[12], None);
    let march = row(&pay, "M1", "2025-03");
    assert_eq!(march.amounts[12].unwrap().to_string(), "200.01");
    assert_eq!(
        march
            .details
            .iter()
            .find(|d| d.component == "quarter_bonus")
            .unwrap()
            .rule(kpi_core::Lang::En),
        "2025-01–2025-03: 1% × (270000.50 − 250000) = 200.005"
    );
    assert_eq!(
        (march.deferred.to_string(), march.held.to_string()),
        ("100.01".into(), "100.01".into())
    );
    assert_eq!(march.paid_now, march.gross - march.deferred);
    // February: (250 + 250 + 150) / 3 × 3 = 650.00.
    assert_eq!(
        row(&pay, "M1", "2025-02").amounts[5].unwrap().to_string(),
        "650.00"
    );

    // D1: 0.45% of collections above 80000: 100000 → 90.00, 80000 → 0,
    // 90000.50 → 45.00225 → 45.00. Grade C (60 is not above 60) pays 0%.
    let design: Vec<String> = ["2025-01", "2025-02", "2025-03"]
        .iter()
        .map(|p| row(&pay, "D1", p).amounts[6].unwrap().to_string())
        .collect();
    assert_eq!(design, ["90.00", "0.00", "45.00"]);
    // Fixed amounts rounded per component: 300.503 → 300.50, 50.004 → 50.00.
    let r = row(&pay, "D1", "2025-01");
    assert_eq!(r.amounts[7].unwrap().to_string(), "300.50");
    assert_eq!(r.amounts[8].unwrap().to_string(), "50.00");
    assert_eq!(r.gross.to_string(), "1840.50");
}

#[test]
fn rounding_on_the_total_rounds_the_exact_sum_once() {
    let text = SCHEME.replace("[pay]\n", "[pay]\nround = \"total\"\n");
    let scheme = crate::pay::scheme(&text);
    let pay = pay_of(&dataset(), &scheme);
    // 1400 + 0 + 90 + 300.503 + 50.004 = 1840.507 → 1840.51 (per component: 1840.50).
    let r = row(&pay, "D1", "2025-01");
    assert_eq!(r.gross.to_string(), "1840.51");
    // The components are shown to the cent; their exact amounts are kept.
    let meal = r.details.iter().find(|d| d.component == "meal").unwrap();
    assert_eq!(
        (meal.amount.to_string(), meal.exact.to_string()),
        ("300.50".into(), "300.503".into())
    );
    // Half-even rounds the exact halves to even cents: E1's 224.99985 is
    // still 225.00; nothing else in this data is on a half.
    let text = SCHEME.replace("[pay]\n", "[pay]\nrounding = \"half_even\"\n");
    let scheme = crate::pay::scheme(&text);
    let pay = pay_of(&dataset(), &scheme);
    assert_eq!(
        row(&pay, "E1", "2025-01").amounts[2].unwrap().to_string(),
        "225.00"
    );
}

#[test]
fn pools_add_up_and_held_money_is_accounted_for() {
    let pay = pay();
    // Every pool adds up to the pool, to the cent.
    for (component, period, pool) in [
        (3, "2025-01", "10.00"),
        (3, "2025-02", "10.00"),
        (3, "2025-03", "5.00"),
        (4, "2025-01", "100.00"),
        (4, "2025-02", "80.00"),
        (4, "2025-03", "90.00"),
    ] {
        let sum: Decimal = pay
            .rows
            .iter()
            .filter(|r| r.period == period)
            .filter_map(|r| r.amounts[component])
            .sum();
        assert_eq!(sum.to_string(), pool, "{component} {period}");
    }
    // Over the run, for every employee: paid + still held + forfeited = gross.
    for e in ["E1", "E2", "E3", "M1", "D1"] {
        let rows: Vec<&PayRow> = pay.rows.iter().filter(|r| r.employee_id == e).collect();
        let gross: Decimal = rows.iter().map(|r| r.gross).sum();
        let paid: Decimal = rows.iter().map(|r| r.paid_now).sum();
        let forfeited: Decimal = rows.iter().map(|r| r.forfeited).sum();
        let held = rows.last().unwrap().held;
        assert_eq!(paid + held + forfeited, gross, "{e}");
    }
}

#[test]
fn pay_exports_are_exact_text_and_pay_details_name_the_tier() {
    let pay = pay();
    let frame = pay.to_frame().unwrap();
    let gross = frame
        .column("gross")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert_eq!(gross, row(&pay, "D1", "2025-01").gross.to_string());
    let details = pay.details_frame().unwrap();
    let rules: Vec<&str> = details
        .column("rule")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(
        rules.contains(&"tier x < 15000: 1.5% × 14999.99 = 224.99985"),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"3 × average of commission over 3 other staff (216.67) = 650"),
        "{rules:?}"
    );
    assert!(
        rules.contains(
            &"tier 25000 < x: 2% × 40000 = 800; above 150% of target 20000 → × 1.2 = 960"
        ),
        "{rules:?}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A purely marginal table: each tier starts where the last ended, with
    /// the amount reached there as its fixed part.
    fn marginal(edges: &[i64], rates: &[u32]) -> Vec<kpi_core::Tier> {
        let mut tiers = Vec::new();
        let mut fixed = Decimal::ZERO;
        let mut bounds: Vec<Decimal> = vec![Decimal::ZERO];
        let mut edge = 0i64;
        for e in edges {
            edge += e;
            bounds.push(Decimal::new(edge, 2));
        }
        for (k, rate) in rates.iter().enumerate() {
            let rate = Decimal::new(i64::from(*rate), 4);
            let min = bounds[k];
            let max = bounds.get(k + 1).copied();
            tiers.push(kpi_core::Tier {
                min: Some(min),
                max,
                min_inclusive: true,
                max_inclusive: false,
                fixed,
                rate,
                offset: min,
            });
            if let Some(max) = max {
                fixed += rate * (max - min);
            }
        }
        tiers
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn marginal_commission_never_falls_as_the_measure_grows(
            edges in prop::collection::vec(1i64..5_000_000, 3),
            rates in prop::collection::vec(0u32..800, 4),
            a in 0i64..30_000_000,
            b in 0i64..30_000_000,
        ) {
            let tiers = marginal(&edges, &rates);
            let (lo, hi) = (a.min(b), a.max(b));
            let at = |cents: i64| {
                let (amount, _) = tiered(&tiers, Decimal::new(cents, 2)).unwrap();
                kpi_core::Rounding::HalfUp.round(amount).unwrap()
            };
            prop_assert!(at(lo) <= at(hi), "{} > {}", at(lo), at(hi));
        }

        #[test]
        fn pool_shares_add_up_to_the_pool(
            cents in 0i64..100_000_000,
            weights in prop::collection::vec(0u32..500, 1..12),
        ) {
            let pool = Decimal::new(cents, 2);
            let weights: Vec<Decimal> = weights.iter().map(|w| Decimal::new(i64::from(*w), 1)).collect();
            let shares = kpi_core::split_pool(pool, &weights).unwrap();
            let total: Decimal = shares.iter().copied().sum();
            if weights.iter().all(|w| w.is_zero()) {
                prop_assert!(total.is_zero());
            } else {
                prop_assert_eq!(total, pool);
                // No share is more than a cent from its exact value.
                let sum: Decimal = weights.iter().copied().sum();
                for (share, w) in shares.iter().zip(&weights) {
                    let exact = pool * *w / sum;
                    prop_assert!((*share - exact).abs() < Decimal::new(1, 2));
                }
            }
        }

        #[test]
        fn paid_plus_held_plus_forfeited_is_gross_over_a_run(
            sales in prop::collection::vec(0i64..6_000_000, 1..14),
            share in 0u32..=100,
            leaves in any::<bool>(),
            forfeit in any::<bool>(),
        ) {
            let months: Vec<String> = (0..sales.len())
                .map(|k| format!("{:04}-{:02}", 2025 + k / 12, k % 12 + 1))
                .collect();
            let mut data = Dataset::new();
            let last = kpi_core::Month::parse(months.last().unwrap()).unwrap();
            let leave = leaves.then(|| kpi_core::days_from_civil(last.year, last.month, 1));
            let mut employees = df!(
                "employee_id" => ["E1"],
                "store_id" => ["S01"],
                "role" => ["customer_service"],
                "leave_date" => [leave],
            ).unwrap();
            employees
                .with_column(employees.column("leave_date").unwrap().cast(&DataType::Date).unwrap())
                .unwrap();
            data.insert(Table::Employees, employees);
            data.insert(
                Table::EmployeeDaily,
                df!(
                    "employee_id" => vec!["E1"; sales.len()],
                    "period" => months.clone(),
                    "cs_sales" => sales.clone(),
                ).unwrap(),
            );
            let text = format!(
                r#"
[scheme]
id = "p"
name = "p"
roles = ["customer_service"]

[[items]]
id = "sales"
metric = "cs_sales"
weight = 100
rule = {{ kind = "bands", direction = "higher", bands = [{{ points = 50 }}] }}

[pay]
on_leave = "{}"

[[pay.components]]
id = "commission"
defer = {{ share = {} }}
rule = {{ kind = "tiered", measure = "cs_sales", tiers = [{{ rate = 0.0137 }}] }}
"#,
                if forfeit { "forfeit" } else { "pay" },
                Decimal::new(i64::from(share), 2)
            );
            let scheme = crate::pay::scheme(&text);
            let pay = pay_of(&data, &scheme);
            let sum = |f: fn(&PayRow) -> Decimal| pay.rows.iter().map(f).sum::<Decimal>();
            let held = pay.rows.last().unwrap().held;
            prop_assert_eq!(sum(|r| r.paid_now) + held + sum(|r| r.forfeited), sum(|r| r.gross));
            // Every row: paid now = gross − deferred + released.
            for r in &pay.rows {
                prop_assert_eq!(r.paid_now, r.gross - r.deferred + r.released);
            }
            // Nothing is held past a quarter end, and a leaver keeps nothing held.
            if leaves {
                prop_assert!(held.is_zero());
            }
        }
    }
}

#[test]
fn reconcile_names_each_difference_and_its_likely_cause() {
    let scheme = crate::pay::scheme(SCHEME);
    let pay = pay_of(&dataset(), &scheme);
    // (period, employee, component as the ledger names it, cents)
    let lines: &[(&str, &str, &str, i64)] = &[
        // 225.00 with 45.00 held: the ledger paid the 80% due now.
        ("2025-01", "E1", "commission", 18_000),
        ("2025-01", "E1", "public", 334),
        // One cent off, within the default tolerance: a match, with a note.
        ("2025-01", "E1", "team_pool", 2_223),
        ("2025-01", "E1", "实发工资", 330_556),
        ("2025-01", "E1", "应发工资", 330_556),
        // 3.33 booked as 33.30: no evident cause.
        ("2025-01", "E2", "public", 3_330),
        // E2's loss of 67.00 in February is not in the ledger.
        ("2025-02", "E2", "commission", 20_000),
        ("2025-02", "X9", "commission", 1_000),
    ];
    let ledger = df!(
        "period" => lines.iter().map(|l| l.0).collect::<Vec<_>>(),
        "employee_id" => lines.iter().map(|l| l.1).collect::<Vec<_>>(),
        "component" => lines.iter().map(|l| l.2).collect::<Vec<_>>(),
        "amount" => lines.iter().map(|l| l.3).collect::<Vec<_>>(),
    )
    .unwrap();
    let result =
        kpi_core::reconcile(scheme.pay.as_ref().unwrap(), &pay, &ledger, d("0.01")).unwrap();
    let find = |p: &str, e: &str, c: &str| {
        result
            .lines
            .iter()
            .find(|l| l.period == p && l.employee_id == e && l.component == c)
            .unwrap_or_else(|| panic!("no line {p} {e} {c}"))
    };
    use kpi_core::Status::*;
    let l = find("2025-01", "E1", "commission");
    assert_eq!(l.status, Mismatch);
    assert_eq!(
        l.cause.as_deref(),
        Some("deferral timing: the ledger pays 180.00 now (45.00 held, 0.00 released)")
    );
    assert_eq!(find("2025-01", "E1", "public").status, Match);
    let l = find("2025-01", "E1", "team_pool");
    assert_eq!(
        (l.status, l.cause.as_deref()),
        (Match, Some("rounding? 0.01 apart"))
    );
    assert_eq!(find("2025-01", "E1", "paid_now").status, Match);
    let l = find("2025-01", "E1", "gross");
    assert_eq!(
        (l.status, l.cause.as_deref()),
        (
            Mismatch,
            Some("deferral timing: the ledger's gross is what we pay now")
        )
    );
    let l = find("2025-01", "E2", "public");
    assert_eq!(
        (l.status, l.cause.as_deref(), l.difference()),
        (Mismatch, None, d("29.97"))
    );
    let l = find("2025-02", "E2", "losses");
    assert_eq!(l.status, OnlyInOurs);
    assert!(
        l.cause
            .as_deref()
            .unwrap()
            .starts_with("missing adjustment"),
        "{l:?}"
    );
    assert_eq!(find("2025-02", "X9", "commission").status, OnlyInLedger);
    // E1's other January components are only in ours; E3's too.
    assert_eq!(find("2025-01", "E1", "position_wage").status, OnlyInOurs);
    let totals = result.totals_frame().unwrap();
    assert_eq!(
        totals.height(),
        result
            .lines
            .iter()
            .map(|l| (&l.period, &l.component))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
}

/// E2 joins on 10 February but has January rows; E3 is absent 21 days in
/// January (not scored, still paid commission on own sales).
fn roster_dataset() -> Dataset {
    let mut data = Dataset::new();
    let day = |y, m, d| Some(kpi_core::days_from_civil(y, m, d));
    let mut employees = df!(
        "employee_id" => ["E1", "E2", "E3"],
        "store_id" => ["S01"; 3],
        "team_id" => ["T1"; 3],
        "role" => ["customer_service"; 3],
        "hire_date" => [day(2020, 1, 1), day(2025, 2, 10), day(2020, 1, 1)],
    )
    .unwrap();
    let hires = employees
        .column("hire_date")
        .unwrap()
        .cast(&DataType::Date)
        .unwrap();
    employees.with_column(hires).unwrap();
    data.insert(Table::Employees, employees);
    let months = [
        "2025-01", "2025-01", "2025-01", "2025-02", "2025-02", "2025-02",
    ];
    let staff = ["E1", "E2", "E3", "E1", "E2", "E3"];
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => staff,
            "period" => months,
            "cs_sales" => [100_000i64, 50_000, 200_000, 100_000, 100_000, 200_000],
        )
        .unwrap(),
    );
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S01"; 2],
            "period" => ["2025-01", "2025-02"],
            "gmv" => [1_000_000i64, 1_000_000],
        )
        .unwrap(),
    );
    data.insert(
        Table::Attendance,
        df!(
            "employee_id" => ["E3"],
            "period" => ["2025-01"],
            "absent_days" => [21.0],
        )
        .unwrap(),
    );
    // E2 is rated 50 (C) in February only: a scored January would be a
    // second C (no rating: 0 points) and complete the `exit` streak.
    data.insert(
        Table::ManualScores,
        df!(
            "period" => ["2025-01", "2025-01", "2025-02", "2025-02", "2025-02"],
            "employee_id" => ["E1", "E3", "E1", "E2", "E3"],
            "item" => ["rating"; 5],
            "rater" => ["supervisor"; 5],
            "score" => [95.0, 95.0, 95.0, 50.0, 95.0],
        )
        .unwrap(),
    );
    data
}

#[test]
fn pay_and_scores_follow_the_roster_and_public_sales_exclude_every_staff_sale() {
    let scheme = crate::pay::scheme(include_str!("../schemes/roster.toml"));
    let data = roster_dataset();
    let metrics = kpi_core::compute_metrics(&data).unwrap();
    let scores = kpi_core::score(&scheme, &metrics, &data).unwrap();
    let pay = kpi_core::compute_pay(&scheme, &scores, &metrics, &data)
        .unwrap()
        .unwrap();
    let keys: Vec<(&str, &str, bool)> = scores
        .rows
        .iter()
        .map(|r| (&*r.period, &*r.employee_id, r.eligible))
        .collect();
    // No January row for E2, who was not yet hired.
    assert_eq!(
        keys,
        [
            ("2025-01", "E1", true),
            ("2025-01", "E3", false),
            ("2025-02", "E1", true),
            ("2025-02", "E2", true),
            ("2025-02", "E3", true),
        ]
    );
    let e2 = scores
        .rows
        .iter()
        .find(|r| &*r.employee_id == "E2")
        .unwrap();
    assert_eq!(e2.grade.as_deref(), Some("C"));
    assert!(
        !e2.flags
            .iter()
            .any(|f| matches!(f, kpi_core::Flag::Streak { .. })),
        "{:?}",
        e2.flags
    );
    // January: public sales are GMV 10000 less every staff sale, E3's
    // 2000 included although E3 is not scored: 10000 − 1000 − 2000 = 7000;
    // 1% = 70.00, all E1's (the only scored member). E3 is paid 1% of
    // its own 2000 as commission, and no pool share.
    assert_eq!(
        amounts(&pay, row(&pay, "E1", "2025-01")),
        expect(&[
            ("position_wage", Some("1800.00")),
            ("commission", Some("10.00")),
            ("public", Some("70.00")),
        ])
    );
    assert_eq!(
        amounts(&pay, row(&pay, "E3", "2025-01")),
        expect(&[
            ("position_wage", Some("0.00")),
            ("commission", Some("20.00")),
            ("public", None),
        ])
    );
    // February: 10000 − 1000 − 1000 − 2000 = 6000; 1% = 60.00 over three.
    for e in ["E1", "E2", "E3"] {
        assert_eq!(
            row(&pay, e, "2025-02").amounts[2].unwrap().to_string(),
            "20.00",
            "{e}"
        );
    }
    assert!(
        pay.rows
            .iter()
            .all(|r| !(r.employee_id == "E2" && r.period == "2025-01"))
    );
}
