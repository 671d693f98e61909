//! `kpi compare`: several schemes scored on one history (loaded once,
//! aggregated once), side by side, and priced with sales scaled.

use std::path::PathBuf;

use rayon::prelude::*;
use rust_decimal::Decimal;

use kpi_core::{Comparison, Dataset, Run, STRESS_FACTORS, Scenario, Scheme, scale_sales};

use crate::{Error, Prepared, Result, Scored, step};

/// Refuses, before any work, fewer than two schemes or two that share an
/// id (the id names a scheme's columns in every comparison table).
pub fn check_compared(schemes: &[(PathBuf, Scheme)]) -> Result<()> {
    if schemes.len() < 2 {
        return Err(Error::TooFewSchemes {
            given: schemes.len(),
        });
    }
    for (i, (first, a)) in schemes.iter().enumerate() {
        if let Some((second, _)) = schemes[i + 1..]
            .iter()
            .find(|(_, b)| b.scheme.id == a.scheme.id)
        {
            return Err(Error::SameSchemeId {
                id: a.scheme.id.clone(),
                first: first.clone(),
                second: second.clone(),
            });
        }
    }
    Ok(())
}

/// Every scheme on `data`, compared (see [`kpi_core::compare`]): the
/// history as it is, then with every sales measure scaled by each of
/// [`STRESS_FACTORS`]. Schemes run in parallel on metrics computed once
/// per version of the history.
pub fn compare_schemes(data: &Dataset, schemes: &[&Scheme]) -> Result<Comparison> {
    let factors: Vec<Decimal> = STRESS_FACTORS
        .iter()
        .map(|f| f.parse().expect("the stress factors are decimals"))
        .collect();
    let scaled: Vec<(Decimal, Dataset)> = factors
        .iter()
        .filter(|f| **f != Decimal::ONE)
        .map(|&f| Ok((f, scale_sales(data, f).map_err(step("stress test"))?)))
        .collect::<Result<_>>()?;
    let versions: Vec<(Decimal, &Dataset)> = std::iter::once((Decimal::ONE, data))
        .chain(scaled.iter().map(|(f, d)| (*f, d)))
        .collect();
    let results: Vec<Vec<Scored>> = versions
        .par_iter()
        .map(|(_, data)| {
            let prepared = Prepared::new(data)?;
            schemes.par_iter().map(|s| prepared.score(s)).collect()
        })
        .collect::<Result<_>>()?;
    let scenarios: Vec<Scenario<'_>> = versions
        .iter()
        .zip(&results)
        .map(|((factor, _), scored)| Scenario {
            factor: *factor,
            metrics: &scored[0].metrics,
            runs: schemes
                .iter()
                .zip(scored)
                .map(|(scheme, s)| Run {
                    scheme,
                    scores: &s.scores,
                    pay: s.pay.as_ref(),
                })
                .collect(),
        })
        .collect();
    let (base, stress) = scenarios
        .split_first()
        .expect("the history itself is first");
    kpi_core::compare(base, stress, data).map_err(step("comparing schemes"))
}

/// The comparison tables by export name, in the order written.
pub const COMPARISON_TABLES: [&str; 5] = [
    "comparison_summary",
    "comparison_pairs",
    "comparison_people",
    "comparison_alignment",
    "comparison_stress",
];

/// The comparison tables as frames, named as [`COMPARISON_TABLES`].
pub fn comparison_frames(
    comparison: &Comparison,
) -> Result<Vec<(&'static str, polars::prelude::DataFrame)>> {
    let frames = [
        comparison.summary_frame()?,
        comparison.pairs_frame()?,
        comparison.people_frame()?,
        comparison.alignment_frame()?,
        comparison.stress_frame()?,
    ];
    Ok(COMPARISON_TABLES.into_iter().zip(frames).collect())
}
