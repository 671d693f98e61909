//! Metric and rule invariants: ratios of sums, growth across years and
//! gaps, targets, and monotone scoring rules.

mod compare;
mod pay;
mod pay_by_hand;

use kpi_core::{Dataset, Past, Rule, Table, UnitCount, compute_metrics};
use polars::prelude::*;
use proptest::prelude::*;

fn employee_metrics(daily: DataFrame, targets: Option<DataFrame>) -> DataFrame {
    let mut data = Dataset::new();
    data.insert(Table::EmployeeDaily, daily);
    if let Some(t) = targets {
        data.insert(Table::Targets, t);
    }
    compute_metrics(&data).unwrap().employee
}

proptest! {
    /// However a month's activity is split into days, the rate is sum / sum.
    #[test]
    fn rates_are_ratios_of_sums(days in prop::collection::vec((0i64..500, 0i64..500), 1..40)) {
        let inquiries: Vec<i64> = days.iter().map(|d| d.0 + d.1).collect();
        let ordered: Vec<i64> = days.iter().map(|d| d.1).collect();
        let n = days.len();
        let daily = df!(
            "employee_id" => vec!["E1"; n],
            "period" => vec!["2025-03"; n],
            "inquiries" => inquiries.clone(),
            "order_buyers" => ordered.clone(),
        ).unwrap();
        let out = employee_metrics(daily, None);
        let value = out.column("inquiry_conversion").unwrap().f64().unwrap().get(0);
        let (num, den): (i64, i64) = (ordered.iter().sum(), inquiries.iter().sum());
        if den == 0 {
            prop_assert_eq!(value, None);
        } else {
            prop_assert_eq!(value, Some(num as f64 / den as f64));
        }
    }

    /// A deduction per unit never rises as the value grows, and stays within its limits.
    #[test]
    fn per_unit_deductions_are_monotone_and_bounded(a in 0.0f64..500.0, b in 0.0f64..500.0, whole in any::<bool>()) {
        let rule = Rule::PerUnit {
            start: 100.0, threshold: 32.0, points_per_unit: -2.0, unit: 1.0,
            past: Past::Above,
            count: if whole { UnitCount::Whole } else { UnitCount::Continuous },
            floor: Some(0.0), cap: Some(100.0),
        };
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (p_lo, p_hi) = (rule.apply(lo).points, rule.apply(hi).points);
        prop_assert!(p_hi <= p_lo);
        prop_assert!((0.0..=100.0).contains(&p_lo) && (0.0..=100.0).contains(&p_hi));
    }

}

#[test]
fn growth_crosses_year_boundaries_and_respects_gaps() {
    // GMV in cents; 2024-11 is missing.
    let mut data = Dataset::new();
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S1", "S1", "S1", "S1"],
            "period" => ["2024-01", "2024-10", "2024-12", "2025-01"],
            "gmv" => [10_000_i64, 5_000, 8_000, 12_000],
        )
        .unwrap(),
    );
    let store = compute_metrics(&data).unwrap().store;
    let mom = store
        .column("gmv_growth_mom")
        .unwrap()
        .f64()
        .unwrap()
        .to_vec();
    let yoy = store
        .column("gmv_growth_yoy")
        .unwrap()
        .f64()
        .unwrap()
        .to_vec();
    // 2024-12 has no 2024-11 to compare with; 2025-01 compares with 2024-12 across the year.
    assert_eq!(mom, [None, None, None, Some(120.0 / 80.0 - 1.0)]);
    assert_eq!(yoy, [None, None, None, Some(120.0 / 100.0 - 1.0)]);
    assert_eq!(
        store.column("gmv").unwrap().i64().unwrap().get(3),
        Some(12_000)
    );
}

#[test]
fn target_completion_uses_the_employee_target_and_a_zero_target_is_missing() {
    let daily = df!(
        "employee_id" => ["E1", "E1", "E2"],
        "period" => ["2025-01", "2025-01", "2025-01"],
        "cs_sales" => [100_000_i64, 50_000, 30_000],
    )
    .unwrap();
    let targets = df!(
        "period" => ["2025-01", "2025-01", "2025-01"],
        "level" => ["employee", "employee", "store"],
        "id" => ["E1", "E2", "E1"],
        "metric" => ["cs_sales", "cs_sales", "cs_sales"],
        "target" => [2_000.0, 0.0, 1.0],
    )
    .unwrap();
    let out = employee_metrics(daily, Some(targets));
    let completion = out
        .column("target_completion")
        .unwrap()
        .f64()
        .unwrap()
        .to_vec();
    assert_eq!(completion, [Some(0.75), None]);
}

#[test]
fn money_over_counts_is_in_yuan_and_durations_in_seconds() {
    let daily = df!(
        "employee_id" => ["E1"],
        "period" => ["2025-01"],
        "paid_buyers" => [3i64],
        "cs_sales" => [10_000_i64],
        "responses" => [4i64],
        "response_seconds" => [130_500i64],
    )
    .unwrap();
    let out = employee_metrics(daily, None);
    assert_eq!(
        out.column("cs_aov").unwrap().f64().unwrap().get(0),
        Some(10_000.0 / 300.0)
    );
    assert_eq!(
        out.column("avg_response_seconds")
            .unwrap()
            .f64()
            .unwrap()
            .get(0),
        Some(32.625)
    );
    assert_eq!(
        out.column("response_seconds")
            .unwrap()
            .f64()
            .unwrap()
            .get(0),
        Some(130.5)
    );
}
