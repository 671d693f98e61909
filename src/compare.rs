//! `kpi compare`: several schemes scored on one history (loaded once,
//! aggregated once), side by side, and priced with sales scaled.

use std::path::PathBuf;

use rayon::prelude::*;
use rust_decimal::Decimal;

use kpi_core::{
    Comparison, Dataset, Run, STRESS_FACTORS, Scenario, Scheme, scale_sales, stress_points,
};

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
/// [`STRESS_FACTORS`]. The schemes run in parallel on metrics computed once
/// per version of the history; the history as it is comes first, so a
/// scheme the data cannot feed is refused before the stress tests, and the
/// scaled versions are made one at a time, each dropped once priced, so
/// memory holds one scaled copy and its scores beside the original's.
pub fn compare_schemes(data: &Dataset, schemes: &[&Scheme]) -> Result<Comparison> {
    compare_schemes_with(data, schemes, &|_| {})
}

/// [`compare_schemes`], calling `progress` with each factor as its version
/// of the history is scored.
pub fn compare_schemes_with(
    data: &Dataset,
    schemes: &[&Scheme],
    progress: &dyn Fn(Decimal),
) -> Result<Comparison> {
    let score_all = |data: &Dataset| -> Result<Vec<Scored>> {
        let prepared = Prepared::new(data)?;
        schemes
            .par_iter()
            .map(|s| {
                prepared.score(s).map_err(|e| Error::ForScheme {
                    id: s.scheme.id.clone(),
                    source: Box::new(e),
                })
            })
            .collect()
    };
    progress(Decimal::ONE);
    let base = score_all(data)?;
    // Each scaled history is scored, priced and dropped before the next.
    let mut stress = Vec::new();
    for factor in STRESS_FACTORS.iter() {
        let factor: Decimal = factor.parse().expect("the stress factors are decimals");
        if factor == Decimal::ONE {
            continue;
        }
        progress(factor);
        let scaled = scale_sales(data, factor).map_err(step("stress test"))?;
        let scored = score_all(&scaled)?;
        stress.extend(
            stress_points(&scenario(schemes, factor, &scored)).map_err(step("stress test"))?,
        );
    }
    kpi_core::compare(&scenario(schemes, Decimal::ONE, &base), stress, data)
        .map_err(step("comparing schemes"))
}

/// The runs of `schemes` on one version of the history.
fn scenario<'a>(schemes: &[&'a Scheme], factor: Decimal, scored: &'a [Scored]) -> Scenario<'a> {
    Scenario {
        factor,
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
    }
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
