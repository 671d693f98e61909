//! Two schemes compared on a hand-built history, every figure computed by
//! hand: Spearman's ρ with tied ranks, grade changes, pay totals and their
//! differences, pay as a share of GMV and of own sales, the variable share,
//! the alignment with growth, and the pay cost with sales scaled.

use kpi_core::{
    Dataset, NoCorrelation, Run, STRESS_FACTORS, Scenario, Table, compare, compute_metrics,
    compute_pay, scale_sales, score,
};
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::pay::scheme;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Scheme A: conversion ≥ 50% → 100, ≥ 30% → 60, else 0; commission 1% of
/// sales below 10000, 2% of all sales from 10000.
const A: &str = r#"
[scheme]
id = "a"
name = "A"
roles = ["customer_service"]

[[items]]
id = "conversion"
metric = "inquiry_conversion"
weight = 100
rule = { kind = "bands", direction = "higher", bands = [{ min = 0.5, points = 100 }, { min = 0.3, max = 0.5, points = 60 }, { max = 0.3, points = 0 }] }

[[grades]]
label = "A"
min = 80

[[grades]]
label = "B"
min = 50

[[grades]]
label = "C"

[pay]
[[pay.components]]
id = "commission"
rule = { kind = "tiered", measure = "cs_sales", tiers = [{ max = 10000, rate = 0.01 }, { min = 10000, rate = 0.02 }] }
"#;

/// Scheme B: conversion ≥ 40% → 100, else 50; 1000 fixed plus 3% of sales.
const B: &str = r#"
[scheme]
id = "b"
name = "B"
roles = ["customer_service"]

[[items]]
id = "conversion"
metric = "inquiry_conversion"
weight = 100
rule = { kind = "bands", direction = "higher", bands = [{ min = 0.4, points = 100 }, { max = 0.4, points = 50 }] }

[[grades]]
label = "A"
min = 80

[[grades]]
label = "B"
min = 50

[[grades]]
label = "C"

[pay]
[[pay.components]]
id = "base"
rule = { kind = "fixed", amount = 1000 }

[[pay.components]]
id = "commission"
rule = { kind = "tiered", measure = "cs_sales", tiers = [{ rate = 0.03 }] }
"#;

/// Three staff of one store over two months: (employee, period, inquiries,
/// order buyers, sales in yuan).
fn history() -> Dataset {
    let rows: [(&str, &str, i64, i64, i64); 6] = [
        ("E1", "2025-01", 100, 60, 12_000),
        ("E2", "2025-01", 100, 40, 8_000),
        ("E3", "2025-01", 100, 20, 5_000),
        ("E1", "2025-02", 100, 35, 9_000),
        ("E2", "2025-02", 100, 55, 15_000),
        ("E3", "2025-02", 100, 45, 11_000),
    ];
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => ["E1", "E2", "E3"],
            "name" => ["甲", "乙", "丙"],
            "store_id" => ["S1"; 3],
            "role" => ["customer_service"; 3],
        )
        .unwrap(),
    );
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S1", "S1"],
            "period" => ["2025-01", "2025-02"],
            "gmv" => [10_000_000i64, 20_000_000],
        )
        .unwrap(),
    );
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => rows.map(|r| r.0),
            "period" => rows.map(|r| r.1),
            "inquiries" => rows.map(|r| r.2),
            "order_buyers" => rows.map(|r| r.3),
            "cs_sales" => rows.map(|r| r.4 * 100),
        )
        .unwrap(),
    );
    data
}

struct Results {
    metrics: kpi_core::Metrics,
    runs: Vec<(kpi_core::Scores, Option<kpi_core::Pay>)>,
}

fn results(data: &Dataset, schemes: &[kpi_core::Scheme]) -> Results {
    let metrics = compute_metrics(data).unwrap();
    let runs = schemes
        .iter()
        .map(|s| {
            let scores = score(s, &metrics, data).unwrap();
            let pay = compute_pay(s, &scores, &metrics, data).unwrap();
            (scores, pay)
        })
        .collect();
    Results { metrics, runs }
}

fn scenario<'a>(factor: Decimal, r: &'a Results, schemes: &'a [kpi_core::Scheme]) -> Scenario<'a> {
    Scenario {
        factor,
        metrics: &r.metrics,
        runs: schemes
            .iter()
            .zip(&r.runs)
            .map(|(scheme, (scores, pay))| Run {
                scheme,
                scores,
                pay: pay.as_ref(),
            })
            .collect(),
    }
}

fn comparison() -> kpi_core::Comparison {
    let schemes = [scheme(A), scheme(B)];
    let data = history();
    let base = results(&data, &schemes);
    let scaled: Vec<(Decimal, Results)> = STRESS_FACTORS
        .iter()
        .map(|f| d(f))
        .filter(|f| *f != Decimal::ONE)
        .map(|f| (f, results(&scale_sales(&data, f).unwrap(), &schemes)))
        .collect();
    let stress: Vec<kpi_core::StressRow> = scaled
        .iter()
        .flat_map(|(f, r)| kpi_core::stress_points(&scenario(*f, r, &schemes)).unwrap())
        .collect();
    compare(&scenario(Decimal::ONE, &base, &schemes), stress, &data).unwrap()
}

#[test]
fn spearman_grade_changes_and_pay_differences_by_hand() {
    let c = comparison();
    assert_eq!(c.schemes, ["a", "b"]);
    let [pair] = &c.pairs[..] else {
        panic!("{:?}", c.pairs)
    };
    // Scores A: 100 60 0 | 60 100 60; B: 100 100 50 | 50 100 100.
    // Mean ranks A: 5.5 3 1 3 5.5 3; B: 4.5 4.5 1.5 1.5 4.5 4.5 (mean 3.5 each).
    // Σ dx·dy = 9, Σ dx² = 15, Σ dy² = 12: ρ = 9 / √180 = 3 / (2√5).
    let rho = pair.spearman.unwrap();
    assert!((rho - 3.0 / (2.0 * 5f64.sqrt())).abs() < 1e-12, "{rho}");
    assert_eq!((pair.employee_months, pair.only_a, pair.only_b), (6, 0, 0));
    // Grades A: A B C | B A B; B: A A B | B A A → E2 Jan, E3 Jan, E3 Feb.
    assert_eq!(pair.grade_changes, Some(3));
    let pay = pair.pay.unwrap();
    // A: 240 + 80 + 50 | 90 + 300 + 220 = 980; B: 6 × 1000 + 3% × 60000 = 7800.
    assert_eq!(
        (pay.total_a, pay.total_b, pay.total()),
        (d("980.00"), d("7800.00"), d("6820.00"))
    );
    // Differences 1120 1160 1100 1180 1150 1110, sorted 1100 1110 1120 1150 1160 1180.
    assert_eq!(pay.spread.min, Some(d("1100.00")));
    assert_eq!(pay.spread.q1, Some(d("1112.50")), "1110 + 0.25 × 10");
    assert_eq!(pay.spread.median, Some(d("1135.00")), "1120 + 0.5 × 30");
    assert_eq!(pay.spread.q3, Some(d("1157.50")), "1150 + 0.75 × 10");
    assert_eq!(pay.spread.max, Some(d("1180.00")));
    assert_eq!(pay.spread.mean, Some(d("1136.67")), "6820 / 6");
    assert_eq!((pay.winners, pay.losers), (6, 0));
}

#[test]
fn summary_shares_and_alignment_by_hand() {
    let c = comparison();
    let company = |id: &str| {
        c.summary
            .iter()
            .find(|r| r.scheme == id && r.store_id.is_none())
            .unwrap()
    };
    let a = company("a");
    assert_eq!((a.employees, a.employee_months), (3, 6));
    assert_eq!(a.grade_counts, [Some(2), Some(3), Some(1)]);
    assert!((a.score.mean.unwrap() - 380.0 / 6.0).abs() < 1e-12);
    assert_eq!(
        (a.score.min, a.score.median, a.score.max),
        (Some(0.0), Some(60.0), Some(100.0))
    );
    let pay = a.pay.unwrap();
    assert_eq!(
        (pay.total, pay.gmv, pay.own_sales),
        (d("980.00"), Some(d("300000.00")), Some(d("60000.00")))
    );
    assert_eq!(pay.pct_gmv(), Some(980.0 / 300_000.0));
    assert_eq!(pay.variable_share(), Some(1.0));
    let b = company("b").pay.unwrap();
    assert_eq!(b.fixed, d("6000"));
    assert_eq!(b.variable_share(), Some(1800.0 / 7800.0));
    assert_eq!(b.pct_own_sales(), Some(7800.0 / 60_000.0));
    // One store: its row repeats the company's.
    let store = c
        .summary
        .iter()
        .find(|r| r.scheme == "a" && r.store_id.as_deref() == Some("S1"))
        .unwrap();
    assert_eq!(store.pay, a.pay);
    // Only February has growth; the store's (+100%) is the same for all three.
    let [al_a, al_b] = &c.alignment[..] else {
        panic!()
    };
    assert_eq!(al_a.store_gmv_pairs, 3);
    assert_eq!(al_a.store_gmv_growth, Err(NoCorrelation::NoSpread(1)));
    // Own growth E1 −25%, E2 +87.5%, E3 +120%; A's February 60 100 60 ranks
    // 1.5 3 1.5 against 1 2 3: Σ dx·dy = 0.
    assert_eq!(al_a.own_sales_growth, Ok(0.0));
    // B's February 50 100 100 ranks 1 2.5 2.5: ρ = 1.5 / √(1.5 × 2).
    assert!((al_b.own_sales_growth.unwrap() - 1.5 / 3f64.sqrt()).abs() < 1e-12);
    let people = &c.people;
    assert_eq!(people.len(), 6);
    assert_eq!(
        (
            people[0].period.as_str(),
            people[0].employee_id.as_str(),
            people[0].name.as_deref()
        ),
        ("2025-01", "E1", Some("甲"))
    );
    assert_eq!(people[0].schemes[1].gross, Some(d("1360.00")));
}

#[test]
fn stress_costs_follow_the_tier_tables() {
    let c = comparison();
    let cost = |id: &str, factor: &str| {
        let row = c
            .stress
            .iter()
            .find(|r| r.scheme == id && r.factor == d(factor))
            .unwrap();
        (row.pay.unwrap().total, row.pay_change.unwrap())
    };
    // A at 0.8: sales 9600 6400 4000 | 7200 12000 8800 → 96 + 64 + 40 + 72 + 240 + 88.
    assert_eq!(cost("a", "0.8"), (d("600.00"), d("-380.00")));
    // At 0.9: 10800 7200 4500 | 8100 13500 9900 → 216 + 72 + 45 + 81 + 270 + 99.
    assert_eq!(cost("a", "0.9"), (d("783.00"), d("-197.00")));
    assert_eq!(cost("a", "1"), (d("980.00"), d("0.00")));
    // At 1.2: 14400 9600 6000 | 10800 18000 13200 → 288 + 96 + 60 + 216 + 360 + 264.
    assert_eq!(cost("a", "1.2"), (d("1284.00"), d("304.00")));
    // B is linear: 6000 + 3% × 60000 × factor.
    assert_eq!(cost("b", "0.8"), (d("7440.00"), d("-360.00")));
    assert_eq!(cost("b", "1.2"), (d("8160.00"), d("360.00")));
    let order: Vec<(String, String)> = c
        .stress
        .iter()
        .map(|r| (r.scheme.clone(), r.factor.normalize().to_string()))
        .collect();
    assert_eq!(
        order[..5].iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        STRESS_FACTORS
    );
    // Conversion does not move with sales, so neither do the scores.
    for id in ["a", "b"] {
        let means: Vec<f64> = c
            .stress
            .iter()
            .filter(|r| r.scheme == id)
            .map(|r| r.score_mean.unwrap())
            .collect();
        assert_eq!(means.len(), 5);
        assert!(
            means.iter().all(|m| (m - means[2]).abs() < 1e-12),
            "{id}: {means:?}"
        );
    }
}

#[test]
fn the_tables_hold_exact_money_and_say_why_a_value_is_missing() {
    let c = comparison();
    let pairs = c.pairs_frame().unwrap();
    let text = |f: &DataFrame, col: &str| {
        f.column(col)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(text(&pairs, "pay_difference").as_deref(), Some("6820.00"));
    assert_eq!(text(&pairs, "difference_q1").as_deref(), Some("1112.50"));
    let alignment = c.alignment_frame().unwrap();
    assert_eq!(
        alignment
            .column("store_gmv_growth_spearman")
            .unwrap()
            .f64()
            .unwrap()
            .get(0),
        None
    );
    assert_eq!(
        text(&alignment, "store_gmv_growth_note").as_deref(),
        Some(
            kpi_core::no_correlation_text(
                NoCorrelation::NoSpread(1),
                ["total score", "store GMV growth"],
                "employee-months with a score and a store GMV growth"
            )
            .as_str()
        )
    );
    let summary = c.summary_frame().unwrap();
    assert_eq!(summary.height(), 4, "company and S1 for each scheme");
    assert_eq!(text(&summary, "pay_total").as_deref(), Some("980.00"));
    let people = c.people_frame().unwrap();
    let names: Vec<&str> = people
        .get_column_names()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        &names[5..],
        [
            "a.total_score",
            "a.grade",
            "a.gross",
            "b.total_score",
            "b.grade",
            "b.gross",
            "b.score_change",
            "b.gross_change"
        ]
    );
    assert_eq!(text(&people, "b.gross_change").as_deref(), Some("1120.00"));
    let stress = c.stress_frame().unwrap();
    assert_eq!(stress.height(), 10);
}
