//! Attribution: why a metric moved between two months. The maths (additive
//! LMDI, chain substitution, the mix/rate split of an aggregate rate) and
//! the driver that applies them to identities, stores, teams and employees.
//!
//! Zero and missing factors follow the analytical limits, never a small
//! number put in place of a zero:
//!
//! - a factor that is undefined in one period (0/0: conversion of a store
//!   with no visitors) takes its value in the other period, so it explains
//!   nothing of the change;
//! - if then exactly one factor is 0 in one period, the LMDI limit gives that
//!   factor the whole change (as x → 0, L(V₁, V₀)·ln(x₁/x₀) → ΔV for it and
//!   → 0 for the others); several zero factors share the change equally
//!   (the limit then depends on how they reach 0; equal shares is our
//!   convention);
//! - with the value 0 in both periods every effect is 0.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{Compiled, MonthlySums, Series, column_index, compile, value_over};
use crate::dataset::Dataset;
use crate::error::Result;
use crate::frame::column;
use crate::metric::{Level, catalogue};
use crate::period::Month;
use crate::roster::read_roster;

/// One row of `attribution`.
struct AttributionRow {
    level: &'static str,
    id: String,
    metric: &'static str,
    base: Month,
    period: Month,
    method: &'static str,
    factor: String,
    effect: f64,
}

/// The built-in product identities decomposed by factor: (level, metric, factors).
const IDENTITIES: [(Level, &str, &[&str]); 2] = [
    (Level::Store, "gmv", &["uv", "conversion_rate", "aov"]),
    (
        Level::Employee,
        "cs_sales",
        &["inquiries", "inquiry_conversion", "payment_rate", "cs_aov"],
    ),
];

/// Which entities an attribution covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributionLevel {
    /// The company and its stores (GMV), and store → team (cs_sales).
    Store,
    /// Down to every employee (cs_sales by factor and by employee).
    Employee,
}

/// The `attribution` table for each pair of months (base, period):
/// `level, id, metric, base_period, period, method, factor, effect`.
///
/// - `lmdi` and `chain`: GMV = UV × conversion × AOV for the company and each
///   store, and customer-service sales = inquiries × inquiry conversion ×
///   payment rate × cs_aov for each team (and each employee at
///   `AttributionLevel::Employee`); `factor` is the factor's metric id.
/// - `tier`: a sum's change by child, `level` naming the parent: the
///   company's GMV by store, a store's cs_sales by team, a team's by employee
///   (employee level only); the children add up to the parent's change.
/// - `mix`, `rate`, `interaction`: the company's conversion rate change by
///   store (`factor` is the store).
pub fn attribute_changes(
    data: &Dataset,
    pairs: &[(Month, Month)],
    depth: AttributionLevel,
    declared: &[crate::scheme::Identity],
) -> Result<DataFrame> {
    attribute_changes_in(&MonthlySums::of(data)?, data, pairs, depth, declared)
}

/// [`attribute_changes`] from monthly sums made once for every analysis.
pub fn attribute_changes_in(
    sums: &MonthlySums,
    data: &Dataset,
    pairs: &[(Month, Month)],
    depth: AttributionLevel,
    declared: &[crate::scheme::Identity],
) -> Result<DataFrame> {
    // The built-in identities, then the scheme's (catalogue metrics only).
    let mut identities: Vec<(Level, &'static str, Vec<&'static str>)> = IDENTITIES
        .iter()
        .map(|(level, metric, factors)| (*level, *metric, factors.to_vec()))
        .collect();
    for identity in declared {
        let Some(m) = crate::metric::find_metric(&identity.metric) else {
            continue;
        };
        let factors: Option<Vec<&'static str>> = identity
            .factors
            .iter()
            .map(|f| crate::metric::metric(m.level, f).map(|f| f.id))
            .collect();
        if let Some(factors) = factors {
            // One decomposition per metric: the scheme's replaces a built-in one.
            identities.retain(|(l, id, _)| !(*l == m.level && *id == m.id));
            identities.push((m.level, m.id, factors));
        }
    }
    let levels = &sums.levels;
    let roster = read_roster(data)?;
    let get = |name: &str| levels.iter().find(|l| l.level == name);
    let mut rows: Vec<AttributionRow> = Vec::new();
    for &(base, period) in pairs {
        // Factor decompositions.
        for (metric_level, metric_id, factors) in &identities {
            let (metric_level, metric_id) = (*metric_level, *metric_id);
            let names: Vec<&str> = match (metric_level, depth) {
                (Level::Store, _) => vec!["company", "store"],
                (Level::Employee, AttributionLevel::Store) => vec!["team"],
                (Level::Employee, AttributionLevel::Employee) => vec!["team", "employee"],
            };
            let metrics: Vec<Compiled> = factors
                .iter()
                .filter_map(|f| compile(crate::metric::metric(metric_level, f)?))
                .collect();
            if metrics.len() != factors.len() {
                continue;
            }
            let metric = catalogue()
                .iter()
                .find(|m| m.id == metric_id && m.level == metric_level);
            for level in names.iter().filter_map(|n| get(n)) {
                for (id, (_, series)) in level.entities()? {
                    let x = |m: Month| -> Vec<Option<f64>> {
                        metrics
                            .iter()
                            .map(|f| value_over(f, series, std::iter::once(m)))
                            .collect()
                    };
                    if !(series.contains_key(&base) || series.contains_key(&period)) {
                        continue;
                    }
                    let (x0, x1) = (x(base), x(period));
                    // A period without rows counts as 0 of the first factor.
                    let zero_if_absent = |m: Month, mut v: Vec<Option<f64>>| {
                        if !series.contains_key(&m) {
                            v[0] = Some(0.0);
                        }
                        v
                    };
                    let (x0, x1) = (zero_if_absent(base, x0), zero_if_absent(period, x1));
                    for (method, effects) in [("lmdi", lmdi(&x0, &x1)), ("chain", chain(&x0, &x1))]
                    {
                        let Some(effects) = effects else { continue };
                        for (f, effect) in factors.iter().zip(effects) {
                            rows.push(AttributionRow {
                                level: level.level,
                                id: id.clone(),
                                metric: metric.map_or(metric_id, |m| m.id),
                                base,
                                period,
                                method,
                                factor: f.to_string(),
                                effect,
                            });
                        }
                    }
                }
            }
        }
        // Tier attribution of sums.
        let sum_of = |series: &Series, level: Level, id: &str, m: Month| -> Option<f64> {
            let compiled = compile(crate::metric::metric(level, id)?)?;
            value_over(&compiled, series, std::iter::once(m))
        };
        let mut tier = |parent_level: &'static str,
                        parent: &str,
                        metric_id: &'static str,
                        level: Level,
                        children: Vec<(&String, &Series)>| {
            for (child, series) in children {
                let (before, after) = (
                    sum_of(series, level, metric_id, base),
                    sum_of(series, level, metric_id, period),
                );
                let effect = after.unwrap_or(0.0) - before.unwrap_or(0.0);
                // Children without the metric in either month (a warehouse
                // team has no cs_sales) are left out.
                if before.is_some() || after.is_some() {
                    rows.push(AttributionRow {
                        level: parent_level,
                        id: parent.to_string(),
                        metric: metric_id,
                        base,
                        period,
                        method: "tier",
                        factor: child.clone(),
                        effect,
                    });
                }
            }
        };
        if let Some(stores) = get("store") {
            let children = stores
                .entities()?
                .iter()
                .map(|(id, (_, s))| (id, s))
                .collect();
            tier("company", "all", "gmv", Level::Store, children);
        }
        if let Some(teams) = get("team") {
            let mut by_store: BTreeMap<&str, Vec<(&String, &Series)>> = BTreeMap::new();
            for (id, (store, series)) in teams.entities()? {
                by_store
                    .entry(store.as_str())
                    .or_default()
                    .push((id, series));
            }
            for (store, children) in by_store {
                tier("store", store, "cs_sales", Level::Employee, children);
            }
        }
        if let (AttributionLevel::Employee, Some(employees), Some(_)) =
            (depth, get("employee"), get("team"))
        {
            let mut by_team: BTreeMap<String, Vec<(&String, &Series)>> = BTreeMap::new();
            for (id, (_, series)) in employees.entities()? {
                if let Some(team) = roster
                    .get(id)
                    .and_then(|r| r.team_id.as_deref().map(str::to_string))
                {
                    by_team.entry(team).or_default().push((id, series));
                }
            }
            for (team, children) in by_team {
                tier("team", &team, "cs_sales", Level::Employee, children);
            }
        }
        // Mix and rate of the company's conversion.
        if let Some(stores) = get("store") {
            let pair = |s: &Series, m: Month| {
                let row = s.get(&m);
                let v = |c: &str| {
                    row.zip(column_index(Level::Store, c))
                        .and_then(|(r, k)| r[k])
                        .unwrap_or(0.0)
                };
                (v("uv"), v("buyers"))
            };
            let members: Vec<self::RateMember> = stores
                .entities()?
                .iter()
                .map(|(id, (_, s))| (id.clone(), pair(s, base), pair(s, period)))
                .collect();
            if let Some(split) = mix_rate(&members) {
                for m in split {
                    for (method, effect) in [
                        ("mix", m.mix),
                        ("rate", m.rate),
                        ("interaction", m.interaction),
                    ] {
                        rows.push(AttributionRow {
                            level: "company",
                            id: "all".into(),
                            metric: "conversion_rate",
                            base,
                            period,
                            method,
                            factor: m.id.clone(),
                            effect,
                        });
                    }
                }
            }
        }
    }
    let n = rows.len();
    let columns = vec![
        column("level", &rows, |r| r.level),
        column("id", &rows, |r| r.id.as_str()),
        column("metric", &rows, |r| r.metric),
        column("base_period", &rows, |r| r.base.to_string()),
        column("period", &rows, |r| r.period.to_string()),
        column("method", &rows, |r| r.method),
        column("factor", &rows, |r| r.factor.as_str()),
        column("effect", &rows, |r| r.effect),
    ];
    Ok(DataFrame::new(n, columns)?)
}

// The maths.

/// Effects of each factor on the change of `Π x` from period 0 to period 1,
/// by additive LMDI-I: `L(V₁, V₀) · ln(x₁ᵢ / x₀ᵢ)` with the logarithmic mean
/// `L(a, b) = (a − b) / (ln a − ln b)` (`a` when equal). The effects add up to
/// `V₁ − V₀` and do not depend on the order of the factors. `None` when a
/// factor is undefined in both periods.
pub fn lmdi(x0: &[Option<f64>], x1: &[Option<f64>]) -> Option<Vec<f64>> {
    let (x0, x1) = settle(x0, x1)?;
    let v0: f64 = x0.iter().product();
    let v1: f64 = x1.iter().product();
    let n = x0.len();
    if v0 == 0.0 && v1 == 0.0 {
        return Some(vec![0.0; n]);
    }
    let zeros: Vec<usize> = (0..n).filter(|&i| x0[i] == 0.0 || x1[i] == 0.0).collect();
    if !zeros.is_empty() {
        // The analytical limit: the zero factor(s) carry the whole change.
        let share = (v1 - v0) / zeros.len() as f64;
        return Some(
            (0..n)
                .map(|i| if zeros.contains(&i) { share } else { 0.0 })
                .collect(),
        );
    }
    let l = if (v1 - v0).abs() <= f64::EPSILON * v0.abs().max(v1.abs()) {
        v0
    } else {
        (v1 - v0) / (v1.ln() - v0.ln())
    };
    Some((0..n).map(|i| l * (x1[i] / x0[i]).ln()).collect())
}

/// Effects by chain substitution (连环替代法) in the order given: factor `i`
/// changes with the earlier factors at their new values and the later ones
/// at their old values. The effects add up to the change exactly; they
/// depend on the order.
pub fn chain(x0: &[Option<f64>], x1: &[Option<f64>]) -> Option<Vec<f64>> {
    let (x0, x1) = settle(x0, x1)?;
    let n = x0.len();
    let mut effects = Vec::with_capacity(n);
    for i in 0..n {
        let before: f64 = x1[..i].iter().product::<f64>() * x0[i..].iter().product::<f64>();
        let after: f64 = x1[..=i].iter().product::<f64>() * x0[i + 1..].iter().product::<f64>();
        effects.push(after - before);
    }
    Some(effects)
}

/// Undefined factors take the other period's value; `None` when one is
/// undefined in both.
fn settle(x0: &[Option<f64>], x1: &[Option<f64>]) -> Option<(Vec<f64>, Vec<f64>)> {
    let mut a = Vec::with_capacity(x0.len());
    let mut b = Vec::with_capacity(x1.len());
    for (u, v) in x0.iter().zip(x1) {
        let (u, v) = match (u, v) {
            (Some(u), Some(v)) => (*u, *v),
            (Some(u), None) => (*u, *u),
            (None, Some(v)) => (*v, *v),
            (None, None) => return None,
        };
        a.push(u);
        b.push(v);
    }
    Some((a, b))
}

/// A member of a rate: its id and (denominator, numerator) in the base
/// period and in the period compared.
pub type RateMember = (String, (f64, f64), (f64, f64));

/// One member's part of a rate's change.
#[derive(Debug, Clone, PartialEq)]
pub struct MixRate {
    /// The member (store) id.
    pub id: String,
    /// `(w₁ − w₀) · r₀`: its share of the traffic moved.
    pub mix: f64,
    /// `w₀ · (r₁ − r₀)`: it converted better or worse.
    pub rate: f64,
    /// `(w₁ − w₀) · (r₁ − r₀)`: both at once.
    pub interaction: f64,
}

/// Splits the change of an aggregate rate `R = Σ num / Σ den = Σ wᵢ rᵢ`
/// (`wᵢ = denᵢ / Σ den`, `rᵢ = numᵢ / denᵢ`) into mix, rate and interaction
/// per member: their sum over all members is `R₁ − R₀` exactly. A member
/// present in one period only has weight 0 in the other, and its rate there
/// is taken from the period it has (so it moves the mix only).
/// `members`: (id, (den₀, num₀), (den₁, num₁)).
pub fn mix_rate(members: &[RateMember]) -> Option<Vec<MixRate>> {
    let d0: f64 = members.iter().map(|m| m.1.0).sum();
    let d1: f64 = members.iter().map(|m| m.2.0).sum();
    if d0 == 0.0 || d1 == 0.0 {
        return None;
    }
    Some(
        members
            .iter()
            .map(|(id, (den0, num0), (den1, num1))| {
                let (w0, w1) = (den0 / d0, den1 / d1);
                let r0 = (*den0 > 0.0).then(|| num0 / den0);
                let r1 = (*den1 > 0.0).then(|| num1 / den1);
                let (r0, r1) = match (r0, r1) {
                    (Some(a), Some(b)) => (a, b),
                    (Some(a), None) => (a, a),
                    (None, Some(b)) => (b, b),
                    (None, None) => (0.0, 0.0),
                };
                MixRate {
                    id: id.clone(),
                    mix: (w1 - w0) * r0,
                    rate: w0 * (r1 - r0),
                    interaction: (w1 - w0) * (r1 - r0),
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn lmdi_adds_up_and_ignores_order() {
        // GMV 1000 × 2% × 150 = 3000 → 1200 × 2.5% × 140 = 4200.
        let x0 = [Some(1000.0), Some(0.02), Some(150.0)];
        let x1 = [Some(1200.0), Some(0.025), Some(140.0)];
        let e = lmdi(&x0, &x1).unwrap();
        assert!(close(e.iter().sum(), 1200.0));
        // L(4200, 3000) = 1200 / ln(1.4); uv: L · ln 1.2.
        let l = 1200.0 / (1.4f64).ln();
        assert!(close(e[0], l * 1.2f64.ln()));
        assert!(close(e[1], l * 1.25f64.ln()));
        assert!(close(e[2], l * (140.0f64 / 150.0).ln()));
        let r = lmdi(&[x0[2], x0[0], x0[1]], &[x1[2], x1[0], x1[1]]).unwrap();
        assert!(close(r[1], e[0]) && close(r[2], e[1]) && close(r[0], e[2]));
    }

    #[test]
    fn chain_substitution_by_hand() {
        let x0 = [Some(1000.0), Some(0.02), Some(150.0)];
        let x1 = [Some(1200.0), Some(0.025), Some(140.0)];
        let e = chain(&x0, &x1).unwrap();
        // (1200 − 1000) × 0.02 × 150 = 600; 1200 × 0.005 × 150 = 900;
        // 1200 × 0.025 × (140 − 150) = −300.
        assert!(close(e[0], 600.0) && close(e[1], 900.0) && close(e[2], -300.0));
    }

    #[test]
    fn zeros_follow_the_analytical_limits() {
        // A store opens: no visitors, conversion and AOV undefined (0/0).
        let e = lmdi(
            &[Some(0.0), None, None],
            &[Some(500.0), Some(0.02), Some(100.0)],
        )
        .unwrap();
        assert_eq!(e, vec![1000.0, 0.0, 0.0]);
        // Visitors but no buyers: conversion 0, AOV undefined.
        let e = lmdi(
            &[Some(500.0), Some(0.0), None],
            &[Some(400.0), Some(0.02), Some(100.0)],
        )
        .unwrap();
        assert_eq!(e, vec![0.0, 800.0, 0.0]);
        assert_eq!(lmdi(&[Some(0.0), None], &[Some(0.0), None]), None);
        assert_eq!(
            lmdi(&[Some(0.0), Some(1.0)], &[Some(0.0), Some(2.0)]).unwrap(),
            vec![0.0, 0.0]
        );
        // No change: L is the value itself, every effect 0.
        let e = lmdi(&[Some(2.0), Some(3.0)], &[Some(3.0), Some(2.0)]).unwrap();
        assert!(close(e[0], 6.0 * 1.5f64.ln()) && close(e.iter().sum(), 0.0));
    }

    #[test]
    fn mix_rate_and_interaction_add_up_to_the_rate_change() {
        // Store A: 800 visitors, 16 buyers (2%) → 600, 18 (3%);
        // store B: 200, 10 (5%) → 400, 16 (4%). Company 26/1000 → 34/1000.
        let members = vec![
            ("A".to_string(), (800.0, 16.0), (600.0, 18.0)),
            ("B".to_string(), (200.0, 10.0), (400.0, 16.0)),
        ];
        let split = mix_rate(&members).unwrap();
        // A: mix (0.6 − 0.8) × 0.02 = −0.004; rate 0.8 × 0.01 = 0.008;
        // interaction −0.2 × 0.01 = −0.002. B: 0.2 × 0.05 = 0.01;
        // 0.2 × −0.01 = −0.002; 0.2 × −0.01 = −0.002.
        assert!(close(split[0].mix, -0.004) && close(split[0].rate, 0.008));
        assert!(close(split[0].interaction, -0.002));
        assert!(close(split[1].mix, 0.01) && close(split[1].rate, -0.002));
        let total: f64 = split.iter().map(|m| m.mix + m.rate + m.interaction).sum();
        assert!(close(total, 0.034 - 0.026));
        // A new store moves the mix only.
        let members = vec![
            ("A".to_string(), (100.0, 2.0), (100.0, 2.0)),
            ("N".to_string(), (0.0, 0.0), (100.0, 6.0)),
        ];
        let split = mix_rate(&members).unwrap();
        let total: f64 = split.iter().map(|m| m.mix + m.rate + m.interaction).sum();
        assert!(close(total, 0.04 - 0.02));
        assert!(close(split[1].mix, 0.5 * 0.06) && split[1].rate == 0.0);
    }
}
