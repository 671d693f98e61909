//! The seed fixture schemes on the generated demo data (`kpi gen` defaults:
//! 3 stores × 12 staff × 14 months from 2024-11, seed 42), read back from CSV
//! as a user would. Every pinned value below was computed by hand from the
//! generated CSV files (period sums of the raw daily rows and the seed rules)
//! and agrees with the scores to the cent; the comments give the sums.

use std::path::PathBuf;
use std::sync::OnceLock;

use kpi::Scored;
use kpi_core::{Dataset, Rule, Scheme, ScoreRow};

const FIXTURES: [&str; 6] = [
    "customer_service",
    "cs_weekly_rank",
    "composite_60_30_5_5",
    "ops_40_30_20_10",
    "roles_seed001",
    "ops_dept_collections",
];

pub(crate) fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/schemes/{name}.toml"))
}

fn fixture(name: &str) -> Scheme {
    kpi_io::read_scheme(fixture_path(name)).unwrap()
}

/// The demo dataset, written as CSV and read back once per test run.
fn demo() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let data = kpi_io::generate(&kpi_io::GenOptions::default());
        kpi_io::write_dataset(&data, dir.path(), &kpi_io::WriteOptions::default()).unwrap();
        kpi_io::read_dataset(dir.path(), &|_, _| {})
            .unwrap()
            .dataset
    })
}

fn scored(name: &str) -> (Scheme, Scored) {
    let scheme = fixture(name);
    let scored = kpi::score_dataset(demo(), &scheme).unwrap();
    (scheme, scored)
}

fn row<'a>(scored: &'a Scored, employee: &str, period: &str) -> &'a ScoreRow {
    scored
        .scores
        .rows
        .iter()
        .find(|r| *r.employee_id == *employee && *r.period == *period)
        .unwrap_or_else(|| panic!("no row for {employee} {period}"))
}

/// Points of an item or bonus item, rounded to 4 places as in `scores`.
fn points(r: &ScoreRow, id: &str) -> f64 {
    let score = r
        .items
        .iter()
        .chain(&r.bonus_items)
        .find(|s| *s.item() == *id)
        .unwrap_or_else(|| panic!("no item {id}"));
    kpi_core::round_half_up(score.points.unwrap(), 4)
}

fn rule(r: &ScoreRow, id: &str) -> String {
    r.items
        .iter()
        .chain(&r.bonus_items)
        .find(|s| *s.item() == *id)
        .unwrap()
        .rule(kpi_core::Lang::En)
}

#[test]
fn every_fixture_is_valid_and_scores_the_demo_data() {
    for name in FIXTURES {
        let (_, findings) = kpi_io::check_scheme_file(fixture_path(name)).unwrap();
        let errors: Vec<_> = findings.iter().filter(|f| f.issue.is_error).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let (_, scored) = scored(name);
        assert!(
            scored
                .scores
                .rows
                .iter()
                .filter(|r| r.total_score.is_some())
                .count()
                > 40,
            "{name}"
        );
    }
}

#[test]
fn every_rule_kind_is_used_by_a_fixture() {
    let mut kinds = std::collections::BTreeSet::new();
    for name in FIXTURES {
        let scheme = fixture(name);
        let rules = scheme
            .items
            .iter()
            .map(|i| &i.rule)
            .chain(scheme.bonus.iter().map(|b| &b.rule));
        for rule in rules {
            kinds.insert(match rule {
                Rule::Bands { bands, .. } if bands.iter().any(|b| b.points < 0.0) => {
                    "bands with deductions"
                }
                Rule::Bands { direction, .. } => match direction {
                    kpi_core::Direction::Higher => "bands, higher is better",
                    kpi_core::Direction::Lower => "bands, lower is better",
                },
                Rule::Linear {
                    pivot: 0.0, cap, ..
                } if cap.is_some() => "target ratio with floor and cap",
                Rule::Linear { .. } => "linear around a baseline",
                Rule::PerUnit { floor: None, .. } => "per unit, no lower limit",
                Rule::PerUnit { .. } => "per unit, 扣完为止",
                Rule::Occurrences { .. } => "occurrences",
                Rule::Scale { .. } => "scale",
                Rule::Rank {
                    every: kpi_core::RankEvery::Week,
                    ..
                } => "weekly rank",
                Rule::Rank { .. } => "rank",
            });
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "bands with deductions",
            "bands, higher is better",
            "bands, lower is better",
            "linear around a baseline",
            "occurrences",
            "per unit, no lower limit",
            "per unit, 扣完为止",
            "rank",
            "scale",
            "target ratio with floor and cap",
            "weekly rank",
        ]
    );
}

#[test]
fn composite_60_30_5_5_by_hand() {
    let (_, scored) = scored("composite_60_30_5_5");
    // E0003, 2025-03. KPI (average): sales 15599.07 / target 14800 = 105.3991%;
    // 咨询转化率 335 / 1454 = 23.04%, 100 − 5 × 10.96 = 45.1994. KPI = 75.2993.
    // KO (average): 229 / 335 = 68.36% → 80; 590916 s / 7898 = 74.82 s,
    // 100 − 2 × 42.82 = 14.3631; 回复率 9704 / 9873, 100 − 1.7117 = 98.2883;
    // 1 bad review, 1 violation: 100 − 2 − 1 = 97. KO = 72.4128.
    // 态度: supervisor 5, self 5 → 5 on 1–7 → 66.6667. 考勤: 1 early leave → 95.
    // (75.2993 × 60 + 72.4128 × 30 + 66.6667 × 5 + 95 × 5) / 100 = 74.9868,
    // + assisted ¥717.19 / 200 = 3 whole units → 77.99: B pays 77.99%.
    let r = row(&scored, "E0003", "2025-03");
    assert_eq!(points(r, "sales_target"), 105.3991);
    assert_eq!(points(r, "inquiry_conversion"), 45.1994);
    assert_eq!(points(r, "response_time"), 14.3631);
    assert_eq!(points(r, "conduct"), 97.0);
    assert_eq!(points(r, "attendance"), 95.0);
    assert_eq!(points(r, "assisted_sales"), 3.0);
    assert_eq!(r.total_score, Some(77.99));
    assert_eq!(r.grade.as_deref(), Some("B"));
    assert_eq!(r.payout_pct.unwrap().to_string(), "77.99");
    // E0002, 2024-11: response 84.85 s scores 100 − 2 × 52.85 = −5.7009 (no
    // lower limit); KPI (145.6175 + 16.5288) / 2; total 78.46 → B.
    let r = row(&scored, "E0002", "2024-11");
    assert_eq!(points(r, "response_time"), -5.7009);
    assert_eq!(r.total_score, Some(78.46));
    // E0015, 2025-06: 咨询转化率 1329 / 2283 = 58.2% → 221.06 capped at 120;
    // sales 143.5824%; KPI 131.7912, KO 98.3746, 态度 3.3333, 考勤 95;
    // assisted ¥10713.82 → 53 units capped at 5: 113.5 + 5 = 118.50 → A+ pays 118.50%.
    let r = row(&scored, "E0015", "2025-06");
    assert_eq!(points(r, "inquiry_conversion"), 120.0);
    assert_eq!(points(r, "assisted_sales"), 5.0);
    assert_eq!(r.total_score, Some(118.5));
    assert_eq!(r.grade.as_deref(), Some("A+"));
    assert_eq!(r.payout_pct.unwrap().to_string(), "118.50");
    // E0027, 2025-11: one absent day and a late arrival: 100 − 20 − 5 = 75.
    let r = row(&scored, "E0027", "2025-11");
    assert_eq!(points(r, "attendance"), 75.0);
    assert_eq!(r.total_score, Some(104.32));
    // Grades pay: A 100%, C 0%.
    for r in &scored.scores.rows {
        match r.grade.as_deref() {
            Some("A") => assert_eq!(r.payout_pct.unwrap().to_string(), "100"),
            Some("C") => assert_eq!(r.payout_pct.unwrap().to_string(), "0"),
            _ => {}
        }
    }
}

#[test]
fn cs_weekly_rank_by_hand() {
    let (_, scored) = scored("cs_weekly_rank");
    // E0003, 2025-03: bands 90 (1454 / 2099 = 69.3%), 80 (23.0%), 80 (68.4%),
    // 80 (¥68.12), 90 (store 3.38%), completion 105.3991 →
    // (900 + 2000 + 1600 + 1600 + 450 + 2107.98) / 100 = 86.5798.
    // Deductions: 回复率 98.29% −1, 74.8 s > 35 s −1. Completion rank 1 of 4: +3.
    // Assisted ¥717.19: +3 (cap 3). Weeks of 03-03, 03-10, 03-17, 03-24
    // (Thursdays in March), 3rd of 4 each: +1 × 4 = 4. Total 94.58 → 优秀.
    let r = row(&scored, "E0003", "2025-03");
    assert_eq!(points(r, "target_completion"), 105.3991);
    assert_eq!(points(r, "reply_rate_deduction"), -1.0);
    assert_eq!(points(r, "response_deduction"), -1.0);
    assert_eq!(points(r, "completion_rank"), 3.0);
    assert_eq!(points(r, "weekly_sales_rank"), 4.0);
    assert_eq!(
        rule(r, "weekly_sales_rank"),
        "week of 2025-03-03: place 3 of 4 in the store → 1; \
         week of 2025-03-10: place 3 of 4 in the store → 1; \
         week of 2025-03-17: place 3 of 4 in the store → 1; \
         week of 2025-03-24: place 3 of 4 in the store → 1; sum 4"
    );
    assert_eq!(r.total_score, Some(94.58));
    assert_eq!(r.grade.as_deref(), Some("优秀"));
    // E0002, 2024-11: 17.3% → 0, ¥47.38 → 0; base 58.6235; −1 −1; completion
    // 3rd of 4: +1; assisted ¥405.81: +2; last in every week: 0 → 59.62 不合格.
    // The week of 2024-10-28 has its Thursday in October: not a November week.
    let r = row(&scored, "E0002", "2024-11");
    assert_eq!(points(r, "weekly_sales_rank"), 0.0);
    assert!(rule(r, "weekly_sales_rank").starts_with("week of 2024-11-04:"));
    assert_eq!(r.total_score, Some(59.62));
    assert_eq!(r.grade.as_deref(), Some("不合格"));
    // E0015, 2025-06: first of 5 in each of 4 weeks: 12, capped at 5 → 117.72.
    let r = row(&scored, "E0015", "2025-06");
    assert_eq!(points(r, "weekly_sales_rank"), 5.0);
    assert_eq!(r.total_score, Some(117.72));
}

#[test]
fn ops_40_30_20_10_by_hand() {
    let (_, scored) = scored("ops_40_30_20_10");
    // E0004 (S01), 2025-03: GMV 481259.73 / target 531200 = 90.5986%; store
    // conversion 2874 / 85001 = 3.38% → 85; AOV ¥167.45 → 90: sales 89.0493.
    // Turnover 324169.85 / mean stock = 0.7658 → 76.5841; tasks on time 100%
    // → 100: efficiency 88.2921. Bounce 39.8% → 100. Innovation: supervisor
    // and peer → 3.3 on 1–5 → 57.5. Plan 66.7% → 0.
    // (89.0493 × 40 + 88.2921 × 30 + 100 × 20 + 57.5 × 10) / 100 = 87.86 → 优秀.
    let r = row(&scored, "E0004", "2025-03");
    assert_eq!(points(r, "gmv_target"), 90.5986);
    assert_eq!(points(r, "inventory_turnover"), 76.5841);
    assert_eq!(points(r, "innovation"), 57.5);
    assert_eq!(r.total_score, Some(87.86));
    assert_eq!(r.grade.as_deref(), Some("优秀"));
    // E0016 (S02), 2025-11, the 大促 weights 55/20/15/10: sales 92.5062,
    // efficiency 85, experience 85, innovation 60, plan 19 / 40 = 47.5% → −5:
    // (92.5062 × 55 + 85 × 20 + 85 × 15 + 60 × 10) / 100 − 5 = 81.63.
    let r = row(&scored, "E0016", "2025-11");
    assert_eq!(points(r, "plan_completion"), -5.0);
    assert_eq!(r.total_score, Some(81.63));
    assert_eq!(r.grade.as_deref(), Some("良好"));
    // The same store-month weighs 40/30/20/10 in October.
    let r = row(&scored, "E0028", "2025-10");
    assert_eq!(r.total_score, Some(84.24));
    // The year is the mean of the quarters' means (seed 004).
    let scheme = fixture("ops_40_30_20_10");
    let year = kpi_core::roll_up(&scored.scores, &scheme, kpi_core::Span::Year);
    let months: Vec<(u32, f64)> = scored
        .scores
        .rows
        .iter()
        .filter(|r| &*r.employee_id == "E0004" && r.period.starts_with("2025-"))
        .map(|r| (r.period[5..].parse().unwrap(), r.total_score.unwrap()))
        .collect();
    let quarter = |q: u32| {
        let v: Vec<f64> = months
            .iter()
            .filter(|(m, _)| (m - 1) / 3 == q)
            .map(|m| m.1)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let expected = (0..4).map(quarter).sum::<f64>() / 4.0;
    let got = year
        .rows
        .iter()
        .find(|r| &*r.employee_id == "E0004" && &*r.period == "2025")
        .unwrap();
    assert_eq!(got.total_score, Some(kpi_core::round_half_up(expected, 2)));
}

#[test]
fn roles_seed001_scores_each_role_on_its_own_section() {
    let (scheme, scored) = scored("roles_seed001");
    // E0008, promotion, 2025-03: S01's UV 85001 is 2nd of the 3 promotion
    // staff's stores → 90; arrival 3.05% → 80; CTR 3.40% → 80; ROI 11.41
    // against 20: 100 − 2 × 8.589 = 82.8217. (1800 + 1600 + 1600 + 3312.87) / 100 = 83.13.
    let r = row(&scored, "E0008", "2025-03");
    assert_eq!(rule(r, "promo_uv"), "place 2 of 3 in the role → 90");
    assert_eq!(points(r, "promo_roi"), 82.8217);
    assert_eq!(r.total_score, Some(83.13));
    assert_eq!(r.grade.as_deref(), Some("良好"));
    // E0005, warehouse, 2025-06: 21068.1 h / 2505 = 8.41 h → 100; errors
    // 6 / 2505 = 0.24% → 80; damage 2 / 2631 → 100; late 69 / 2505 = 2.75% → 80:
    // (3000 + 2400 + 2000 + 1600) / 100 = 90 → 优秀.
    let r = row(&scored, "E0005", "2025-06");
    assert_eq!(r.total_score, Some(90.0));
    assert_eq!(r.grade.as_deref(), Some("优秀"));
    // E0002, customer service, 2024-11: 84.85 s → 0 (扣完为止); 17.3% → 0;
    // no breach, no bad review, returns under 2%: (1500 + 1500 + 1500) / 100 = 45.
    let r = row(&scored, "E0002", "2024-11");
    assert_eq!(points(r, "cs_response"), 0.0);
    assert_eq!(r.total_score, Some(45.0));
    // Nobody is scored on another role's items, and score_details holds only
    // the employee's own items.
    for r in &scored.scores.rows {
        for (i, item) in r.items.iter().enumerate() {
            assert_eq!(item.applies, scheme.item_applies(i, &r.role));
            if !item.applies {
                assert_eq!(item.points, None);
            }
        }
    }
    let details = scored.scores.details_frame().unwrap();
    let items = details.column("item").unwrap().str().unwrap();
    let employees = details.column("employee_id").unwrap().str().unwrap();
    let e0005: Vec<&str> = employees
        .iter()
        .zip(items.iter())
        .filter(|(e, _)| *e == Some("E0005"))
        .filter_map(|(_, i)| i)
        .collect();
    assert!(e0005.iter().all(|i| i.starts_with("wh_")), "{e0005:?}");
}

#[test]
fn customer_service_pays_position_wages_by_grade() {
    let (_, scored) = scored("customer_service");
    let wages: std::collections::BTreeMap<&str, String> = scored
        .scores
        .rows
        .iter()
        .filter_map(|r| Some((r.grade.as_deref()?, r.position_wage?.to_string())))
        .collect();
    for (grade, wage) in [
        ("卓越", "1800"),
        ("优秀", "1700"),
        ("良好", "1600"),
        ("一般", "1500"),
        ("不及格", "1400"),
    ] {
        if let Some(w) = wages.get(grade) {
            assert_eq!(w, wage, "{grade}");
        }
    }
    assert!(wages.len() >= 3, "{wages:?}");
    // Seed 002 第11条 for S01, 2024-11. Public sales: GMV 794534.64 less the
    // four customer-service staff's 9901.99 + 20687.06 + 43847.40 + 155543.73
    // = 564554.46; × 0.5% = 2822.7723 → 2822.77 ÷ 4 = 705.6925: 705.69 each,
    // the cent left to the first by id (E0002).
    let e2 = pay_row(&scored, "E0002", "2024-11");
    // E0002 (不及格): 1400 + 9901.99 × 1.5% (148.52985 → 148.53) + 705.70 + 工龄 100.
    assert_eq!(
        amount(&scored, e2, "position_wage").as_deref(),
        Some("1400.00")
    );
    assert_eq!(
        amount(&scored, e2, "personal_commission").as_deref(),
        Some("148.53")
    );
    assert_eq!(
        amount(&scored, e2, "public_commission").as_deref(),
        Some("705.70")
    );
    assert_eq!(e2.gross.to_string(), "2354.23");
    // E0003: 20687.06 → 250 + 4% × 687.06 = 277.4824 → 277.48.
    let e3 = pay_row(&scored, "E0003", "2024-11");
    assert_eq!(
        amount(&scored, e3, "personal_commission").as_deref(),
        Some("277.48")
    );
    // E0009 (卓越): 1800 + 155543.73 × 2% (3110.8746 → 3110.87) + 705.69 + 150.
    let e9 = pay_row(&scored, "E0009", "2024-11");
    assert_eq!(
        amount(&scored, e9, "personal_commission").as_deref(),
        Some("3110.87")
    );
    assert_eq!(
        amount(&scored, e9, "public_commission").as_deref(),
        Some("705.69")
    );
    assert_eq!(e9.gross.to_string(), "5766.56");
    assert_eq!(e9.paid_now, e9.gross);
}

#[test]
fn explain_adds_up_to_the_total_for_every_fixture() {
    // The contributions and bonus points of every scored row add up to its
    // total (to the rounding of the total).
    for name in FIXTURES {
        let (_, scored) = scored(name);
        for r in scored
            .scores
            .rows
            .iter()
            .filter(|r| r.total_score.is_some())
        {
            if r.flags
                .iter()
                .any(|f| matches!(f, kpi_core::Flag::TeamAverage { .. }))
            {
                continue;
            }
            let sum: f64 = r
                .items
                .iter()
                .filter_map(|i| i.contribution)
                .chain(r.bonus_items.iter().filter_map(|b| b.points))
                .sum();
            let total = r.total_score.unwrap();
            assert!(
                (sum - total).abs() <= 0.005 + 1e-9,
                "{name} {} {}: {sum} vs {total}",
                r.employee_id,
                r.period
            );
        }
    }
}

#[test]
fn the_readme_worked_example_is_what_explain_prints() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme.find("### A worked example").unwrap();
    let block = &readme[start..];
    let code = block.split("```\n").nth(1).unwrap();
    let (scheme, scored) = scored("composite_60_30_5_5");
    let text = kpi::explain(&scored, &scheme, "E0003", "2025-03", kpi::Lang::En).unwrap();
    assert_eq!(text, code);
}

fn pay_row<'a>(scored: &'a Scored, employee: &str, period: &str) -> &'a kpi_core::PayRow {
    scored
        .pay
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .find(|r| r.employee_id == employee && r.period == period)
        .unwrap_or_else(|| panic!("no pay row for {employee} {period}"))
}

fn amount(scored: &Scored, r: &kpi_core::PayRow, component: &str) -> Option<String> {
    let pay = scored.pay.as_ref().unwrap();
    let k = pay
        .component_ids
        .iter()
        .position(|c| c == component)
        .unwrap();
    r.amounts[k].map(|a| a.to_string())
}

#[test]
fn ops_dept_collections_pays_by_hand() {
    let (_, scored) = scored("ops_dept_collections");
    // S01, 2024-11. The store collected 756238.26; the staff sharing the team
    // pool (4 customer service, design, promotion, campaign) collected
    // 217625.61 themselves, so team orders T = 538612.65 ≥ 20万: 2.2% =
    // 11849.478 → 11849.48, by coefficients 1, 1, 1, 1, 1, 1.2, 1.1 (Σ 7.3):
    // 1623.2164… each at 1, 1947.8597… at 1.2, 1785.5104… at 1.1; the cents
    // left go to the largest remainders (E0002, E0003, E0006).
    let e9 = pay_row(&scored, "E0009", "2024-11");
    // E0009: G = 147378.23 > 8万: 2800 + 4% × 67378.23 = 5495.1292 → 5495.13.
    assert_eq!(
        amount(&scored, e9, "personal_commission").as_deref(),
        Some("5495.13")
    );
    assert_eq!(amount(&scored, e9, "team_pool").as_deref(), Some("1623.21"));
    // Grade 全额: 100% of the 1050.00 performance base.
    assert_eq!(
        amount(&scored, e9, "performance").as_deref(),
        Some("1050.00")
    );
    // 20% of the commissions and the performance pay is held:
    // (5495.13 + 1623.21 + 1050.00) × 20% = 1099.03 + 324.64 + 210.00.
    assert_eq!(e9.deferred.to_string(), "1633.67");
    assert_eq!(e9.gross.to_string(), "11668.34");
    let e2 = pay_row(&scored, "E0002", "2024-11");
    // E0002: G = 9432.03 ≤ 5万: 3% = 282.9609 → 282.96; grade 不发 pays 0%.
    assert_eq!(
        amount(&scored, e2, "personal_commission").as_deref(),
        Some("282.96")
    );
    assert_eq!(amount(&scored, e2, "team_pool").as_deref(), Some("1623.22"));
    assert_eq!(amount(&scored, e2, "performance").as_deref(), Some("0.00"));
    // E0004, operations: the department collected 756238.26 > 70万: 0.75% = 5671.79.
    let e4 = pay_row(&scored, "E0004", "2024-11");
    assert_eq!(
        amount(&scored, e4, "department").as_deref(),
        Some("5671.79")
    );
    assert_eq!(amount(&scored, e4, "personal_commission"), None);
    // E0007, design: 0.45% × (756238.26 − 80000) = 3043.07; 5 late/early
    // events forfeit the attendance bonus.
    let e7 = pay_row(&scored, "E0007", "2024-11");
    assert_eq!(
        amount(&scored, e7, "role_commission").as_deref(),
        Some("3043.07")
    );
    assert_eq!(amount(&scored, e7, "attendance").as_deref(), Some("0.00"));
    // E0001, manager: 3 × the average commission of the 8 other staff:
    // (282.96 + 582.67 + 1241.80 + 5495.13 + 4 × … + 5671.79 + …) / 8 × 3 = 12337.71.
    let e1 = pay_row(&scored, "E0001", "2024-11");
    assert_eq!(
        amount(&scored, e1, "manager_commission").as_deref(),
        Some("12337.71")
    );
    // The team pool adds up to the pool.
    let pool: rust_decimal::Decimal = scored
        .pay
        .as_ref()
        .unwrap()
        .rows
        .iter()
        .filter(|r| r.period == "2024-11" && r.store_id.as_deref() == Some("S01"))
        .filter_map(|r| amount(&scored, r, "team_pool"))
        .map(|a| a.parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(pool.to_string(), "11849.48");
    // Held money is released in the quarter's last month (December).
    let dec = pay_row(&scored, "E0009", "2024-12");
    assert_eq!(dec.released, e9.deferred + dec.deferred);
    assert_eq!(dec.held.to_string(), "0.00");
}

#[test]
fn a_prepared_dataset_scores_every_scheme_as_a_run_of_its_own() {
    let data = demo();
    let prepared = kpi::Prepared::new(data).unwrap();
    let schemes: Vec<Scheme> = FIXTURES.iter().map(|name| fixture(name)).collect();
    let scored: Vec<Scored> = schemes.iter().map(|s| prepared.score(s).unwrap()).collect();
    for ((name, scheme), together) in FIXTURES.iter().zip(&schemes).zip(&scored) {
        let alone = kpi::score_dataset(data, scheme).unwrap();
        assert_eq!(together.scores.rows, alone.scores.rows, "{name}");
        assert!(
            together
                .metrics
                .employee
                .equals_missing(&alone.metrics.employee),
            "{name}"
        );
        match (&together.pay, &alone.pay) {
            (Some(a), Some(b)) => assert!(
                a.to_frame().unwrap().equals_missing(&b.to_frame().unwrap()),
                "{name}"
            ),
            (None, None) => {}
            _ => panic!("{name}: pay in one run only"),
        }
    }
    // The schemes do score differently on the one prepared dataset.
    assert_ne!(scored[0].scores.rows, scored[1].scores.rows);
}
