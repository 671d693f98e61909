//! Why a number moved: factor attribution of a product identity (LMDI-I and
//! chain substitution), tier attribution of a sum to its children, and the
//! mix / rate / interaction split of a rate.
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
