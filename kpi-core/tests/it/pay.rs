//! Pay exact at the half cent: seed 000's manager at 3 × the others'
//! average (golden), and the engine's amounts against an independent
//! rational computation (`num_rational`) for random inputs, many of them
//! built to land exactly on half cents.

use kpi_core::{Dataset, PayRow, Scheme, Table, compute_metrics, compute_pay, score};
use num_rational::Ratio;
use polars::prelude::*;
use proptest::prelude::*;
use rust_decimal::Decimal;

type Q = Ratio<i128>;

/// A scheme from TOML, refused on any error of `Scheme::check`.
pub(crate) fn scheme(text: &str) -> Scheme {
    let scheme: Scheme = toml::from_str(text).unwrap();
    let errors: Vec<_> = scheme.check().into_iter().filter(|i| i.is_error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    scheme
}

/// The pay of a run: metrics, scores, pay.
pub(crate) fn pay_of(data: &Dataset, scheme: &Scheme) -> kpi_core::Pay {
    let metrics = compute_metrics(data).unwrap();
    let scores = score(scheme, &metrics, data).unwrap();
    compute_pay(scheme, &scores, &metrics, data)
        .unwrap()
        .unwrap()
}

fn pay_rows(scheme: &Scheme, data: &Dataset) -> Vec<PayRow> {
    pay_of(data, scheme).rows
}

fn cents(d: Decimal) -> i128 {
    assert!(d.scale() <= 2, "{d} is not in cents");
    d.mantissa() * 10i128.pow(2 - d.scale())
}

fn q(text: &str) -> Q {
    let d: Decimal = text.parse().unwrap();
    Q::new(d.mantissa(), 10i128.pow(d.scale()))
}

/// Rounds yuan to cents: the oracle's own rounding, on exact fractions.
fn round_cents(yuan: Q, half_even: bool) -> i128 {
    let scaled = yuan * Q::from_integer(100);
    let floor = scaled.floor().to_integer();
    let rest = scaled - Q::from_integer(floor);
    let half = Q::new(1, 2);
    if rest > half
        || (rest == half
            && if half_even {
                floor % 2 != 0
            } else {
                yuan >= Q::from_integer(0)
            })
    {
        floor + 1
    } else {
        floor
    }
}

const OPS: &str = include_str!("../../../fixtures/schemes/ops_dept_collections.toml");

/// Six customer-service staff whose commissions add up to 15 477.53 (five
/// at 80 000 collected × 3.5% = 2 800, one at 49 251 × 3% = 1 477.53) and
/// their manager.
fn seed_000_store() -> Dataset {
    let mut data = Dataset::new();
    let ids = ["E1", "E2", "E3", "E4", "E5", "E6", "M1"];
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => ids,
            "store_id" => ["S01"; 7],
            "role" => ["customer_service", "customer_service", "customer_service", "customer_service", "customer_service", "customer_service", "manager"],
            "base_salary" => [300_000i64; 7],
            "bonus_base" => [0i64; 7],
            "coefficient" => [1.0; 7],
        )
        .unwrap(),
    );
    let collected = [
        8_000_000i64,
        8_000_000,
        8_000_000,
        8_000_000,
        8_000_000,
        4_925_100,
        0,
    ];
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => ids,
            "period" => ["2025-01"; 7],
            "collected" => collected,
            // The scores do not matter here: no activity, scored 0.
            "inquiries" => [0i64; 7],
            "order_buyers" => [0i64; 7],
            "paid_buyers" => [0i64; 7],
            "paid_orders" => [0i64; 7],
            "cs_sales" => [0i64; 7],
            "responses" => [0i64; 7],
            "response_seconds" => [0i64; 7],
        )
        .unwrap(),
    );
    data.insert(
        Table::Attendance,
        df!(
            "employee_id" => ids,
            "period" => ["2025-01"; 7],
            "late_count" => [0i64; 7],
            "early_leave_count" => [0i64; 7],
            "leave_days" => [0.0; 7],
            "absent_days" => [0.0; 7],
        )
        .unwrap(),
    );
    data.insert(
        Table::StoreDaily,
        df!(
            "store_id" => ["S01"],
            "period" => ["2025-01"],
            "collected" => [collected.iter().sum::<i64>()],
            "gross_profit" => [0i64],
        )
        .unwrap(),
    );
    data
}

fn component(rows: &[PayRow], employee: &str, id: &str) -> (String, String) {
    let row = rows.iter().find(|r| r.employee_id == employee).unwrap();
    let d = row.details.iter().find(|d| d.component == id).unwrap();
    (d.amount.to_string(), d.rule(kpi_core::Lang::En))
}

#[test]
fn seed_000_manager_is_three_times_the_average_rounded_once() {
    let data = seed_000_store();
    let rows = pay_rows(&scheme(OPS), &data);
    let commissions: i128 = rows
        .iter()
        .filter(|r| r.employee_id != "M1")
        .flat_map(|r| &r.details)
        .filter(|d| d.component == "personal_commission")
        .map(|d| cents(d.amount))
        .sum();
    assert_eq!(commissions, 1_547_753);
    // 3 × 15 477.53 / 6 = 7 738.765 exactly: 四舍五入 → 7 738.77.
    let (amount, rule) = component(&rows, "M1", "manager_commission");
    assert_eq!(amount, "7738.77");
    assert!(
        rule.ends_with("over 6 other staff (2579.59) = 7738.765"),
        "{rule}"
    );
    let m1_steps = &rows
        .iter()
        .find(|r| r.employee_id == "M1")
        .unwrap()
        .details
        .iter()
        .find(|d| d.component == "manager_commission")
        .unwrap()
        .steps;
    assert!(
        matches!(
            m1_steps.as_slice(),
            [kpi_core::PayStep::Average { others: 6, mean: Ok(mean), .. }]
                if mean.to_string() == "2579.59"
        ),
        "{m1_steps:?}"
    );
    let m1 = rows.iter().find(|r| r.employee_id == "M1").unwrap();
    let exact = m1
        .details
        .iter()
        .find(|d| d.component == "manager_commission")
        .unwrap()
        .exact;
    assert_eq!(exact.to_string(), "7738.765");
    // Held 20% of the rounded 7 738.77 = 1 547.754 → 1 547.75.
    assert_eq!(m1.deferred.to_string(), "1547.75");

    // Half-even: the half goes to the even cent, 7 738.76.
    let even = OPS.replace("rounding = \"half_up\"", "rounding = \"half_even\"");
    assert_ne!(even, OPS);
    let rows = pay_rows(&scheme(&even), &data);
    assert_eq!(component(&rows, "M1", "manager_commission").0, "7738.76");
}

/// One customer-service member: commission (cents), sales (cents), base
/// salary (cents), coefficient (tenths), rating (hundredths).
type Member = (i64, i64, i64, i64, i64);

/// One generated store-month: the staff, their inputs and the scheme's
/// choices.
#[derive(Debug, Clone)]
struct Case {
    /// The customer-service members, E01…
    staff: Vec<Member>,
    manager_base: i64,
    manager_rating: i64,
    gmv: i64,
    factor: &'static str,
    share: &'static str,
    rate: &'static str,
    half_even: bool,
    round_total: bool,
}

const FACTORS: [&str; 11] = [
    "1", "2", "3", "5", "7", "9", "1.5", "2.5", "0.5", "3.3", "0.25",
];
const RATES: [&str; 4] = ["0.015", "0.035", "0.0045", "0.0125"];

fn staff_member() -> impl Strategy<Value = Member> {
    (
        0i64..5_000_000,
        0i64..6_000_000,
        0i64..1_000_000,
        5i64..=30,
        0i64..=10_000,
    )
}

/// How a case's commissions are chosen.
#[derive(Debug, Clone, Copy)]
enum Built {
    /// At random.
    Random,
    /// Their sum is the headcount × an odd number of half cents: the
    /// average ends on exactly half a cent, and so does any odd multiple.
    HalfCentAverage,
    /// Factor `a/b` and `2a` staff whose sum is `b × odd` cents: the
    /// average need not end (15 477.53 / 6), but factor × average is
    /// exactly half a cent, as in seed 000's manager.
    HalfCentMultiple,
}

/// `sum` cents over `n` people: near-equal parts, then money moved between
/// neighbours so the parts differ and the sum stays.
fn parts(sum: i64, n: usize, shift: &[i64]) -> Vec<i64> {
    let n64 = n as i64;
    let mut parts: Vec<i64> = (0..n64)
        .map(|k| sum / n64 + i64::from(k < sum % n64))
        .collect();
    for k in 0..n - 1 {
        let d = shift[k].min(parts[k + 1]);
        parts[k] += d;
        parts[k + 1] -= d;
    }
    parts
}

prop_compose! {
    fn case()(
        people in prop::collection::vec(staff_member(), 18),
        len in 1usize..=8,
        built in prop::sample::select(vec![Built::Random, Built::HalfCentAverage, Built::HalfCentMultiple]),
        odd in 0i64..10_000_000,
        shift in prop::collection::vec(0i64..100_000, 18),
        manager_base in 0i64..2_000_000,
        manager_rating in 0i64..=10_000,
        gmv in 0i64..200_000_000,
        factor in prop::sample::select(FACTORS.to_vec()),
        share in prop::sample::select(vec!["0.2", "0.5"]),
        rate in prop::sample::select(RATES.to_vec()),
        half_even in any::<bool>(),
        round_total in any::<bool>(),
    ) -> Case {
        let odd = 2 * odd + 1;
        let f = q(factor);
        let (a, b) = (*f.numer() as usize, *f.denom() as i64);
        let (n, sum) = match built {
            Built::Random => (len, None),
            Built::HalfCentAverage => {
                let n = len + len % 2;
                (n, Some(n as i64 / 2 * odd))
            }
            Built::HalfCentMultiple if 2 * a <= people.len() => (2 * a, Some(b * odd)),
            Built::HalfCentMultiple => (len, None),
        };
        let mut staff = people[..n].to_vec();
        if let Some(sum) = sum {
            for (s, c) in staff.iter_mut().zip(parts(sum, n, &shift)) {
                s.0 = c;
            }
        }
        Case { staff, manager_base, manager_rating, gmv, factor, share, rate, half_even, round_total }
    }
}

fn case_scheme(c: &Case) -> Scheme {
    scheme(&format!(
        r#"
[scheme]
id = "exact"
name = "exact"
roles = ["customer_service", "manager"]

[[manual]]
item = "rating"

[[items]]
id = "rating"
metric = "manual.rating"
weight = 100
rule = {{ kind = "scale", from = [0, 100] }}

[[grades]]
label = "A"
min = 90
payout = 100

[[grades]]
label = "B"
payout = "score"

[pay]
rounding = "{rounding}"
round = "{round_at}"

[[pay.components]]
id = "commission"
roles = ["customer_service"]
rule = {{ kind = "roster", column = "bonus_base" }}

[[pay.components]]
id = "extra"
roles = ["customer_service"]
rule = {{ kind = "tiered", measure = "cs_sales", tiers = [{{ rate = {rate} }}] }}

[[pay.components]]
id = "manager"
roles = ["manager"]
defer = {{ share = {share} }}
rule = {{ kind = "average_of", of = ["commission"], factor = {factor} }}

[[pay.components]]
id = "performance"
defer = {{ share = {share} }}
rule = {{ kind = "performance", base_column = "base_salary" }}

[[pay.components]]
id = "public"
roles = ["customer_service"]
rule = {{ kind = "pool", measure = "store.gmv", rate = 0.005 }}

[[pay.components]]
id = "team"
roles = ["customer_service"]
rule = {{ kind = "pool", measure = "store.gmv", rate = {rate}, split = "coefficient" }}
"#,
        rounding = if c.half_even { "half_even" } else { "half_up" },
        round_at = if c.round_total { "total" } else { "component" },
        rate = c.rate,
        share = c.share,
        factor = c.factor,
    ))
}

fn case_data(c: &Case) -> Dataset {
    let n = c.staff.len();
    let mut ids: Vec<String> = (1..=n).map(|k| format!("E{k:02}")).collect();
    ids.push("M1".into());
    let mut roles = vec!["customer_service"; n];
    roles.push("manager");
    let column = |f: &dyn Fn(&Member) -> i64, manager: i64| -> Vec<i64> {
        c.staff.iter().map(f).chain([manager]).collect()
    };
    let mut data = Dataset::new();
    data.insert(
        Table::Employees,
        df!(
            "employee_id" => &ids,
            "store_id" => vec!["S01"; n + 1],
            "role" => roles,
            "bonus_base" => column(&|s| s.0, 0),
            "base_salary" => column(&|s| s.2, c.manager_base),
            "coefficient" => column(&|s| s.3, 10).iter().map(|t| *t as f64 / 10.0).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    data.insert(
        Table::EmployeeDaily,
        df!(
            "employee_id" => &ids,
            "period" => vec!["2025-01"; n + 1],
            "cs_sales" => column(&|s| s.1, 0),
        )
        .unwrap(),
    );
    data.insert(
        Table::StoreDaily,
        df!("store_id" => ["S01"], "period" => ["2025-01"], "gmv" => [c.gmv]).unwrap(),
    );
    data.insert(
        Table::ManualScores,
        df!(
            "period" => vec!["2025-01"; n + 1],
            "employee_id" => &ids,
            "item" => vec!["rating"; n + 1],
            "rater" => vec!["supervisor"; n + 1],
            "score" => column(&|s| s.4, c.manager_rating).iter().map(|r| *r as f64 / 100.0).collect::<Vec<_>>(),
        )
        .unwrap(),
    );
    data
}

/// Shares of `pool` cents by integer weights: floors, then the largest
/// remainders one cent each, ties to the earlier member.
fn shares(pool: i128, weights: &[i128]) -> Vec<i128> {
    let total: i128 = weights.iter().sum();
    let exact: Vec<Q> = weights.iter().map(|w| Q::new(pool * w, total)).collect();
    let mut whole: Vec<i128> = exact.iter().map(|e| e.floor().to_integer()).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b].fract()).cmp(&exact[a].fract()).then(a.cmp(&b)));
    let left = pool - whole.iter().sum::<i128>();
    for &k in order.iter().take(left as usize) {
        whole[k] += 1;
    }
    whole
}

/// The oracle: every amount of the case, exact in `num_rational`, rounded
/// once where the scheme says. Per employee (staff then manager): the
/// exact components, the shown (rounded) components, gross and deferred.
fn expected(c: &Case) -> Vec<(Vec<Option<i128>>, i128, i128)> {
    let half_even = c.half_even;
    let round = |x: Q| round_cents(x, half_even);
    let yuan = |cents: i64| Q::new(i128::from(cents), 100);
    let n = c.staff.len();
    let performance = |base: i64, rating: i64| {
        let pct = if rating >= 9_000 {
            Q::from_integer(100)
        } else {
            Q::new(i128::from(rating), 100)
        };
        yuan(base) * pct / Q::from_integer(100)
    };
    let public = shares(round(q("0.005") * yuan(c.gmv)), &vec![1; n]);
    let coefficients: Vec<i128> = c.staff.iter().map(|s| i128::from(s.3)).collect();
    let team = shares(round(q(c.rate) * yuan(c.gmv)), &coefficients);
    let commission_sum: i128 = c.staff.iter().map(|s| i128::from(s.0)).sum();
    let mut out = Vec::new();
    let share = q(c.share);
    for (k, s) in c.staff.iter().enumerate() {
        // commission, extra, manager, performance, public, team
        let exact = [
            Some(yuan(s.0)),
            Some(q(c.rate) * yuan(s.1)),
            None,
            Some(performance(s.2, s.4)),
            Some(Q::new(public[k], 100)),
            Some(Q::new(team[k], 100)),
        ];
        out.push(exact);
    }
    out.push([
        None,
        None,
        Some(q(c.factor) * Q::new(commission_sum, 100) / Q::from_integer(n as i128)),
        Some(performance(c.manager_base, c.manager_rating)),
        None,
        None,
    ]);
    out.into_iter()
        .map(|exact| {
            let shown: Vec<Option<i128>> = exact.iter().map(|e| e.map(round)).collect();
            let gross = if c.round_total {
                round(exact.iter().flatten().sum())
            } else {
                shown.iter().flatten().sum()
            };
            // Deferral holds a share of the shown (rounded) manager and
            // performance amounts, each rounded to the cent.
            let deferred = [2, 3]
                .iter()
                .filter_map(|&k| shown[k])
                .map(|cents| round(Q::new(cents, 100) * share))
                .sum();
            (shown, gross, deferred)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every amount, gross and deferred share to the cent, as exact
    /// rational arithmetic gives them, in both rounding modes and both
    /// rounding points.
    #[test]
    fn pay_matches_rational_arithmetic_to_the_cent(c in case()) {
        let rows = pay_rows(&case_scheme(&c), &case_data(&c));
        let expected = expected(&c);
        prop_assert_eq!(rows.len(), expected.len());
        // Rows come sorted by employee id: E01…E18, then M1.
        let ids: Vec<String> = (1..=c.staff.len()).map(|k| format!("E{k:02}")).chain(["M1".to_string()]).collect();
        for (id, (shown, gross, deferred)) in ids.iter().zip(&expected) {
            let row = rows.iter().find(|r| &r.employee_id == id).unwrap();
            let amounts: Vec<Option<i128>> = row.amounts.iter().map(|a| a.map(cents)).collect();
            prop_assert_eq!(&amounts, shown, "{}", row.employee_id);
            prop_assert_eq!(cents(row.gross), *gross, "{}", row.employee_id);
            prop_assert_eq!(cents(row.deferred), *deferred, "{}", row.employee_id);
            prop_assert_eq!(cents(row.paid_now), gross - deferred);
        }
    }

    /// The engine's own fraction agrees with `num_rational` on sums,
    /// products and quotients, and on both roundings of the result.
    #[test]
    fn exact_agrees_with_num_rational(
        a in -10_000_000_000i64..10_000_000_000,
        b in 1i64..1_000_000,
        places in 0u32..6,
        k in 1i64..50,
        half_even in any::<bool>(),
    ) {
        use kpi_core::{Exact, Rounding};
        let x = Decimal::new(a, places);
        let ours = (Exact::from(x) * Exact::from(b) + Exact::from(x)) / Exact::from(k) - Exact::from(x);
        let theirs = (Q::new(i128::from(a), 10i128.pow(places)) * Q::from_integer(i128::from(b + 1))) / Q::from_integer(i128::from(k))
            - Q::new(i128::from(a), 10i128.pow(places));
        let rounding = if half_even { Rounding::HalfEven } else { Rounding::HalfUp };
        prop_assert_eq!(rounding.round(ours).map(cents), Some(round_cents(theirs, half_even)));
    }
}
