//! `tiered`: the amount of the tier a measure falls in.

use rust_decimal::Decimal;

use super::step::PayStep;
use crate::money::Exact;
use crate::scheme::Tier;

/// The tier a measure falls in and its exact amount, with the step that
/// says so.
///
/// ```
/// use kpi_core::{Lang, Tier, render_pay_steps, tiered};
/// use rust_decimal::Decimal;
///
/// // Seed 002 第9条: 15000–20000 → (x − 15000) × 2% + 150.
/// let tier = Tier {
///     min: Some(Decimal::new(15_000, 0)),
///     max: Some(Decimal::new(20_000, 0)),
///     min_inclusive: true,
///     max_inclusive: true,
///     fixed: Decimal::new(150, 0),
///     rate: Decimal::new(2, 2),
///     offset: Decimal::new(15_000, 0),
/// };
/// let (amount, step) = tiered(&[tier], Decimal::new(17_500, 0)).unwrap();
/// assert_eq!(amount.to_string(), "200");
/// assert_eq!(
///     render_pay_steps(&[step], Lang::En),
///     "tier 15000 ≤ x ≤ 20000: 150 + 2% × (17500 − 15000) = 200"
/// );
/// ```
pub fn tiered(tiers: &[Tier], x: Decimal) -> Option<(Exact, PayStep)> {
    let tier = tiers.iter().find(|t| t.contains(x))?;
    let amount = tier.amount(x);
    Some((
        amount,
        PayStep::Tier {
            tier: tier.clone(),
            measure: x,
            amount,
        },
    ))
}
