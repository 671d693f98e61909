//! `tiered`: the amount of the tier a measure falls in.

use rust_decimal::Decimal;

use crate::format::{exact_text, money_text, percent_text};
use crate::money::Exact;
use crate::scheme::Tier;

/// The tier a measure falls in and its exact amount, in words.
pub fn tiered(tiers: &[Tier], x: Decimal) -> Option<(Exact, String)> {
    let tier = tiers.iter().find(|t| t.contains(x))?;
    let amount = tier.amount(x);
    let mut text = format!("tier {}: ", tier.edges());
    if !tier.fixed.is_zero() {
        text.push_str(&format!("{} + ", money_text(tier.fixed)));
    }
    if tier.offset.is_zero() {
        text.push_str(&format!("{} × {}", percent_text(tier.rate), money_text(x)));
    } else {
        text.push_str(&format!(
            "{} × ({} − {})",
            percent_text(tier.rate),
            money_text(x),
            money_text(tier.offset)
        ));
    }
    text.push_str(&format!(" = {}", exact_text(amount)));
    Some((amount, text))
}
