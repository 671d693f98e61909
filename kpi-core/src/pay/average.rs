//! `average_of`: a multiple of the average, over the other staff of the
//! group, of earlier components (seed 000: 部门经理 = 3 × 部门其他人员提成平均额).

use rust_decimal::Decimal;

use super::step::PayStep;
use super::{PayDetail, Person, detail, group_of, of_period};
use crate::money::{Exact, Rounding};
use crate::scheme::{Component, RankGroup};

/// `factor ×` the sum of the `of` components over the other staff of each
/// member's group who are not paid this component, `÷` their headcount:
/// multiplied before it is divided, so the one quotient is exact.
#[allow(clippy::too_many_arguments)]
pub(super) fn average_of(
    column: &mut [Option<(Exact, PayDetail)>],
    earlier: &[Vec<Option<(Exact, PayDetail)>>],
    components: &[Component],
    people: &[Person<'_>],
    rounding: Rounding,
    component: &Component,
    (of, factor, within): (&[String], Decimal, RankGroup),
    applies: &dyn Fn(&Person<'_>) -> bool,
) {
    let indices: Vec<usize> = of
        .iter()
        .filter_map(|id| components.iter().position(|x| &x.id == id))
        .collect();
    let sum_of = |i: usize| -> Option<Exact> {
        let parts: Vec<Exact> = indices
            .iter()
            .filter_map(|&k| earlier[k][i].as_ref().map(|(a, _)| *a))
            .collect();
        (!parts.is_empty()).then(|| parts.iter().copied().sum())
    };
    for (i, p) in people.iter().enumerate() {
        if !applies(p) {
            continue;
        }
        let group = group_of(p.score, within);
        let start = people.partition_point(|q| q.score.period < p.score.period);
        let others: Vec<Exact> = of_period(people, &p.score.period)
            .iter()
            .enumerate()
            .map(|(k, q)| (start + k, q))
            .filter(|(j, q)| *j != i && group_of(q.score, within) == group && !applies(q))
            .filter_map(|(j, _)| sum_of(j))
            .collect();
        let (amount, rule) = if others.is_empty() {
            (Exact::ZERO, PayStep::NoOthers)
        } else {
            // Multiply before dividing: factor × sum / n is one
            // exact quotient, rounded once later.
            let total: Exact = others.iter().copied().sum();
            let headcount = Exact::ratio(others.len() as i128, 1);
            let amount = Exact::from(factor) * total / headcount;
            let mean = total / headcount;
            (
                amount,
                PayStep::Average {
                    factor,
                    of: of.to_vec(),
                    others: others.len(),
                    mean: rounding.round(mean).ok_or(mean),
                    amount,
                },
            )
        };
        column[i] = Some((amount, detail(component, amount, None, None, vec![rule])));
    }
}
