//! Money held as integer cents.

use rust_decimal::Decimal;

/// Exact `1234.50` text of integer cents.
pub fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (cents / 100).abs(), (cents % 100).abs())
}

/// Integer cents as a 2-place decimal of yuan.
pub fn cents_to_decimal(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_print_exactly() {
        assert_eq!(cents_text(123_450), "1234.50");
        assert_eq!(cents_text(-5), "-0.05");
        assert_eq!(cents_text(0), "0.00");
        assert_eq!(cents_to_decimal(30).to_string(), "0.30");
    }
}
