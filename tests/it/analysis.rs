//! Trends and attribution on hand-built data: year-over-year and rolling
//! values across a year boundary and a missing month, LMDI effects that add
//! up to the change, chain substitution, tier sums and the mix / rate split,
//! every value computed by hand.

use kpi_core::{AttributionLevel, Dataset, Month, Table, attribute_changes, trends};
use polars::prelude::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn dataset() -> Dataset {
    // (store, month, uv, buyers, gmv cents). S01 has no February 2025.
    let rows: &[(&str, &str, i64, i64, i64)] = &[
        ("S01", "2024-01", 1000, 20, 300_000),
        ("S01", "2024-11", 2000, 50, 1_000_000),
        ("S01", "2024-12", 1500, 30, 450_000),
        ("S01", "2025-01", 1200, 30, 540_000),
        ("S01", "2025-03", 1000, 40, 600_000),
        ("S02", "2025-01", 800, 16, 240_000),
        ("S02", "2025-03", 1000, 30, 450_000),
    ];
    let mut data = Dataset::new();
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "period" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "uv" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "buyers" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "gmv" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    data
}

/// (value, mom, yoy, rolling_3, qtd, ytd, rank) of one trends row.
#[allow(clippy::type_complexity)]
fn trend(
    frame: &DataFrame,
    level: &str,
    id: &str,
    metric: &str,
    period: &str,
) -> (
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<u32>,
) {
    let s = |c: &str| frame.column(c).unwrap().str().unwrap().clone();
    let f = |c: &str| frame.column(c).unwrap().f64().unwrap().clone();
    let (levels, ids, metrics, periods) = (s("level"), s("id"), s("metric"), s("period"));
    let i = (0..frame.height())
        .find(|&i| {
            levels.get(i) == Some(level)
                && ids.get(i) == Some(id)
                && metrics.get(i) == Some(metric)
                && periods.get(i) == Some(period)
        })
        .unwrap_or_else(|| panic!("no trend {level} {id} {metric} {period}"));
    let rank = frame.column("rank").unwrap().u32().unwrap().get(i);
    (
        f("value").get(i).unwrap(),
        f("mom").get(i),
        f("yoy").get(i),
        f("rolling_3").get(i),
        f("qtd").get(i),
        f("ytd").get(i),
        rank,
    )
}

#[test]
fn trends_across_a_year_boundary_and_a_missing_month() {
    let t = trends(&dataset(), None).unwrap();
    // GMV of S01, January 2025: 5400; December 4500 → mom 5400 / 4500 − 1 =
    // 0.2; January 2024 3000 → yoy 0.8; rolling 3 months across the year
    // boundary: 10000 + 4500 + 5400 = 19900.
    let (value, mom, yoy, rolling, qtd, ytd, _) = trend(&t, "store", "S01", "gmv", "2025-01");
    assert!(close(value, 5400.0));
    assert!(close(mom.unwrap(), 0.2) && close(yoy.unwrap(), 0.8));
    assert!(close(rolling.unwrap(), 19900.0));
    assert!(close(qtd.unwrap(), 5400.0) && close(ytd.unwrap(), 5400.0));
    // Conversion, a rate: the ratio of the window's sums, (50 + 30 + 30) /
    // (2000 + 1500 + 1200) = 110 / 4700, not the mean of 2.5%, 2%, 2.5%.
    let (value, _, yoy, rolling, ..) = trend(&t, "store", "S01", "conversion_rate", "2025-01");
    assert!(close(value, 0.025));
    assert!(close(yoy.unwrap(), 0.025 / 0.02 - 1.0));
    assert!(close(rolling.unwrap(), 110.0 / 4700.0));
    // March 2025, February missing: no mom, and no window that holds
    // February: a window is every one of its months or no value.
    let (value, mom, yoy, rolling, qtd, ytd, rank) =
        trend(&t, "store", "S01", "conversion_rate", "2025-03");
    assert!(close(value, 0.04));
    assert_eq!(
        (mom, yoy, rolling, qtd, ytd),
        (None, None, None, None, None)
    );
    // The first month of the data has no 3-month window either.
    let (_, _, _, rolling, qtd, ..) = trend(&t, "store", "S01", "gmv", "2024-01");
    assert_eq!(rolling, None);
    assert!(close(qtd.unwrap(), 3000.0));
    // S01 converts 4% against S02's 3%: first of the two stores.
    assert_eq!(rank, Some(1));
    assert_eq!(
        trend(&t, "store", "S02", "conversion_rate", "2025-03").6,
        Some(2)
    );
    // The company: both stores' sums, (40 + 30) / (1000 + 1000) = 3.5%.
    assert!(close(
        trend(&t, "company", "all", "conversion_rate", "2025-03").0,
        0.035
    ));
    assert!(close(
        trend(&t, "company", "all", "gmv", "2025-03").0,
        10500.0
    ));
}

fn effects(
    frame: &DataFrame,
    level: &str,
    id: &str,
    metric: &str,
    method: &str,
) -> Vec<(String, f64)> {
    let s = |c: &str| frame.column(c).unwrap().str().unwrap().clone();
    let (levels, ids, metrics, methods, factors) =
        (s("level"), s("id"), s("metric"), s("method"), s("factor"));
    let effect = frame.column("effect").unwrap().f64().unwrap().clone();
    (0..frame.height())
        .filter(|&i| {
            levels.get(i) == Some(level)
                && ids.get(i) == Some(id)
                && metrics.get(i) == Some(metric)
                && methods.get(i) == Some(method)
        })
        .map(|i| (factors.get(i).unwrap().to_string(), effect.get(i).unwrap()))
        .collect()
}

#[test]
fn gmv_changes_split_by_factor_by_store_and_by_mix_and_rate() {
    let m = |s| Month::parse(s).unwrap();
    // The scheme declares buyers = UV × conversion too.
    let declared = [kpi_core::Identity {
        metric: "buyers".into(),
        factors: vec!["uv".into(), "conversion_rate".into()],
    }];
    let a = attribute_changes(
        &dataset(),
        &[(m("2025-01"), m("2025-03"))],
        AttributionLevel::Store,
        &declared,
    )
    .unwrap();
    // S01: 1200 × 2.5% × 180 = 5400 → 1000 × 4% × 150 = 6000.
    // Chain, in the order UV, conversion, AOV: (1000 − 1200) × 0.025 × 180 =
    // −900; 1000 × 0.015 × 180 = 2700; 1000 × 0.04 × (150 − 180) = −1200.
    let chain = effects(&a, "store", "S01", "gmv", "chain");
    let expected = [
        ("uv", -900.0),
        ("conversion_rate", 2700.0),
        ("aov", -1200.0),
    ];
    for ((factor, effect), (f, e)) in chain.iter().zip(expected) {
        assert_eq!(factor, f);
        assert!(close(*effect, e), "{factor}: {effect}");
    }
    // LMDI: L(6000, 5400) · ln(x₁ / x₀) per factor; they add up to 600 exactly.
    let lmdi = effects(&a, "store", "S01", "gmv", "lmdi");
    let l = 600.0 / (6000.0f64 / 5400.0).ln();
    let expected = [
        l * (1000.0f64 / 1200.0).ln(),
        l * (0.04f64 / 0.025).ln(),
        l * (150.0f64 / 180.0).ln(),
    ];
    for ((_, effect), e) in lmdi.iter().zip(expected) {
        assert!(close(*effect, e));
    }
    let total: f64 = lmdi.iter().map(|e| e.1).sum();
    assert!(close(total, 600.0), "{total}");
    // The declared identity: UV 1200 → 1000, conversion 2.5% → 4%: chain
    // (1000 − 1200) × 0.025 = −5 and 1000 × 0.015 = 15; 30 → 40 buyers.
    let buyers = effects(&a, "store", "S01", "buyers", "chain");
    assert_eq!(buyers.len(), 2);
    assert!(close(buyers[0].1, -5.0) && close(buyers[1].1, 15.0));
    // The company: 7800 → 10500, by LMDI to 1e-9 and by store exactly.
    let company: f64 = effects(&a, "company", "all", "gmv", "lmdi")
        .iter()
        .map(|e| e.1)
        .sum();
    assert!(close(company, 2700.0), "{company}");
    let tier = effects(&a, "company", "all", "gmv", "tier");
    assert_eq!(tier.len(), 2);
    assert!(close(tier[0].1, 600.0) && close(tier[1].1, 2100.0));
    // Conversion 46 / 2000 = 2.3% → 70 / 2000 = 3.5%: mix, rate and
    // interaction per store add up to 1.2 points.
    let split: Vec<f64> = ["mix", "rate", "interaction"]
        .iter()
        .flat_map(|method| effects(&a, "company", "all", "conversion_rate", method))
        .map(|e| e.1)
        .collect();
    assert_eq!(split.len(), 6);
    assert!(close(split.iter().sum::<f64>(), 0.012));
    // S01: mix (0.5 − 0.6) × 2.5% = −0.25 points; rate 0.6 × 1.5 points = 0.9.
    let mix = effects(&a, "company", "all", "conversion_rate", "mix");
    assert!(close(mix[0].1, -0.0025) && close(mix[1].1, 0.002));
    let rate = effects(&a, "company", "all", "conversion_rate", "rate");
    assert!(close(rate[0].1, 0.009) && close(rate[1].1, 0.004));
}

/// A roster of three: E1 and E2 in team T1, E3 in T2, all of store S01.
fn three_staff() -> Dataset {
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => ["E1", "E2", "E3"],
            "store_id" => ["S01"; 3],
            "team_id" => ["T1", "T1", "T2"],
            "role" => ["customer_service"; 3],
        )
        .unwrap(),
    );
    data
}

#[test]
fn targets_are_tracked_and_children_must_add_up_to_their_parent() {
    let mut data = three_staff();
    // cs_sales in cents: January 35 + 25 = 60 for T1, 45 for T2.
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ["E1", "E2", "E3", "E1", "E2", "E3"],
            "period" => ["2025-01", "2025-01", "2025-01", "2025-02", "2025-02", "2025-02"],
            "cs_sales" => [3_500i64, 2_500, 4_500, 3_000, 3_000, 3_000],
        )
        .unwrap(),
    );
    // (period, level, id, target): January adds up (100 = 60 + 40, 60 = 30 +
    // 30); February's teams add up to 90, not 100; E2 has no February target.
    let rows: &[(&str, &str, &str, f64)] = &[
        ("2025-01", "store", "S01", 100.0),
        ("2025-01", "team", "T1", 60.0),
        ("2025-01", "team", "T2", 40.0),
        ("2025-01", "employee", "E1", 30.0),
        ("2025-01", "employee", "E2", 30.0),
        ("2025-01", "employee", "E3", 40.0),
        ("2025-02", "store", "S01", 100.0),
        ("2025-02", "team", "T1", 50.0),
        ("2025-02", "team", "T2", 40.0),
        ("2025-02", "employee", "E1", 50.0),
    ];
    data.insert(
        Table::Targets,
        df!(
            "period" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "level" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "id" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "metric" => vec!["cs_sales"; rows.len()],
            "target" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    let t = kpi_core::target_tracking(&data).unwrap();
    let s = |c: &str| t.column(c).unwrap().str().unwrap().clone();
    let f = |c: &str| t.column(c).unwrap().f64().unwrap().clone();
    let (periods, levels, ids, checks) = (s("period"), s("level"), s("id"), s("check"));
    let (actual, completion, gap) = (f("actual"), f("completion"), f("gap"));
    let find = |p: &str, l: &str, id: &str| {
        (0..t.height())
            .find(|&i| {
                periods.get(i) == Some(p) && levels.get(i) == Some(l) && ids.get(i) == Some(id)
            })
            .unwrap()
    };
    // The store's cs_sales is its teams' sums: 60 + 45 = 105 against 100.
    let i = find("2025-01", "store", "S01");
    assert!(close(actual.get(i).unwrap(), 105.0) && close(completion.get(i).unwrap(), 1.05));
    assert!(close(gap.get(i).unwrap(), -5.0));
    assert_eq!(checks.get(i), Some("ok"));
    let i = find("2025-01", "employee", "E1");
    assert!(close(completion.get(i).unwrap(), 35.0 / 30.0));
    assert_eq!(checks.get(i), None);
    assert_eq!(checks.get(find("2025-01", "team", "T1")), Some("ok"));
    // February: the teams' 50 + 40 = 90 break the store's 100, and only one
    // of T1's two employees has a target.
    assert_eq!(
        checks.get(find("2025-02", "store", "S01")),
        Some("store S01 > teams: 100 ≠ 90 (-10)")
    );
    assert_eq!(
        checks.get(find("2025-02", "team", "T1")),
        Some("team T1 > employees: 1 of 2 have a target")
    );
}

#[test]
fn an_annual_target_splits_down_the_pyramid() {
    let mut data = three_staff();
    // Last year's GMV: January 1000, December 1500, the other months 500.
    let months: Vec<String> = (1..=12).map(|m| format!("2024-{m:02}")).collect();
    let gmv: Vec<i64> = (1..=12)
        .map(|m| match m {
            1 => 100_000,
            12 => 150_000,
            _ => 50_000,
        })
        .collect();
    data.insert(
        Table::StoreDaily,
        df!("store_id" => vec!["S01"; 12], "period" => months, "gmv" => gmv).unwrap(),
    );
    // Last January's cs_sales: E1 30, E2 10, E3 60 (no other month).
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ["E1", "E2", "E3"],
            "period" => ["2024-01"; 3],
            "cs_sales" => [3_000i64, 1_000, 6_000],
        )
        .unwrap(),
    );
    // A year of GMV with January given; a year of cs_sales.
    data.insert(
        Table::Targets,
        df!(
            "period" => ["2025", "2025-01", "2025"],
            "level" => ["store"; 3],
            "id" => ["S01"; 3],
            "metric" => ["gmv", "gmv", "cs_sales"],
            "target" => [12_000.0, 1_500.0, 1_200.0],
        )
        .unwrap(),
    );
    let t = kpi_core::target_tracking(&data).unwrap();
    let s = |c: &str| t.column(c).unwrap().str().unwrap().clone();
    let (periods, levels, ids, metrics, sources, checks) = (
        s("period"),
        s("level"),
        s("id"),
        s("metric"),
        s("source"),
        s("check"),
    );
    let target = t.column("target").unwrap().f64().unwrap().clone();
    let get = |p: &str, l: &str, id: &str, m: &str| {
        let i = (0..t.height())
            .find(|&i| {
                periods.get(i) == Some(p)
                    && levels.get(i) == Some(l)
                    && ids.get(i) == Some(id)
                    && metrics.get(i) == Some(m)
            })
            .unwrap_or_else(|| panic!("no target {p} {l} {id} {m}"));
        (
            target.get(i).unwrap(),
            sources.get(i).unwrap().to_string(),
            checks.get(i).map(str::to_string),
        )
    };
    // GMV: 12000 − 1500 given = 10500 over February–December by last year's
    // shares (500 each, 1500 in December, of 6500).
    let (feb, source, _) = get("2025-02", "store", "S01", "gmv");
    assert!(close(feb, 10_500.0 * 500.0 / 6_500.0) && source == "seasonal");
    assert!(close(
        get("2025-12", "store", "S01", "gmv").0,
        10_500.0 * 1_500.0 / 6_500.0
    ));
    assert_eq!(get("2025-01", "store", "S01", "gmv").1, "given");
    assert_eq!(get("2025", "store", "S01", "gmv").2.as_deref(), Some("ok"));
    // cs_sales: no history for most months → 100 a month, evenly.
    let (jan, source, check) = get("2025-01", "store", "S01", "cs_sales");
    assert!(close(jan, 100.0) && source == "even");
    assert_eq!(check.as_deref(), Some("ok"));
    // January to teams by last January's shares (T1 40, T2 60), then to
    // employees (E1 30 : E2 10 of T1).
    let (t1, source, check) = get("2025-01", "team", "T1", "cs_sales");
    assert!(close(t1, 40.0) && source == "share");
    assert_eq!(check.as_deref(), Some("ok"));
    assert!(close(get("2025-01", "team", "T2", "cs_sales").0, 60.0));
    assert!(close(get("2025-01", "employee", "E1", "cs_sales").0, 30.0));
    assert!(close(get("2025-01", "employee", "E2", "cs_sales").0, 10.0));
    // February has no history: even splits, 50 / 50, then 25 / 25.
    assert!(close(get("2025-02", "team", "T1", "cs_sales").0, 50.0));
    let (e1, source, _) = get("2025-02", "employee", "E1", "cs_sales");
    assert!(close(e1, 25.0) && source == "even");
    assert_eq!(
        get("2025", "store", "S01", "cs_sales").2.as_deref(),
        Some("ok")
    );
}

#[test]
fn targets_files_may_name_a_year() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("store_daily.csv"),
        "store_id,period,gmv\nS01,2025-01,100\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("targets.csv"),
        "期间,层级,对象编号,指标,目标\n2025年,store,S01,gmv,1200\n2025-01,store,S01,gmv,100\n",
    )
    .unwrap();
    let loaded = kpi_io::read_dataset(dir.path(), &|_, _| {});
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let targets = loaded.dataset.get(Table::Targets).unwrap();
    let periods: Vec<&str> = targets
        .column("period")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(periods, ["2025", "2025-01"]);
    // A year is accepted in targets only.
    std::fs::write(
        dir.path().join("store_daily.csv"),
        "store_id,period,gmv\nS01,2025,100\n",
    )
    .unwrap();
    let err = kpi_io::read_dataset(dir.path(), &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("store_daily.csv"), "{err}");
}

#[test]
fn monthly_targets_are_tracked_week_by_week() {
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!("employee_id" => ["E1"], "store_id" => ["S01"], "team_id" => ["T1"], "role" => ["customer_service"]).unwrap(),
    );
    // 12.00 a day from 1 to 10 January 2025 (a Wednesday).
    let days: Vec<i32> = (1..=10)
        .map(|d| kpi_core::days_from_civil(2025, 1, d))
        .collect();
    let mut daily = df!(
        "employee_id" => vec!["E1"; 10],
        "date" => days.clone(),
        "period" => vec!["2025-01"; 10],
        "cs_sales" => vec![1_200i64; 10],
    )
    .unwrap();
    daily
        .with_column(daily.column("date").unwrap().cast(&DataType::Date).unwrap())
        .unwrap();
    data.insert(Table::EmployeeDaily, daily);
    data.insert(
        Table::Targets,
        df!(
            "period" => ["2025-01"],
            "level" => ["employee"],
            "id" => ["E1"],
            "metric" => ["cs_sales"],
            "target" => [310.0],
        )
        .unwrap(),
    );
    let t = kpi_core::target_tracking(&data).unwrap();
    let weeks: Vec<Option<&str>> = t.column("week").unwrap().str().unwrap().iter().collect();
    let target: Vec<f64> = t
        .column("target")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    let actual: Vec<Option<f64>> = t.column("actual").unwrap().f64().unwrap().iter().collect();
    // The month (310 against 120), then its five weeks: 1–5 January (5 of 31
    // days: 50), three full weeks (70 each), 27–31 January (50).
    assert_eq!(
        weeks,
        [
            None,
            Some("2024-12-30"),
            Some("2025-01-06"),
            Some("2025-01-13"),
            Some("2025-01-20"),
            Some("2025-01-27")
        ]
    );
    for (got, want) in target.iter().zip([310.0, 50.0, 70.0, 70.0, 70.0, 50.0]) {
        assert!(close(*got, want), "{got} vs {want}");
    }
    assert!(close(actual[0].unwrap(), 120.0));
    assert!(close(actual[1].unwrap(), 60.0) && close(actual[2].unwrap(), 60.0));
    assert_eq!(actual[3], None);
}

#[test]
fn the_analysis_of_the_metrics_sums_is_that_of_the_daily_rows() {
    // The demo's year: stores, teams, employees and targets.
    let data = kpi_io::generate(&kpi_io::GenOptions::default());
    let scheme = kpi::builtin_scheme().unwrap();
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let of_rows = kpi_core::MonthlySums::of(&data).unwrap();
    let of_metrics = kpi_core::MonthlySums::of_metrics(&scored.metrics, &data).unwrap();
    let trends = |sums| kpi_core::trends_in(sums, Some(&scored.scores)).unwrap();
    let (a, b) = (trends(&of_rows), trends(&of_metrics));
    assert!(a.height() > 10_000, "{} trend rows", a.height());
    assert!(a.equals_missing(&b));
    let targets = |sums| kpi_core::target_tracking_in(sums, &data).unwrap();
    let (a, b) = (targets(&of_rows), targets(&of_metrics));
    assert!(a.height() > 0);
    assert!(a.equals_missing(&b));
    let pairs = kpi_core::consecutive_months(&data).unwrap();
    let attribution = |sums| {
        kpi_core::attribute_changes_in(sums, &data, &pairs, AttributionLevel::Employee, &[])
            .unwrap()
    };
    let (a, b) = (attribution(&of_rows), attribution(&of_metrics));
    assert!(a.height() > 0);
    assert!(a.equals_missing(&b));
}

#[test]
fn a_level_without_a_metric_column_has_no_trend_rows() {
    // Stores with months but no column a metric reads; employees with one.
    let mut data = Dataset::new();
    data.insert(
        Table::StoreDaily,
        df!("store_id" => ["S01", "S02"], "period" => ["2025-01", "2025-02"]).unwrap(),
    );
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ["E1", "E1"],
            "period" => ["2025-01", "2025-02"],
            "inquiries" => [10i64, 20],
        )
        .unwrap(),
    );
    let t = trends(&data, None).unwrap();
    let levels: Vec<Option<&str>> = t.column("level").unwrap().str().unwrap().iter().collect();
    assert!(!levels.is_empty());
    assert!(levels.iter().all(|l| *l == Some("employee")), "{levels:?}");
}
