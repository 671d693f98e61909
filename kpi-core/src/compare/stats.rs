//! The statistics of a comparison: spread and quartiles of scores and of
//! money, and Spearman's rank correlation.

use rust_decimal::{Decimal, RoundingStrategy};

/// Mean, sample standard deviation and the five-number summary of scores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1, as Excel's `STDEV.S`); missing
    /// below two values.
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: Option<f64>,
    /// First quartile.
    pub q1: Option<f64>,
    /// Median.
    pub median: Option<f64>,
    /// Third quartile.
    pub q3: Option<f64>,
    /// Largest value.
    pub max: Option<f64>,
}

/// The spread of `values` (any order). Quartiles interpolate between the
/// two nearest values, as Excel's `QUARTILE.INC` and numpy's default do.
pub(crate) fn spread(values: &[f64]) -> Spread {
    if values.is_empty() {
        return Spread::default();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let sd = (sorted.len() > 1)
        .then(|| (sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    let at = |p: f64| {
        let (lo, frac) = position(sorted.len(), p);
        match sorted.get(lo + 1) {
            Some(next) if frac > 0.0 => sorted[lo] + frac * (next - sorted[lo]),
            _ => sorted[lo],
        }
    };
    Spread {
        mean: Some(mean),
        sd,
        min: sorted.first().copied(),
        q1: Some(at(0.25)),
        median: Some(at(0.5)),
        q3: Some(at(0.75)),
        max: sorted.last().copied(),
    }
}

/// Where quantile `p` of `n` sorted values falls: the index below it and
/// the fraction of the way to the next (`QUARTILE.INC`: h = (n − 1) p).
fn position(n: usize, p: f64) -> (usize, f64) {
    let h = (n - 1) as f64 * p;
    let lo = h.floor();
    (lo as usize, h - lo)
}

/// The five-number summary and mean of amounts, each rounded half-up to
/// the cent once (quartiles interpolate as in [`spread`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MoneySpread {
    /// Mean.
    pub mean: Option<Decimal>,
    /// Smallest.
    pub min: Option<Decimal>,
    /// First quartile.
    pub q1: Option<Decimal>,
    /// Median.
    pub median: Option<Decimal>,
    /// Third quartile.
    pub q3: Option<Decimal>,
    /// Largest.
    pub max: Option<Decimal>,
}

pub(crate) fn money_spread(values: &[Decimal]) -> MoneySpread {
    if values.is_empty() {
        return MoneySpread::default();
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let cents = |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let n = sorted.len();
    // h = (n − 1) p exactly, for p = k / 4.
    let at = |k: usize| {
        let (lo, rest) = ((n - 1) * k / 4, (n - 1) * k % 4);
        let base = sorted[lo];
        let value = match sorted.get(lo + 1) {
            Some(&next) if rest > 0 => {
                base + (next - base) * Decimal::from(rest) / Decimal::from(4)
            }
            _ => base,
        };
        cents(value)
    };
    let total: Decimal = sorted.iter().sum();
    MoneySpread {
        mean: Some(cents(total / Decimal::from(n))),
        min: Some(cents(sorted[0])),
        q1: Some(at(1)),
        median: Some(at(2)),
        q3: Some(at(3)),
        max: Some(cents(sorted[n - 1])),
    }
}

/// Why a correlation has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoCorrelation {
    /// Fewer than two pairs.
    TooFew,
    /// Every value on one side is the same (side 0 or 1).
    NoSpread(usize),
}

/// Spearman's rank correlation of paired values: the Pearson correlation
/// of their ranks, tied values sharing the mean of their ranks.
pub(crate) fn spearman(pairs: &[(f64, f64)]) -> Result<f64, NoCorrelation> {
    if pairs.len() < 2 {
        return Err(NoCorrelation::TooFew);
    }
    let xs = mean_ranks(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let ys = mean_ranks(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(&ys) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx == 0.0 {
        return Err(NoCorrelation::NoSpread(0));
    }
    if syy == 0.0 {
        return Err(NoCorrelation::NoSpread(1));
    }
    Ok(sxy / (sxx * syy).sqrt())
}

/// Ranks from 1, ties sharing the mean of the ranks they span.
fn mean_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let mean = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mean;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn quartiles_interpolate_as_quartile_inc() {
        // QUARTILE.INC({1,2,3,4}, 1) = 1.75, median 2.5, Q3 3.25.
        let s = spread(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (Some(1.0), Some(1.75), Some(2.5), Some(3.25), Some(4.0))
        );
        assert_eq!(s.mean, Some(2.5));
        // STDEV.S({1,2,3,4}) = sqrt(5/3).
        assert!((s.sd.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(spread(&[7.0]).sd, None);
        assert_eq!(spread(&[]), Spread::default());
    }

    #[test]
    fn money_quartiles_are_exact_to_the_cent() {
        let s = money_spread(&[d("10.00"), d("0.01"), d("-5.00")]);
        assert_eq!(s.min, Some(d("-5.00")));
        // h = 0.5: -5.00 + 0.5 × 5.01 = -2.495 → -2.50 (half away from zero).
        assert_eq!(s.q1, Some(d("-2.50")));
        assert_eq!(s.median, Some(d("0.01")));
        assert_eq!(s.q3, Some(d("5.01")), "0.01 + 0.5 × 9.99 = 5.005 → 5.01");
        assert_eq!(s.mean, Some(d("1.67")), "5.01 / 3 = 1.67");
    }

    #[test]
    fn spearman_of_hand_ranks() {
        // Ranks x: 1 2 3 4; y: 2 1 4 3 → d² = 1+1+1+1 = 4; ρ = 1 − 6·4/(4·15) = 0.6.
        let rho = spearman(&[(1.0, 20.0), (2.0, 10.0), (3.0, 40.0), (4.0, 30.0)]).unwrap();
        assert!((rho - 0.6).abs() < 1e-12);
        // Ties take the mean rank: y ranks 1.5 1.5 3.
        assert_eq!(mean_ranks(&[5.0, 5.0, 9.0]), [1.5, 1.5, 3.0]);
        assert_eq!(spearman(&[(1.0, 2.0)]), Err(NoCorrelation::TooFew));
        assert_eq!(
            spearman(&[(1.0, 2.0), (1.0, 3.0)]),
            Err(NoCorrelation::NoSpread(0))
        );
    }

    proptest! {
        #[test]
        fn spearman_is_one_for_any_rising_map(xs in prop::collection::vec(-1e6f64..1e6, 2..40)) {
            let pairs: Vec<(f64, f64)> = xs.iter().map(|&x| (x, x * 3.0 + 7.0)).collect();
            match spearman(&pairs) {
                Ok(rho) => prop_assert!((rho - 1.0).abs() < 1e-9),
                Err(e) => prop_assert!(matches!(e, NoCorrelation::NoSpread(_))),
            }
            let reversed: Vec<(f64, f64)> = xs.iter().map(|&x| (x, -x)).collect();
            if let Ok(rho) = spearman(&reversed) {
                prop_assert!((rho + 1.0).abs() < 1e-9);
            }
        }

        #[test]
        fn quartiles_are_ordered_and_within_range(xs in prop::collection::vec(-1e4f64..1e4, 1..60)) {
            let s = spread(&xs);
            let v = [s.min, s.q1, s.median, s.q3, s.max].map(Option::unwrap);
            prop_assert!(v.windows(2).all(|w| w[0] <= w[1]));
            let cents: Vec<Decimal> = xs.iter().map(|x| Decimal::from((x * 100.0).round() as i64) / Decimal::from(100)).collect();
            let m = money_spread(&cents);
            let v = [m.min, m.q1, m.median, m.q3, m.max].map(Option::unwrap);
            prop_assert!(v.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
