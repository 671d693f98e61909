//! Numbers and money in words: one formatter for each, shared by rule
//! texts, pay details, explanations and the exports.

use rust_decimal::Decimal;

use crate::money::Exact;

/// Formats a number without float noise: at most 6 decimals, trailing zeros dropped.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{:.6}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// `12.5%`, `0.45%`.
pub(crate) fn percent_text(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

/// An amount in words: whole yuan as `15000`, cents as `17500.50`, and
/// unrounded intermediate results with up to 6 decimals (`224.99985`).
pub(crate) fn money_text(d: Decimal) -> String {
    let mut n = d.round_dp(6).normalize();
    if n.scale() == 1 {
        n.rescale(2);
    }
    n.to_string()
}

/// An exact amount in words: as [`money_text`] when it ends, else to 6
/// places marked `…`.
pub(crate) fn exact_text(e: Exact) -> String {
    e.to_decimal().map_or_else(|| e.to_string(), money_text)
}

/// Exact `1234.50` text of integer cents.
///
/// ```
/// assert_eq!(kpi_core::cents_text(-5), "-0.05");
/// assert_eq!(kpi_core::cents_text(123_450), "1234.50");
/// ```
pub fn cents_text(cents: i64) -> String {
    money2(Decimal::new(cents, 2))
}

/// Exact 2-place text of an amount already in cents (`1234.50`).
pub fn money2(d: Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmt_num_drops_float_noise() {
        assert_eq!(fmt_num(0.30000000000000004), "0.3");
        assert_eq!(fmt_num(100.0), "100");
        assert_eq!(fmt_num(-0.0), "0");
    }
}
