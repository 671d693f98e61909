//! The customer_service scheme on hand-built data, every value computed by
//! hand from the seed rules: band edges 0.5 / 0.3 / 0.2, 0.9 / 0.8 / 0.6,
//! 120 / 80 / 50, response 32 s and 82 s, zero denominators, 20 and 21
//! absent days.

use kpi_core::{Dataset, Flag, Lang, MissingPolicy, ScoreRow, Table, compute_metrics, score};
use polars::prelude::*;

/// (id, role, inquiries, order_buyers, paid_buyers, cs_sales cents, responses, response ms, absent days)
type Case = (
    &'static str,
    &'static str,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
);

const CASES: &[Case] = &[
    // 50/100 = 0.5 → 100; 45/50 = 0.9 → 100; 5400/45 = 120 → 100; 320/10 = 32 s → 100.
    (
        "A",
        "customer_service",
        100,
        50,
        45,
        540_000,
        10,
        320_000,
        0.0,
    ),
    // 0.3 → 90; 24/30 = 0.8 → 90; 1920/24 = 80 → 90; 82 s → 100 − 2 × 50 = 0.
    (
        "B",
        "customer_service",
        100,
        30,
        24,
        192_000,
        10,
        820_000,
        0.0,
    ),
    // 0.2 → 80; 12/20 = 0.6 → 80; 600/12 = 50 → 80; 40.5 s → 100 − 2 × 8.5 = 83.
    (
        "C",
        "customer_service",
        100,
        20,
        12,
        60_000,
        10,
        405_000,
        0.0,
    ),
    // 95/500 = 0.19 → 0; 56/95 = 0.589 → 0; 2799.44/56 = 49.99 → 0; 33 s → 98.
    (
        "D",
        "customer_service",
        500,
        95,
        56,
        279_944,
        10,
        330_000,
        0.0,
    ),
    // Every denominator zero: every item missing → 0.
    ("E", "customer_service", 0, 0, 0, 0, 0, 0, 0.0),
    // 20 absent days: still scored (the rule is "more than 20").
    (
        "F",
        "customer_service",
        100,
        50,
        45,
        540_000,
        10,
        320_000,
        20.0,
    ),
    // 21 absent days: not eligible.
    (
        "G",
        "customer_service",
        100,
        50,
        45,
        540_000,
        10,
        320_000,
        21.0,
    ),
    // Not a role of the scheme: no scores row.
    ("H", "operations", 100, 50, 45, 540_000, 10, 320_000, 0.0),
    // 4999/10000 just below 0.5 → 90; 4499/4999 = 0.89998 just below 0.9 → 90; 120 → 100; 32 s → 100.
    (
        "I",
        "customer_service",
        10_000,
        4_999,
        4_499,
        53_988_000,
        10,
        320_000,
        0.0,
    ),
];

/// The built-in scheme without its `[pay]` table: these tests score
/// hand-built data that has no roster amounts.
fn scoring_text() -> &'static str {
    kpi::BUILTIN_SCHEME.split("\n[pay]\n").next().unwrap()
}

fn scoring_scheme() -> kpi_core::Scheme {
    kpi_io::parse_scheme(
        scoring_text(),
        std::path::Path::new("customer_service.toml"),
    )
    .unwrap()
}

fn dataset() -> Dataset {
    let col_str = |f: fn(&Case) -> &'static str| CASES.iter().map(f).collect::<Vec<_>>();
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => col_str(|c| c.0),
            "store_id" => vec!["S01"; CASES.len()],
            "team_id" => vec!["T1"; CASES.len()],
            "role" => col_str(|c| c.1),
        )
        .unwrap(),
    );
    // Split each employee's month over two daily rows, to prove rates are ratios of sums.
    let mut rows: Vec<(&str, &str, [i64; 6])> = Vec::new();
    for c in CASES {
        let totals = [c.2, c.3, c.4, c.5, c.6, c.7];
        let first = totals.map(|t| t / 3);
        let second: Vec<i64> = totals.iter().zip(first).map(|(t, f)| t - f).collect();
        rows.push((c.0, "2025-01", first));
        rows.push((c.0, "2025-01", second.try_into().unwrap()));
    }
    let field = |k: usize| rows.iter().map(|r| r.2[k]).collect::<Vec<i64>>();
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "period" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "inquiries" => field(0),
            "order_buyers" => field(1),
            "paid_buyers" => field(2),
            "cs_sales" => field(3),
            "responses" => field(4),
            "response_seconds" => field(5),
        )
        .unwrap(),
    );
    data.insert(
        Table::Attendance,
        df!(
            "employee_id" => col_str(|c| c.0),
            "period" => vec!["2025-01"; CASES.len()],
            "absent_days" => CASES.iter().map(|c| c.8).collect::<Vec<f64>>(),
        )
        .unwrap(),
    );
    data
}

fn row<'a>(rows: &'a [ScoreRow], id: &str) -> &'a ScoreRow {
    rows.iter()
        .find(|r| *r.employee_id == *id)
        .unwrap_or_else(|| panic!("no row for {id}"))
}

fn points(r: &ScoreRow) -> Vec<f64> {
    r.items.iter().map(|i| i.points.unwrap()).collect()
}

#[test]
fn customer_service_scheme_matches_hand_computed_scores() {
    let scheme = scoring_scheme();
    let data = dataset();
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let rows = &scores.rows;
    assert_eq!(rows.len(), 8, "H (operations) has no row");
    assert!(rows.iter().all(|r| &*r.employee_id != "H"));

    // (employee, points per item, total, grade)
    let expected: [(&str, [f64; 4], f64, &str); 5] = [
        ("A", [100.0, 100.0, 100.0, 100.0], 100.0, "卓越"),
        ("B", [90.0, 90.0, 90.0, 0.0], 72.0, "一般"),
        ("C", [80.0, 80.0, 80.0, 83.0], 80.6, "良好"),
        ("D", [0.0, 0.0, 0.0, 98.0], 19.6, "不及格"),
        ("I", [90.0, 90.0, 100.0, 100.0], 94.0, "优秀"),
    ];
    for (id, item_points, total, grade) in expected {
        let r = row(rows, id);
        assert_eq!(points(r), item_points, "{id}");
        assert_eq!(
            (r.total_score, r.grade.as_deref()),
            (Some(total), Some(grade)),
            "{id}"
        );
    }

    let e = row(rows, "E");
    assert_eq!(points(e), [0.0, 0.0, 0.0, 0.0]);
    assert_eq!(e.total_score, Some(0.0));
    assert_eq!(
        e.items
            .iter()
            .map(|i| i.missing_reason.as_deref().unwrap())
            .collect::<Vec<_>>(),
        [
            "inquiries = 0",
            "order_buyers = 0",
            "paid_buyers = 0",
            "responses = 0"
        ]
    );
    assert_eq!(e.flags.len(), 4);

    let f = row(rows, "F");
    assert!(f.eligible);
    assert_eq!(f.total_score, Some(100.0));

    let g = row(rows, "G");
    assert!(!g.eligible);
    assert_eq!((g.total_score, g.grade.as_deref()), (None, None));
    assert_eq!(
        g.flags,
        [Flag::AbsentTooLong {
            days: 21.0,
            max: 20.0
        }]
    );
}

#[test]
fn explanations_carry_numerator_denominator_and_rule() {
    let scheme = scoring_scheme();
    let data = dataset();
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let c = row(&scores.rows, "C");
    let response = &c.items[3];
    assert_eq!(response.value(), Some(40.5));
    assert_eq!(
        (response.numerator(), response.denominator()),
        (Some(405.0), Some(10.0))
    );
    assert_eq!(response.rule(Lang::En), "100 − 2 × 8.5 = 83");
    assert_eq!(response.contribution, Some(83.0 * 20.0 / 100.0));
    let aov = &c.items[2];
    assert_eq!(
        (aov.value(), aov.numerator(), aov.denominator()),
        (Some(50.0), Some(600.0), Some(12.0))
    );
    assert_eq!(aov.rule(Lang::En), "band ≥50 and <80 → 80");
}

#[test]
fn skip_policy_redistributes_the_weight_of_missing_items() {
    let mut scheme = scoring_scheme();
    scheme.scheme.missing = MissingPolicy::Skip;
    let mut data = dataset();
    // C without responses: the 20-point response item is skipped.
    let daily = data.get(Table::EmployeeDaily).unwrap().clone();
    let is_c = daily
        .column("employee_id")
        .unwrap()
        .str()
        .unwrap()
        .equal("C");
    let responses = daily.column("responses").unwrap().i64().unwrap().clone();
    let zeroed: Int64Chunked = is_c
        .iter()
        .zip(responses.iter())
        .map(|(c, r)| if c == Some(true) { Some(0) } else { r })
        .collect();
    let mut daily = daily;
    daily
        .with_column(zeroed.with_name("responses".into()).into_column())
        .unwrap();
    data.insert(Table::EmployeeDaily, daily);
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let c = row(&scores.rows, "C");
    // (35 × 80 + 25 × 80 + 20 × 80) / 80 = 80.
    assert_eq!(c.items[3].points, None);
    assert_eq!(c.total_score, Some(80.0));
    let e = row(&scores.rows, "E");
    assert_eq!(e.total_score, None);
    assert!(e.flags.contains(&Flag::NoItemScored));
}

#[test]
fn a_scheme_needing_absent_columns_is_a_clear_error() {
    let scheme = scoring_scheme();
    let mut data = dataset();
    let daily = data
        .get(Table::EmployeeDaily)
        .unwrap()
        .drop("responses")
        .unwrap();
    data.insert(Table::EmployeeDaily, daily);
    assert_eq!(
        score_error(&scheme, &data),
        "scheme key `items[3].metric` needs column `responses` of table `employee_daily`, which the dataset lacks"
    );
}

#[test]
fn explain_shows_each_item_with_its_inputs_rule_and_contribution() {
    let scheme = scoring_scheme();
    let data = dataset();
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let text = kpi::explain(&scored, &scheme, "C", "2025-01", kpi::Lang::En).unwrap();
    assert_eq!(
        text,
        "C · S01 · T1 · customer_service · 2025-01 — 客服月度绩效考核
  咨询转化率 [inquiry_conversion]: 20.00% = 20 / 100 (order_buyers / inquiries)
      rule: band ≥0.2 and <0.3 → 80; points 80 × weight 35 → adds 28.00
  下单成功率 [payment_rate]: 60.00% = 12 / 20 (paid_buyers / order_buyers)
      rule: band ≥0.6 and <0.8 → 80; points 80 × weight 25 → adds 20.00
  客单价 [cs_aov]: ¥50.00 = 600 / 12 (cs_sales / paid_buyers)
      rule: band ≥50 and <80 → 80; points 80 × weight 20 → adds 16.00
  平均响应时间 [avg_response_seconds]: 40.5 s = 405 / 10 (response_seconds / responses)
      rule: 100 − 2 × 8.5 = 83; points 83 × weight 20 → adds 16.60
total 80.60 → grade 良好
position wage ¥1600.00
"
    );
    let g = kpi::explain(&scored, &scheme, "G", "2025-01", kpi::Lang::Zh).unwrap();
    assert!(
        g.ends_with("本期不参与考核: not_eligible: absent_days 21 > 20\n"),
        "{g}"
    );
    let h = kpi::explain(&scored, &scheme, "H", "2025-01", kpi::Lang::Zh)
        .unwrap_err()
        .to_string();
    assert_eq!(
        h,
        "employee `H` is `operations`; scheme `customer_service` scores customer_service"
    );
    let late = kpi::explain(&scored, &scheme, "C", "2025-02", kpi::Lang::Zh).unwrap_err();
    assert!(matches!(
        &late,
        kpi::Error::NoScore(kpi::NoScore::NotInPeriod { months, .. }) if months == &["2025-01"]
    ));
    assert_eq!(
        late.to_string(),
        "employee `C` has no score for 2025-02; months with activity: 2025-01"
    );
}

/// The message of scoring's refusal of `data`.
fn score_error(scheme: &kpi_core::Scheme, data: &Dataset) -> String {
    let metrics = compute_metrics(data).unwrap();
    score(scheme, &metrics, data).unwrap_err().to_string()
}

/// A test scheme of `tests/schemes/`, by file stem.
fn test_scheme(name: &str) -> kpi_core::Scheme {
    let path = format!("{}/tests/schemes/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    kpi_io::parse_scheme(&text, std::path::Path::new(&format!("{name}.toml"))).unwrap()
}

/// Sections (KPI 60 weighted, service 40 averaged) and a bonus capped at 5.
const SECTIONED: &str = include_str!("../schemes/sectioned.toml");

#[test]
fn sections_weigh_items_and_bonus_adds_on_top_within_its_cap() {
    let scheme = kpi_io::parse_scheme(SECTIONED, std::path::Path::new("sectioned.toml")).unwrap();
    let data = dataset();
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    // (employee, [kpi, service], bonus, total, grade), computed by hand:
    // A: kpi 100, service 100, bonus 16 points capped at 5 → 105.
    // B: kpi (35×90 + 25×90)/60 = 90, service (90 + 0)/2 = 45, base 0.6×90 + 0.4×45 = 72, bonus 0.
    // C: kpi 80, service (80 + 83)/2 = 81.5, base 48 + 32.6 = 80.6, bonus floored at 0.
    // E: every metric missing → 0 points, and no bonus.
    let expected: [(&str, [f64; 2], f64, f64, &str); 4] = [
        ("A", [100.0, 100.0], 5.0, 105.0, "A"),
        ("B", [90.0, 45.0], 0.0, 72.0, "C"),
        ("C", [80.0, 81.5], 0.0, 80.6, "B"),
        ("E", [0.0, 0.0], 0.0, 0.0, "C"),
    ];
    for (id, sections, bonus, total, grade) in expected {
        let r = row(&scores.rows, id);
        assert_eq!(r.sections, sections.map(Some), "{id}");
        assert_eq!(r.bonus, Some(bonus), "{id}");
        assert_eq!(
            (r.total_score, r.grade.as_deref()),
            (Some(total), Some(grade)),
            "{id}"
        );
    }
    let c = row(&scores.rows, "C");
    let contributions: Vec<f64> = c
        .items
        .iter()
        .map(|i| (i.contribution.unwrap() * 1e9).round() / 1e9)
        .collect();
    assert_eq!(contributions, [28.0, 20.0, 16.0, 16.6]);
    let a = row(&scores.rows, "A");
    assert_eq!(
        a.bonus_items[0].rule(Lang::En),
        "0 + 1 × 16 = 16, capped at 5"
    );

    let frame = scores.to_frame().unwrap();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        names.join(","),
        "period,employee_id,store_id,team_id,role,eligible,\
         points.conv,points.pay,points.aov,points.resp,points.conv_bonus,\
         section.kpi,section.service,bonus,total_score,grade,flags"
    );
    let scored = kpi::Scored {
        metrics,
        scores,
        pay: None,
        analysis: None,
    };
    let text = kpi::explain(&scored, &scheme, "A", "2025-01", kpi::Lang::Zh).unwrap();
    assert!(
        text.contains("  关键业绩指标 [kpi]: 100.00 × 权重 60\n"),
        "{text}"
    );
    assert!(
        text.contains("      规则: 0 + 1 × 16 = 16,封顶 5; 加分 +5\n"),
        "{text}"
    );
    assert!(text.ends_with("总分 105.00 → 等级 A\n"), "{text}");
}

#[test]
fn items_outside_the_sections_are_refused() {
    let broken = SECTIONED.replacen(
        "section = \"service\"\nmetric = \"cs_aov\"",
        "section = \"extra\"\nmetric = \"cs_aov\"",
        1,
    );
    let err = kpi_io::parse_scheme(&broken, std::path::Path::new("s.toml"))
        .unwrap_err()
        .to_string();
    let line = broken
        .lines()
        .position(|l| l.contains("\"extra\""))
        .unwrap()
        + 1;
    assert_eq!(
        err,
        format!(
            "s.toml:{line}: items[2].section: unknown section `extra`; sections are kpi, service"
        )
    );
}

#[test]
fn rank_bonus_gives_top_three_places_with_ties_sharing_the_better_place() {
    // Seed 000 电子商务部绩效考核方法: the top 3 get +3 / +2 / +1.
    let text = format!(
        "{}\n[[bonus]]\nid = \"conv_rank\"\nmetric = \"inquiry_conversion\"\nrule = {{ kind = \"rank\", within = \"store\", direction = \"higher\", points = [3, 2, 1] }}\n",
        scoring_text()
    );
    let scheme = kpi_io::parse_scheme(&text, std::path::Path::new("rank.toml")).unwrap();
    let data = dataset();
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    // Eligible with a value: A 0.5, F 0.5, I 0.4999, B 0.3, C 0.2, D 0.19.
    // E has no value (not ranked), G is not eligible, H is not scored.
    let expected = [
        ("A", 3.0, "place 1 of 6 in the store → 3", 103.0),
        ("F", 3.0, "place 1 of 6 in the store → 3", 103.0),
        ("I", 1.0, "place 3 of 6 in the store → 1", 95.0),
        ("B", 0.0, "place 4 of 6 in the store → 0", 72.0),
        ("E", 0.0, "missing → no bonus", 0.0),
    ];
    for (id, bonus, rule, total) in expected {
        let r = row(&scores.rows, id);
        assert_eq!(r.bonus, Some(bonus), "{id}");
        assert_eq!(r.bonus_items[0].rule(Lang::En), rule, "{id}");
        assert_eq!(r.total_score, Some(total), "{id}");
    }
    // The bonus lifts I from 94 (优秀) to 95 (卓越).
    assert_eq!(row(&scores.rows, "I").grade.as_deref(), Some("卓越"));
    assert_eq!(row(&scores.rows, "G").bonus_items.len(), 0);
}

#[test]
fn new_staff_are_not_scored_and_probation_is_flagged() {
    let text = scoring_text().replace(
        "max_absent_days = 20",
        "max_absent_days = 20\nmin_days_employed = 30\nprobation_days = 90",
    );
    let scheme = kpi_io::parse_scheme(&text, std::path::Path::new("tenure.toml")).unwrap();
    let mut data = dataset();
    assert_eq!(
        score_error(&scheme, &data),
        "scheme key `eligibility.min_days_employed` needs column `hire_date` of table `employees`, which the dataset lacks"
    );

    let roster = data.get(Table::Employees).unwrap().clone();
    let ids: Vec<String> = roster
        .column("employee_id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    // A joined 2025-01-20 (12 days by 2025-01-31), B 2024-12-15 (48 days), the rest in 2020.
    let hires: Int32Chunked = ids
        .iter()
        .map(|id| {
            Some(match id.as_str() {
                "A" => kpi_core::days_from_civil(2025, 1, 20),
                "B" => kpi_core::days_from_civil(2024, 12, 15),
                _ => kpi_core::days_from_civil(2020, 1, 1),
            })
        })
        .collect();
    let mut roster = roster;
    roster
        .with_column(
            hires
                .with_name("hire_date".into())
                .into_date()
                .into_column(),
        )
        .unwrap();
    data.insert(Table::Employees, roster);
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let a = row(&scores.rows, "A");
    assert!(!a.eligible);
    assert_eq!(a.flags, [Flag::TooNew { days: 12, min: 30 }]);
    let b = row(&scores.rows, "B");
    assert!(b.eligible);
    assert_eq!(
        b.flags,
        [Flag::Probation {
            days: 48,
            probation: 90
        }]
    );
    assert_eq!(b.total_score, Some(72.0));
    assert!(row(&scores.rows, "C").flags.is_empty());
}

#[test]
fn overrides_change_weights_in_named_months_only() {
    let with_override = |month: u32| {
        let text = format!(
            "{}\n[[overrides]]\nmonths = [{month}]\nweights = {{ avg_response_seconds = 40, inquiry_conversion = 15 }}\n",
            scoring_text()
        );
        kpi_io::parse_scheme(&text, std::path::Path::new("o.toml")).unwrap()
    };
    let data = dataset();
    let metrics = compute_metrics(&data).unwrap();
    // January: B = (15×90 + 25×90 + 20×90 + 40×0) / 100 = 54; C = (15×80 + 25×80 + 20×80 + 40×83) / 100 = 81.2.
    let january = score(&with_override(1), &metrics, &data).unwrap();
    assert_eq!(row(&january.rows, "B").total_score, Some(54.0));
    assert_eq!(row(&january.rows, "C").total_score, Some(81.2));
    assert_eq!(row(&january.rows, "C").items[3].weight(), 40.0);
    // An override for November leaves January as it was.
    let november = score(&with_override(11), &metrics, &data).unwrap();
    assert_eq!(row(&november.rows, "B").total_score, Some(72.0));

    let bad =
        scoring_text().to_string() + "\n[[overrides]]\nmonths = [13]\nweights = { sales = 50 }\n";
    let err = kpi_io::parse_scheme(&bad, std::path::Path::new("o.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("overrides[0].months: months are 1 to 12"),
        "{err}"
    );
}

#[test]
fn streaks_flag_runs_of_consecutive_months_and_gaps_break_them() {
    let scheme = test_scheme("streaks");
    // X: A every month Jan–Jun. Y: A but no activity in March. Z: C in Jan and Feb.
    let months = [
        "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06",
    ];
    let mut ids = Vec::new();
    let mut periods = Vec::new();
    let mut ordered = Vec::new();
    for (id, active, conv) in [
        ("X", [true; 6], 6),
        ("Y", [true, true, false, true, true, true], 6),
        ("Z", [true, true, false, false, false, false], 1),
    ] {
        for (m, on) in months.iter().zip(active) {
            if on {
                ids.push(id);
                periods.push(*m);
                ordered.push(conv as i64);
            }
        }
    }
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!("employee_id" => ["X", "Y", "Z"], "role" => ["customer_service"; 3]).unwrap(),
    );
    let n = ids.len();
    data.insert(
        Table::EmployeeDaily,
        df!("employee_id" => ids, "period" => periods, "inquiries" => vec![10i64; n], "order_buyers" => ordered).unwrap(),
    );
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let flagged: Vec<String> = scores
        .rows
        .iter()
        .filter(|r| !r.flags.is_empty())
        .map(|r| {
            format!(
                "{} {} {}",
                r.employee_id,
                r.period,
                r.flags
                    .iter()
                    .map(Flag::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .collect();
    assert_eq!(
        flagged,
        [
            "Z 2025-02 streak: transfer (2 months in C)",
            "X 2025-03 streak: award (3 months in A, 200)",
            "X 2025-06 streak: award (3 months in A, 200)",
            "Y 2025-06 streak: award (3 months in A, 200)",
        ]
    );
}

#[test]
fn a_manager_scores_the_average_of_the_store_staff() {
    let text = scoring_text().replace(
        "roles = [\"customer_service\"]",
        "roles = [\"customer_service\", \"店长\"]",
    ) + "\n[team_average]\nrole = \"manager\"\nwithin = \"store\"\n";
    let scheme = kpi_io::parse_scheme(&text, std::path::Path::new("m.toml")).unwrap();
    let mut data = dataset();
    let roster = data.get(Table::Employees).unwrap();
    let manager = df!("employee_id" => ["M"], "store_id" => ["S01"], "team_id" => ["T1"], "role" => ["manager"]).unwrap();
    data.insert(Table::Employees, roster.vstack(&manager).unwrap());
    let daily = data.get(Table::EmployeeDaily).unwrap();
    let zero = |name: &str| Column::new(name.into(), [0i64]);
    let m_row = DataFrame::new(
        1,
        vec![
            Column::new("employee_id".into(), ["M"]),
            Column::new("period".into(), ["2025-01"]),
            zero("inquiries"),
            zero("order_buyers"),
            zero("paid_buyers"),
            zero("cs_sales"),
            zero("responses"),
            zero("response_seconds"),
        ],
    )
    .unwrap();
    data.insert(Table::EmployeeDaily, daily.vstack(&m_row).unwrap());
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let m = row(&scores.rows, "M");
    // Eligible staff totals: A 100, B 72, C 80.6, D 19.6, E 0, F 100, I 94 → 466.2 / 7 = 66.6.
    assert_eq!(
        (m.total_score, m.grade.as_deref()),
        (Some(66.6), Some("一般"))
    );
    assert_eq!(m.flags, [Flag::TeamAverage { staff: 7 }]);
    assert!(m.items.is_empty());

    let bad = text.replace(
        "roles = [\"customer_service\", \"店长\"]",
        "roles = [\"customer_service\"]",
    );
    let err = kpi_io::parse_scheme(&bad, std::path::Path::new("m.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("team_average.role: `manager` must also be one of scheme.roles"),
        "{err}"
    );
}

/// Employee A in three months: the first and third as case A above (100),
/// the second as case B (72).
fn three_months(periods: [&str; 3]) -> Dataset {
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!("employee_id" => ["A"], "store_id" => ["S01"], "role" => ["customer_service"]).unwrap(),
    );
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ["A", "A", "A"],
            "period" => periods,
            "inquiries" => [100i64, 100, 100],
            "order_buyers" => [50i64, 30, 50],
            "paid_buyers" => [45i64, 24, 45],
            "cs_sales" => [540_000i64, 192_000, 540_000],
            "responses" => [10i64, 10, 10],
            "response_seconds" => [320_000i64, 820_000, 320_000],
        )
        .unwrap(),
    );
    data
}

#[test]
fn quarters_are_the_mean_of_the_scored_months() {
    let scheme = scoring_scheme();
    // January 100, February 72, March absent 25 days.
    let mut data = three_months(["2025-01", "2025-02", "2025-03"]);
    data.insert(
        Table::Attendance,
        df!("employee_id" => ["A"], "period" => ["2025-03"], "absent_days" => [25.0]).unwrap(),
    );
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let quarter = kpi_core::roll_up(&scored.scores, &scheme, kpi_core::Span::Quarter);
    assert_eq!(quarter.rows.len(), 1);
    let q = &quarter.rows[0];
    assert_eq!(&*q.period, "2025-Q1");
    assert_eq!(
        (q.total_score, q.grade.as_deref()),
        (Some(86.0), Some("优秀"))
    );
    assert_eq!(
        q.items
            .iter()
            .map(|i| i.points.unwrap())
            .collect::<Vec<_>>(),
        [95.0, 95.0, 95.0, 50.0]
    );
    assert_eq!(
        q.flags,
        [
            Flag::RolledUp {
                months: vec!["2025-01".into(), "2025-02".into()]
            },
            Flag::NotScoredIn {
                months: vec!["2025-03".into()]
            }
        ]
    );
    let year = kpi_core::roll_up(&scored.scores, &scheme, kpi_core::Span::Year);
    assert_eq!(
        (&*year.rows[0].period, year.rows[0].total_score),
        ("2025", Some(86.0))
    );
}

#[test]
fn a_month_absent_without_activity_is_listed_as_not_eligible() {
    let scheme = scoring_scheme();
    // A works January to March; B, on the roster too, in January only; C's
    // role is not scored.
    let mut data = three_months(["2025-01", "2025-02", "2025-03"]);
    let a = data.get(Table::EmployeeDaily).unwrap().clone();
    let mut b = a.slice(0, 1);
    b.with_column(Column::new("employee_id".into(), ["B"]))
        .unwrap();
    data.insert(Table::EmployeeDaily, a.vstack(&b).unwrap());
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => ["A", "B", "C"],
            "store_id" => ["S01", "S01", "S01"],
            "role" => ["customer_service", "customer_service", "warehouse"],
        )
        .unwrap(),
    );
    data.insert(
        Table::Attendance,
        df!(
            "employee_id" => ["A", "A", "B", "B", "C"],
            "period" => ["2025-02", "2025-03", "2025-02", "2025-07", "2025-02"],
            "absent_days" => [3.0, 25.0, 25.0, 25.0, 25.0],
        )
        .unwrap(),
    );
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let listed: Vec<(&str, &str, bool, Vec<String>)> = scored
        .scores
        .rows
        .iter()
        .map(|r| {
            let flags = r
                .flags
                .iter()
                .filter(|f| matches!(f, Flag::AbsentTooLong { .. }))
                .map(Flag::to_string)
                .collect();
            (&*r.period, &*r.employee_id, r.eligible, flags)
        })
        .collect();
    let absent = || vec!["not_eligible: absent_days 25 > 20".to_string()];
    // B's February has no activity but is listed, as absent too long; B's
    // July is outside the months with activity and C is not scored.
    assert_eq!(
        listed,
        [
            ("2025-01", "A", true, vec![]),
            ("2025-01", "B", true, vec![]),
            ("2025-02", "A", true, vec![]),
            ("2025-02", "B", false, absent()),
            ("2025-03", "A", false, absent()),
        ]
    );
}

#[test]
fn roll_ups_weigh_months_and_quarters_as_the_scheme_says() {
    // January and April score 100, February 72.
    let data = three_months(["2025-01", "2025-02", "2025-04"]);
    let roll = |rollup: &str, span| {
        let text = format!("{}\n{rollup}\n", scoring_text());
        let scheme = kpi_io::parse_scheme(&text, std::path::Path::new("r.toml")).unwrap();
        let scored = kpi::score_dataset(&data, &scheme).unwrap();
        let rolled = kpi_core::roll_up(&scored.scores, &scheme, span);
        rolled
            .rows
            .iter()
            .map(|r| {
                (
                    r.period.to_string(),
                    r.total_score,
                    r.grade.as_deref().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let t = |p: &str, total: f64, g: &str| (p.to_string(), Some(total), g.to_string());
    // Equal weights: Q1 (100 + 72) / 2 = 86; the year (100 + 72 + 100) / 3 = 90.67.
    assert_eq!(
        roll("", kpi_core::Span::Quarter),
        [t("2025-Q1", 86.0, "优秀"), t("2025-Q2", 100.0, "卓越")]
    );
    assert_eq!(roll("", kpi_core::Span::Year), [t("2025", 90.67, "优秀")]);
    // February weighs 3: Q1 (100 + 3 × 72) / 4 = 79; the year (100 + 216 + 100) / 5 = 83.2.
    let months = "[rollup]\nmonth_weights = [1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";
    assert_eq!(
        roll(months, kpi_core::Span::Quarter)[0],
        t("2025-Q1", 79.0, "良好")
    );
    assert_eq!(
        roll(months, kpi_core::Span::Year),
        [t("2025", 83.2, "良好")]
    );
    // And Q2 weighs 3 in the year: (79 + 3 × 100) / 4 = 94.75.
    let quarters = format!("{months}\nquarter_weights = [1, 3, 1, 1]");
    assert_eq!(
        roll(&quarters, kpi_core::Span::Year),
        [t("2025", 94.75, "优秀")]
    );
    // Weights are checked.
    let err = kpi_io::parse_scheme(
        &format!(
            "{}\n[rollup]\nquarter_weights = [0, 0, 0, 0]\n",
            scoring_text()
        ),
        std::path::Path::new("r.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.ends_with("rollup.quarter_weights: weights must be numbers ≥ 0, not all 0"),
        "{err}"
    );
}

#[test]
fn manual_ratings_combine_raters_by_weight_and_map_the_scale_to_points() {
    let scheme = test_scheme("attitude");
    let mut data = dataset();
    data.insert(
        Table::ManualScores,
        df!(
            "period" => ["2025-01"; 5],
            "employee_id" => ["A", "A", "A", "B", "C"],
            "item" => ["attitude"; 5],
            "rater" => ["self", "supervisor", "supervisor", "supervisor", "peer"],
            "score" => [7.0, 4.0, 5.0, 7.0, 6.0],
        )
        .unwrap(),
    );
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let rows = &scored.scores.rows;
    // A: 0.2 × 7 + 0.8 × mean(4, 5) = 5.0 → (5 − 1) / 6 × 100 = 66.67.
    let a = row(rows, "A");
    assert_eq!(a.items[0].value(), Some(5.0));
    assert_eq!(
        (a.total_score, a.grade.as_deref()),
        (Some(66.67), Some("一般"))
    );
    // B: only the supervisor rated: 7 → 100.
    assert_eq!(row(rows, "B").total_score, Some(100.0));
    // C: only a peer, whom the scheme does not weigh: no rating → 0.
    let c = row(rows, "C");
    assert_eq!(c.items[0].missing_reason.as_deref(), Some("no rating"));
    assert_eq!(c.total_score, Some(0.0));
    let text = kpi::explain(&scored, &scheme, "A", "2025-01", kpi::Lang::En).unwrap();
    assert!(
        text.contains(
            "  工作态度 [attitude]: 5 (manual.attitude)\n      rule: scale 1–7 → 0–100: 66.666667;"
        ),
        "{text}"
    );
}

#[test]
fn schemes_define_metrics_over_any_column() {
    let scheme = test_scheme("custom");
    let mut data = dataset();
    let daily = data.get(Table::EmployeeDaily).unwrap().clone();
    let n = daily.height();
    let mut daily = daily;
    // An extra column of the export, kept by the reader: 10 per row, 20 per employee-month.
    daily
        .with_column(Column::new("好评数".into(), vec![10.0; n]))
        .unwrap();
    data.insert(Table::EmployeeDaily, daily);
    let scored = kpi::score_dataset(&data, &scheme).unwrap();
    let a = row(&scored.scores.rows, "A");
    // 20 / 100 = 0.2 → 20 points; 20 praises → 20 points.
    assert_eq!(a.items[0].value(), Some(0.2));
    assert_eq!(
        (a.items[0].numerator(), a.items[0].denominator()),
        (Some(20.0), Some(100.0))
    );
    assert_eq!(a.total_score, Some(20.0));
    let e = row(&scored.scores.rows, "E");
    assert_eq!(e.items[0].missing_reason.as_deref(), Some("inquiries = 0"));
    let text = kpi::explain(&scored, &scheme, "A", "2025-01", kpi::Lang::En).unwrap();
    assert!(
        text.contains("  好评率 [praise_rate]: 0.2 = 20 / 100 (好评数 / inquiries)\n"),
        "{text}"
    );

    let without = kpi_io::parse_scheme(
        &scoring_text().replace("metric = \"cs_aov\"", "metric = \"praise\""),
        std::path::Path::new("x.toml"),
    );
    assert!(
        without
            .unwrap_err()
            .to_string()
            .contains("unknown metric `praise`")
    );
    let data = dataset();
    let err = kpi::score_dataset(&data, &scheme).err().unwrap();
    assert!(matches!(
        &err,
        kpi::Error::Step {
            step: "scoring",
            source: kpi_core::Error::MissingColumn { .. }
        }
    ));
    // The chain as the CLI prints it.
    assert_eq!(
        format!("{:#}", anyhow::Error::from(err)),
        "scoring: scheme key `items[0].metric` needs column `好评数` of table `employee_daily`, which the dataset lacks"
    );
}

/// A monthly scheme with one flat item and a weekly rank bonus on cs_sales.
const WEEKLY: &str = include_str!("../schemes/weekly.toml");

#[test]
fn weekly_ranks_count_each_week_in_the_month_of_its_thursday() {
    let scheme = kpi_io::parse_scheme(WEEKLY, std::path::Path::new("weekly.toml")).unwrap();
    // (employee, date, cs_sales yuan). The week of Mon 2025-01-27 runs to Sun
    // 02-02; its Thursday (01-30) is in January, so its February days count
    // in January's ranking.
    let rows: &[(&str, (i32, u32, u32), i64)] = &[
        ("X", (2025, 1, 21), 300),
        ("Y", (2025, 1, 21), 200),
        ("Z", (2025, 1, 21), 100),
        ("X", (2025, 1, 28), 100),
        ("Y", (2025, 1, 28), 50),
        ("Y", (2025, 2, 1), 100),
        ("Z", (2025, 1, 28), 120),
        ("X", (2025, 2, 4), 10),
        ("Y", (2025, 2, 4), 10),
        ("Z", (2025, 2, 4), 5),
    ];
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => ["X", "Y", "Z"],
            "store_id" => ["S01"; 3],
            "team_id" => ["T1"; 3],
            "role" => ["customer_service"; 3],
        )
        .unwrap(),
    );
    let days: Vec<i32> = rows
        .iter()
        .map(|r| kpi_core::days_from_civil(r.1.0, r.1.1, r.1.2))
        .collect();
    let mut daily = df!(
        "employee_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "date" => days.clone(),
        "period" => days.iter().map(|d| kpi_core::period_of_days(*d)).collect::<Vec<_>>(),
        "cs_sales" => rows.iter().map(|r| r.2 * 100).collect::<Vec<i64>>(),
    )
    .unwrap();
    daily
        .with_column(daily.column("date").unwrap().cast(&DataType::Date).unwrap())
        .unwrap();
    data.insert(Table::EmployeeDaily, daily.clone());
    let metrics = compute_metrics(&data).unwrap();
    let scores = score(&scheme, &metrics, &data).unwrap();
    let at = |id: &str, period: &str| {
        scores
            .rows
            .iter()
            .find(|r| *r.employee_id == *id && *r.period == *period)
            .unwrap()
    };
    // January: week of 01-20 X 300, Y 200, Z 100 → 3 / 2 / 1; week of 01-27
    // Y 150 (incl. 02-01), Z 120, X 100 → 3 / 2 / 1.
    // February: week of 02-03 X 10 and Y 10 tie for 1st (3 each), Z 3rd (1).
    let expected = [
        ("X", "2025-01", 4.0),
        ("Y", "2025-01", 5.0),
        ("Z", "2025-01", 3.0),
        ("X", "2025-02", 3.0),
        ("Y", "2025-02", 3.0),
        ("Z", "2025-02", 1.0),
    ];
    for (id, period, points) in expected {
        let r = at(id, period);
        assert_eq!(
            r.bonus,
            Some(points),
            "{id} {period}: {}",
            r.bonus_items[0].rule(Lang::En)
        );
        assert_eq!(r.total_score, Some(50.0 + points), "{id} {period}");
    }
    assert_eq!(
        at("Y", "2025-01").bonus_items[0].rule(Lang::En),
        "week of 2025-01-20: place 2 of 3 in the store → 2; \
         week of 2025-01-27: place 1 of 3 in the store → 3; sum 5"
    );
    assert_eq!(
        at("Z", "2025-02").bonus_items[0].rule(Lang::En),
        "week of 2025-02-03: place 3 of 3 in the store → 1; sum 1"
    );

    // Without dates there are no weeks: the scheme key and the column are named.
    data.insert(Table::EmployeeDaily, daily.drop("date").unwrap());
    assert_eq!(
        score_error(&scheme, &data),
        "scheme key `bonus[0].rule.every` needs column `date` of table `employee_daily`, which the dataset lacks"
    );
}

#[test]
fn scheme_metric_prefixes_and_occurrences_are_checked_with_suggestions() {
    let check = |extra: &str| -> Vec<String> {
        let text = format!("{}\n{extra}", scoring_text());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, text).unwrap();
        let (_, findings) = kpi_io::check_scheme_file(&path).unwrap();
        findings
            .iter()
            .filter(|f| f.issue.is_error)
            .map(|f| format!("{}: {}", f.issue.path, f.issue.message))
            .collect()
    };
    let bonus =
        |metric: &str, rule: &str| format!("[[bonus]]\nid = \"b\"\n{metric}\nrule = {rule}\n");
    let bands = "{ kind = \"bands\", direction = \"higher\", bands = [{ points = 1 }] }";
    assert_eq!(
        check(&bonus("metric = \"conversion_rate\"", bands)),
        [
            "bonus[0].metric: `conversion_rate` is a store metric; write `store.conversion_rate` to score the employee's store"
        ]
    );
    assert_eq!(
        check(&bonus("metric = \"store.conversion_rat\"", bands)),
        [
            "bonus[0].metric: unknown store metric `conversion_rat` (did you mean `store.conversion_rate`?)"
        ]
    );
    assert_eq!(
        check(&bonus("metric = \"attendance.late\"", bands)),
        [
            "bonus[0].metric: unknown attendance column `late`; attendance metrics are attendance.late_count, attendance.early_leave_count, attendance.leave_days, attendance.absent_days, attendance.work_days"
        ]
    );
    let occurrences =
        "{ kind = \"occurrences\", start = 100, counts = { violation = -1 }, floor = 0 }";
    assert_eq!(
        check(&bonus("", occurrences)),
        ["bonus[0].rule.counts: unknown metric `violation` (did you mean `violations`?)"]
    );
    assert_eq!(
        check(&bonus(
            "metric = \"violations\"",
            occurrences.replace("violation ", "violations ").as_str()
        )),
        ["bonus[0].metric: an occurrences rule names its metrics in rule.counts; leave out metric"]
    );
    assert_eq!(
        check(&bonus("", bands)),
        ["bonus[0].metric: missing `metric`: the metric id this item scores"]
    );
    assert_eq!(
        check("[[identities]]\nmetric = \"gmv\"\nfactors = [\"uv\", \"inquiries\"]\n"),
        [
            "identities[0].factors: `inquiries` is not a sum or ratio metric of the same level as `gmv`"
        ]
    );
}

#[test]
fn score_trends_use_the_months_scored() {
    // January 100, February 72, April 100 (no March).
    let data = three_months(["2025-01", "2025-02", "2025-04"]);
    let scored = kpi::score_dataset(&data, &scoring_scheme()).unwrap();
    let t = kpi_core::trends(&data, Some(&scored.scores)).unwrap();
    let metric = t.column("metric").unwrap().str().unwrap().clone();
    let rows: Vec<usize> = (0..t.height())
        .filter(|&i| metric.get(i) == Some("total_score"))
        .collect();
    assert_eq!(rows.len(), 3);
    let f = |c: &str, i: usize| t.column(c).unwrap().f64().unwrap().get(rows[i]);
    let streak = |i: usize| t.column("streak").unwrap().i64().unwrap().get(rows[i]);
    // February: 72 / 100 − 1; down one month in a row.
    assert!((f("mom", 1).unwrap() + 0.28).abs() < 1e-12);
    assert_eq!(streak(1), Some(-1));
    // April: no March, so no mom and the run breaks; the rolling window and
    // the year lack March, so they are missing; the quarter is April alone.
    assert_eq!(f("mom", 2), None);
    assert_eq!(streak(2), Some(0));
    assert_eq!((f("rolling_3", 2), f("ytd", 2)), (None, None));
    assert_eq!(f("qtd", 2), Some(100.0));
    // February: January and February, complete: (100 + 72) / 2.
    assert_eq!(f("ytd", 1), Some(86.0));
    assert_eq!(f("rolling_3", 1), None);
}
