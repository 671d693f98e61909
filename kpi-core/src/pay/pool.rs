//! `pool`: a pool per store or team and month, shared to the cent.

use std::collections::BTreeMap;

use rust_decimal::prelude::*;

use super::person::measure_value;
use super::step::{PayStep, Shared};
use super::tiered::tiered;
use super::{Inputs, PayDetail, Person, detail, group_of, round_for};
use crate::error::{Error, Result};
use crate::money::{Exact, Rounding};
use crate::scheme::{Component, Measure, RankGroup, Split, Tier};

/// Shares of a pool, per group and period, to the cent: each member gets
/// the floor of its exact share in cents, and the cents left over go one
/// each to the members with the largest remainders (ties: employee id),
/// so the shares add up to the pool exactly.
#[allow(clippy::type_complexity)]
pub(super) fn pool_shares(
    column: &mut [Option<(Exact, PayDetail)>],
    people: &[Person<'_>],
    inputs: &Inputs,
    rounding: Rounding,
    component: &Component,
    (measure, less, rate, tiers, within, split): (
        &str,
        Option<&str>,
        Option<Decimal>,
        Option<&[Tier]>,
        RankGroup,
        Split,
    ),
    applies: &dyn Fn(&Person<'_>) -> bool,
) -> Result<()> {
    // (period, group) → members (eligible people the component applies to).
    let mut groups: BTreeMap<(String, Option<String>), Vec<usize>> = BTreeMap::new();
    for (i, p) in people.iter().enumerate() {
        if applies(p) && p.score.eligible {
            groups
                .entry((
                    p.score.period.to_string(),
                    group_of(p.score, within).map(str::to_string),
                ))
                .or_default()
                .push(i);
        }
    }
    // (period, group) → what the group's staff of the component's roles
    // closed, scored or not: sales an employee closed are never public.
    let mut closed: BTreeMap<(String, Option<String>), i64> = BTreeMap::new();
    if let Some(less) = less {
        for p in people.iter().filter(|p| applies(p)) {
            if let Some(&v) = p.sums.and_then(|s| s.get(less)) {
                let key = (
                    p.score.period.to_string(),
                    group_of(p.score, within).map(str::to_string),
                );
                *closed.entry(key).or_default() += v;
            }
        }
    }
    for ((period, group), members) in groups {
        let first = &people[members[0]];
        let months = [period.clone()];
        let mut x = measure_value(inputs, people, first, Measure::parse(measure), &months)
            .unwrap_or(Decimal::ZERO);
        let mut basis = measure.to_string();
        if let Some(less) = less {
            let key = (period.clone(), group.clone());
            let taken = Decimal::new(closed.get(&key).copied().unwrap_or(0), 2);
            x = (x - taken).max(Decimal::ZERO);
            basis = format!("{measure} − {less}");
        }
        let (raw, how) = match (rate, tiers) {
            (Some(rate), _) => (
                Exact::from(rate) * Exact::from(x),
                PayStep::PoolRate { rate, measure: x },
            ),
            (None, Some(tiers)) => tiered(tiers, x).unwrap_or((Exact::ZERO, PayStep::NoTier)),
            (None, None) => (Exact::ZERO, PayStep::NoRate),
        };
        let pool = round_for(rounding, raw, &component.id, first.score)?;
        let weights: Vec<Decimal> = members
            .iter()
            .map(|&i| match split {
                Split::Equal => Decimal::ONE,
                Split::Coefficient => people[i]
                    .roster
                    .and_then(|r| r.coefficient)
                    .unwrap_or(Decimal::ZERO),
            })
            .collect();
        // Members are in employee-id order, so ties go to the lower id.
        let shares = split_pool(pool, &weights).ok_or_else(|| Error::OutOfRange {
            what: component.id.clone(),
            employee_id: first.score.employee_id.to_string(),
            period: period.clone(),
        })?;
        let total_weight: Decimal = weights.iter().copied().sum();
        for ((&i, share), weight) in members.iter().zip(shares).zip(&weights) {
            let shared = match split {
                Split::Equal => Shared::Equally {
                    staff: members.len(),
                },
                Split::Coefficient => Shared::ByCoefficient {
                    weight: *weight,
                    total: total_weight,
                },
            };
            let step = PayStep::Pool {
                of: vec![how.clone()],
                pool,
                shared,
                share,
            };
            column[i] = Some((
                Exact::from(share),
                detail(
                    component,
                    Exact::from(share),
                    Some(basis.clone()),
                    Some(x),
                    vec![step],
                ),
            ));
        }
    }
    Ok(())
}

/// Splits a pool of whole cents by weight: each share is the floor of its
/// exact share in cents, and the cents left over go one each to the largest
/// remainders, ties to the earlier position; the shares add up to `pool`
/// exactly. Zero total weight shares nothing. Shares and remainders are
/// integers (weights scaled to whole numbers), so equal remainders tie
/// exactly. None when a product is beyond 128-bit integers.
///
/// ```
/// use kpi_core::split_pool;
/// use rust_decimal::Decimal;
///
/// // 100.00 by coefficients 1, 1.5, 2: 22.222…, 33.333…, 44.444… → 22.22, 33.33, 44.45.
/// let weights = [Decimal::ONE, Decimal::new(15, 1), Decimal::TWO];
/// let shares = split_pool(Decimal::new(10_000, 2), &weights).unwrap();
/// let text: Vec<String> = shares.iter().map(|s| s.to_string()).collect();
/// assert_eq!(text, ["22.22", "33.33", "44.45"]);
/// ```
pub fn split_pool(pool: Decimal, weights: &[Decimal]) -> Option<Vec<Decimal>> {
    let places = weights.iter().map(|w| w.scale()).max().unwrap_or(0);
    let whole_weights: Vec<i128> = weights
        .iter()
        .map(|w| {
            w.mantissa()
                .checked_mul(10i128.checked_pow(places - w.scale())?)
        })
        .collect::<Option<_>>()?;
    let total = whole_weights
        .iter()
        .try_fold(0i128, |sum, w| sum.checked_add(*w))?;
    if total <= 0 {
        return Some(vec![Decimal::ZERO; weights.len()]);
    }
    let cents = (pool * Decimal::ONE_HUNDRED).trunc().to_i128()?;
    let mut whole = Vec::with_capacity(weights.len());
    let mut rest = Vec::with_capacity(weights.len());
    for w in &whole_weights {
        let product = cents.checked_mul(*w)?;
        whole.push(product.div_euclid(total));
        rest.push(product.rem_euclid(total));
    }
    let left = cents - whole.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| rest[b].cmp(&rest[a]).then(a.cmp(&b)));
    for &k in order.iter().take(usize::try_from(left).unwrap_or(0)) {
        whole[k] += 1;
    }
    whole
        .into_iter()
        .map(|c| Decimal::try_from_i128_with_scale(c, 2).ok())
        .collect()
}
