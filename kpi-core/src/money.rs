//! Money: integer cents as yuan, the rounding rules a scheme names, and [`Exact`],
//! the fraction pay is carried in until its one rounding.

use std::cmp::Ordering;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Div, Mul, Neg, Sub};

use rust_decimal::Decimal;
use rust_decimal::prelude::*;
use serde::{Deserialize, Serialize};

/// Integer cents as a 2-place decimal of yuan.
pub fn cents_to_decimal(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A rounding rule for cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Half away from zero (四舍五入): 0.005 → 0.01.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding): 0.005 → 0.00, 0.015 → 0.02.
    HalfEven,
}

impl Rounding {
    /// `amount` rounded to cents.
    pub fn cents(self, amount: Decimal) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        let mut d = amount.round_dp_with_strategy(2, strategy);
        d.rescale(2);
        d
    }

    /// An exact amount rounded to cents; none when it is out of range.
    pub fn round(self, amount: Exact) -> Option<Decimal> {
        amount.round_dp(2, self)
    }
}

/// An exact amount: a fraction of integers, kept whole through every
/// product and quotient until the one rounding the scheme names, so that
/// `3 × 15 477.53 / 6` is 7 738.765 exactly and not 7 738.764999….
///
/// Arithmetic never panics: a result beyond 128-bit numerators and
/// denominators (or a division by zero) is *out of range*, stays so through
/// later arithmetic, and rounds to none, so the caller reports it.
///
/// ```
/// use kpi_core::{Exact, Rounding};
/// use rust_decimal::Decimal;
///
/// let others = Exact::from(Decimal::new(1_547_753, 2)); // 15 477.53
/// let manager = Exact::from(3) * (others / Exact::from(6));
/// assert_eq!(manager.to_string(), "7738.765");
/// assert_eq!(Rounding::HalfUp.round(manager).unwrap().to_string(), "7738.77");
/// assert_eq!(Rounding::HalfEven.round(manager).unwrap().to_string(), "7738.76");
/// // A quotient that does not end is shown to 6 places, marked as cut.
/// assert_eq!((others / Exact::from(7)).to_string(), "2211.075714…");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exact(Option<(i128, i128)>);

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Exact {
    /// Zero.
    pub const ZERO: Exact = Exact(Some((0, 1)));

    /// `numerator / denominator`, reduced; out of range when the
    /// denominator is zero.
    pub fn ratio(numerator: i128, denominator: i128) -> Exact {
        Exact(Self::reduce(numerator, denominator))
    }

    fn reduce(num: i128, den: i128) -> Option<(i128, i128)> {
        if den == 0 {
            return None;
        }
        let (num, den) = if den < 0 {
            (num.checked_neg()?, den.checked_neg()?)
        } else {
            (num, den)
        };
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()) as i128;
        Some((num / g, den / g))
    }

    /// Whether the amount is out of range (see the type's docs).
    pub fn is_out_of_range(self) -> bool {
        self.0.is_none()
    }

    /// Whether the amount is exactly zero.
    pub fn is_zero(self) -> bool {
        matches!(self.0, Some((0, _)))
    }

    /// Rounded to `dp` decimal places with `rounding`; none when out of range.
    pub fn round_dp(self, dp: u32, rounding: Rounding) -> Option<Decimal> {
        let (num, den) = self.0?;
        let scaled = num.checked_mul(pow10(dp)?)?;
        let (floor, rest) = (scaled.div_euclid(den), scaled.rem_euclid(den));
        // 0 ≤ rest < den: compare rest with den − rest to place the half.
        let up = match rest.cmp(&(den - rest)) {
            Ordering::Less => false,
            Ordering::Greater => true,
            Ordering::Equal => match rounding {
                // The floor is already away from zero for a negative amount.
                Rounding::HalfUp => scaled >= 0,
                Rounding::HalfEven => floor % 2 != 0,
            },
        };
        let digits = if up { floor.checked_add(1)? } else { floor };
        Decimal::try_from_i128_with_scale(digits, dp).ok()
    }

    /// Cut toward zero to `dp` decimal places; none when out of range.
    pub fn trunc_dp(self, dp: u32) -> Option<Decimal> {
        let (num, den) = self.0?;
        let digits = num.checked_mul(pow10(dp)?)? / den;
        Decimal::try_from_i128_with_scale(digits, dp).ok()
    }

    /// The amount as a decimal when it ends within 28 places (every sum,
    /// product and division by 2 or 5 of decimals does); none otherwise.
    pub fn to_decimal(self) -> Option<Decimal> {
        let (num, den) = self.0?;
        let places = (0..=28u32).find(|&k| pow10(k).is_some_and(|p| p % den == 0))?;
        let digits = num.checked_mul(pow10(places)? / den)?;
        Some(
            Decimal::try_from_i128_with_scale(digits, places)
                .ok()?
                .normalize(),
        )
    }

    fn combine(
        self,
        other: Exact,
        f: impl Fn(i128, i128, i128, i128) -> Option<(i128, i128)>,
    ) -> Exact {
        match (self.0, other.0) {
            (Some((a, b)), Some((c, d))) => {
                Exact(f(a, b, c, d).and_then(|(n, m)| Self::reduce(n, m)))
            }
            _ => Exact(None),
        }
    }
}

impl From<Decimal> for Exact {
    fn from(d: Decimal) -> Exact {
        Exact(pow10(d.scale()).and_then(|den| Exact::reduce(d.mantissa(), den)))
    }
}

impl From<i64> for Exact {
    fn from(n: i64) -> Exact {
        Exact(Some((i128::from(n), 1)))
    }
}

impl Add for Exact {
    type Output = Exact;
    fn add(self, other: Exact) -> Exact {
        self.combine(other, |a, b, c, d| {
            let g = gcd(b.unsigned_abs(), d.unsigned_abs()) as i128;
            let num = a.checked_mul(d / g)?.checked_add(c.checked_mul(b / g)?)?;
            Some((num, (b / g).checked_mul(d)?))
        })
    }
}

impl Neg for Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        Exact(self.0.and_then(|(n, d)| Some((n.checked_neg()?, d))))
    }
}

impl Sub for Exact {
    type Output = Exact;
    fn sub(self, other: Exact) -> Exact {
        self + -other
    }
}

impl Mul for Exact {
    type Output = Exact;
    fn mul(self, other: Exact) -> Exact {
        self.combine(other, |a, b, c, d| {
            // Cross-reduce first so the products stay small.
            let g1 = gcd(a.unsigned_abs(), d.unsigned_abs()).max(1) as i128;
            let g2 = gcd(c.unsigned_abs(), b.unsigned_abs()).max(1) as i128;
            Some(((a / g1).checked_mul(c / g2)?, (b / g2).checked_mul(d / g1)?))
        })
    }
}

impl Div for Exact {
    type Output = Exact;
    fn div(self, other: Exact) -> Exact {
        let reciprocal = Exact(other.0.and_then(|(n, d)| Exact::reduce(d, n)));
        Mul::mul(self, reciprocal)
    }
}

impl Sum for Exact {
    fn sum<I: Iterator<Item = Exact>>(iter: I) -> Exact {
        iter.fold(Exact::ZERO, Add::add)
    }
}

impl PartialOrd for Exact {
    /// Ordered by value; out of range compares with nothing.
    fn partial_cmp(&self, other: &Exact) -> Option<Ordering> {
        let (n, _) = (*self - *other).0?;
        Some(n.cmp(&0))
    }
}

impl fmt::Display for Exact {
    /// The exact decimal when it ends within 28 places; else 6 places and
    /// `…`; `out of range` when it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.to_decimal(), self.round_dp(6, Rounding::HalfUp)) {
            (Some(d), _) => write!(f, "{d}"),
            (None, Some(d)) => write!(f, "{d}…"),
            (None, None) => f.write_str("out of range"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn cents_are_decimals_of_yuan() {
        assert_eq!(cents_to_decimal(30).to_string(), "0.30");
    }

    #[test]
    fn exact_rounds_halves_as_the_rule_says() {
        use Rounding::{HalfEven, HalfUp};
        for (x, up, even) in [
            ("0.005", "0.01", "0.00"),
            ("0.015", "0.02", "0.02"),
            ("0.025", "0.03", "0.02"),
            ("-0.005", "-0.01", "0.00"),
            ("-0.015", "-0.02", "-0.02"),
            ("224.99985", "225.00", "225.00"),
            ("1.004", "1.00", "1.00"),
            ("-1.006", "-1.01", "-1.01"),
        ] {
            let e = Exact::from(d(x));
            assert_eq!(HalfUp.round(e).unwrap().to_string(), up, "{x}");
            assert_eq!(HalfEven.round(e).unwrap().to_string(), even, "{x}");
            // The same as rust_decimal's rounding of the same decimal.
            assert_eq!(HalfUp.round(e), Some(HalfUp.cents(d(x))), "{x}");
        }
    }

    #[test]
    fn thirds_add_up_to_a_whole() {
        let third = Exact::from(1) / Exact::from(3);
        assert_eq!(third + third + third, Exact::from(1));
        // Seed 000's manager: dividing first in 28-digit decimals falls
        // short of the half cent; the exact quotient does not.
        let sum = d("15477.53");
        let cut = sum / Decimal::from(6) * Decimal::from(3);
        assert_eq!(Rounding::HalfUp.cents(cut).to_string(), "7738.76");
        let exact = Exact::from(sum) / Exact::from(6) * Exact::from(3);
        assert_eq!(
            Rounding::HalfUp.round(exact).unwrap().to_string(),
            "7738.77"
        );
    }

    #[test]
    fn out_of_range_is_kept_and_never_rounds() {
        let big = Exact::from(Decimal::MAX);
        let huge = big * big * big;
        assert!(huge.is_out_of_range());
        assert!((huge + Exact::ZERO).is_out_of_range());
        assert_eq!(Rounding::HalfUp.round(huge), None);
        assert!((Exact::from(1) / Exact::ZERO).is_out_of_range());
        assert_eq!(huge.to_string(), "out of range");
    }

    #[test]
    fn order_trunc_and_text() {
        let a = Exact::from(d("2.5"));
        assert!(a > Exact::from(2));
        assert!(-a < Exact::ZERO);
        assert_eq!(a.trunc_dp(0), Some(d("2")));
        assert_eq!((-a).trunc_dp(0), Some(d("-2")));
        assert_eq!(a.round_dp(0, Rounding::HalfEven), Some(d("2")));
        assert_eq!(Exact::from(d("300.5030")).to_string(), "300.503");
        assert_eq!(Exact::from(d("150.00")).to_string(), "150");
    }
}
