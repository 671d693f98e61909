//! How a pay amount was reached, as values: the steps of a component's
//! amount, rendered by one renderer per language for `pay_details`, the pay
//! slips and `kpi explain`.

use rust_decimal::Decimal;

use crate::format::{exact_text, money_text, money2, percent_text};
use crate::money::Exact;
use crate::scheme::{Lang, Tier};

/// One step of a pay amount.
#[derive(Debug, Clone, PartialEq)]
pub enum PayStep {
    /// A quarterly component: the months its measure sums.
    Span {
        /// First month.
        first: String,
        /// Last month.
        last: String,
    },
    /// The same amount for everyone.
    Fixed {
        /// Yuan.
        amount: Decimal,
    },
    /// A money column of the roster.
    Roster {
        /// The column.
        column: String,
    },
    /// The grade's position wage.
    PositionWage {
        /// The grade.
        grade: String,
    },
    /// No grade this period: 0.
    NoGrade,
    /// On probation: the scheme pays no performance pay.
    Probation,
    /// `base × percentage`.
    Percentage {
        /// The base.
        base: Decimal,
        /// The percentage (`87.5` for 87.5%).
        pct: Decimal,
        /// The exact amount.
        amount: Exact,
    },
    /// No score or payout percentage this period: 0.
    NoPayout,
    /// The tier the measure is in and its amount.
    Tier {
        /// The tier.
        tier: Tier,
        /// The measure.
        measure: Decimal,
        /// The exact amount.
        amount: Exact,
    },
    /// The measure is in no tier: 0.
    NoTier,
    /// The amount multiplied above a share of target.
    Accelerated {
        /// The share of target above which it applies.
        above: Decimal,
        /// The target.
        target: Decimal,
        /// The multiplier.
        factor: Decimal,
        /// The exact amount after it.
        amount: Exact,
    },
    /// `rate × (measure − above)` (a `role_rate`, an attendance bonus).
    Rate {
        /// The rate.
        rate: Decimal,
        /// The measure or base.
        of: Decimal,
        /// Taken off first (0 for none).
        above: Decimal,
        /// The exact amount.
        amount: Exact,
    },
    /// The attendance bonus forfeited.
    Forfeited {
        /// Late arrivals, early leaves and leave days.
        events: Decimal,
        /// Absent days.
        absent: Decimal,
    },
    /// A streak's amount: none when the streak was not completed.
    Streak {
        /// The streak's flag.
        flag: String,
        /// The amount when completed this month.
        completed: Option<Decimal>,
    },
    /// The `adjustments` rows of the month (none: 0).
    Adjustments {
        /// Each row: kind, amount, reason.
        rows: Vec<(String, Decimal, String)>,
    },
    /// The pool `rate × measure`, before it is shared.
    PoolRate {
        /// The rate.
        rate: Decimal,
        /// The pool's measure.
        measure: Decimal,
    },
    /// A pool without a rate or tiers: 0.
    NoRate,
    /// A pool to the cent and this member's share of it; `of` is how the
    /// pool was reached (a rate, a tier, no tier, no rate).
    Pool {
        /// How the pool was reached.
        of: Vec<PayStep>,
        /// The pool, to the cent.
        pool: Decimal,
        /// How it is shared.
        shared: Shared,
        /// This member's share.
        share: Decimal,
    },
    /// `factor ×` the others' average.
    Average {
        /// The multiple.
        factor: Decimal,
        /// The components averaged.
        of: Vec<String>,
        /// How many others.
        others: usize,
        /// The average to the cent (exact when it cannot be rounded).
        mean: Result<Decimal, Exact>,
        /// The exact amount.
        amount: Exact,
    },
    /// No other staff have the averaged components: 0.
    NoOthers,
}

/// How a pool is shared.
#[derive(Debug, Clone, PartialEq)]
pub enum Shared {
    /// Equally among this many staff.
    Equally {
        /// Headcount.
        staff: usize,
    },
    /// By coefficient.
    ByCoefficient {
        /// The member's coefficient.
        weight: Decimal,
        /// The sum of the members' coefficients.
        total: Decimal,
    },
}

/// The steps in words.
///
/// ```
/// use kpi_core::{Exact, Lang, PayStep, render_pay_steps};
/// use rust_decimal::Decimal;
///
/// let steps = [PayStep::Percentage {
///     base: Decimal::new(1000, 0),
///     pct: Decimal::new(875, 1),
///     amount: Exact::from(Decimal::new(875, 0)),
/// }];
/// assert_eq!(render_pay_steps(&steps, Lang::En), "1000 × 87.5% = 875");
/// assert_eq!(render_pay_steps(&[PayStep::NoGrade], Lang::Zh), "本期无等级 → 0");
/// ```
pub fn render_pay_steps(steps: &[PayStep], lang: Lang) -> String {
    steps.iter().map(|s| render(s, lang)).collect()
}

fn adjustment_kind(kind: &str) -> &str {
    match kind {
        "loss" => "损失",
        "award" => "奖励",
        "correction" => "更正",
        other => other,
    }
}

fn render(step: &PayStep, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match step {
        PayStep::Span { first, last } if zh => format!("{first} 至 {last}:"),
        PayStep::Span { first, last } => format!("{first}–{last}: "),
        PayStep::Fixed { amount } if zh => format!("固定 {}", money_text(*amount)),
        PayStep::Fixed { amount } => format!("fixed {}", money_text(*amount)),
        PayStep::Roster { column } if zh => format!("员工表 {column}"),
        PayStep::Roster { column } => format!("employees.{column}"),
        PayStep::PositionWage { grade } if zh => format!("等级 {grade} 的岗位工资"),
        PayStep::PositionWage { grade } => format!("position wage of grade {grade}"),
        PayStep::NoGrade if zh => "本期无等级 → 0".into(),
        PayStep::NoGrade => "no grade this period → 0".into(),
        PayStep::Probation if zh => "试用期:方案不发 → 0".into(),
        PayStep::Probation => "probation: not paid by the scheme → 0".into(),
        PayStep::Percentage { base, pct, amount } => format!(
            "{} × {}% = {}",
            money_text(*base),
            pct.normalize(),
            exact_text(*amount)
        ),
        PayStep::NoPayout if zh => "本期无得分或绩效比例 → 0".into(),
        PayStep::NoPayout => "no score or payout this period → 0".into(),
        PayStep::Tier {
            tier,
            measure,
            amount,
        } => {
            let mut text = format!("{} {}: ", if zh { "档位" } else { "tier" }, tier.edges());
            if !tier.fixed.is_zero() {
                text.push_str(&format!("{} + ", money_text(tier.fixed)));
            }
            if tier.offset.is_zero() {
                text.push_str(&format!(
                    "{} × {}",
                    percent_text(tier.rate),
                    money_text(*measure)
                ));
            } else {
                text.push_str(&format!(
                    "{} × ({} − {})",
                    percent_text(tier.rate),
                    money_text(*measure),
                    money_text(tier.offset)
                ));
            }
            text.push_str(&format!(" = {}", exact_text(*amount)));
            text
        }
        PayStep::NoTier if zh => "不在任何档位 → 0".into(),
        PayStep::NoTier => "in no tier → 0".into(),
        PayStep::Accelerated {
            above,
            target,
            factor,
            amount,
        } => {
            let (above, target) = (percent_text(*above), money_text(*target));
            let condition = if zh {
                format!(";超过目标 {target} 的 {above}")
            } else {
                format!("; above {above} of target {target}")
            };
            format!(
                "{condition} → × {} = {}",
                factor.normalize(),
                exact_text(*amount)
            )
        }
        PayStep::Rate {
            rate,
            of,
            above,
            amount,
        } => {
            let part = if above.is_zero() {
                money_text(*of)
            } else {
                format!("({} − {})", money_text(*of), money_text(*above))
            };
            format!("{} × {part} = {}", percent_text(*rate), exact_text(*amount))
        }
        PayStep::Forfeited { events, absent } if zh => format!(
            "迟到/早退/请假 {} 次,缺勤 {} 天:取消 → 0",
            events.normalize(),
            absent.normalize()
        ),
        PayStep::Forfeited { events, absent } => format!(
            "{} late/early/leave event(s), {} absent day(s): forfeited → 0",
            events.normalize(),
            absent.normalize()
        ),
        PayStep::Streak {
            flag,
            completed: Some(amount),
        } if zh => format!("本月达成连续 `{flag}` → {}", money_text(*amount)),
        PayStep::Streak {
            flag,
            completed: Some(amount),
        } => format!(
            "streak `{flag}` completed this month → {}",
            money_text(*amount)
        ),
        PayStep::Streak {
            flag,
            completed: None,
        } if zh => format!("未达成连续 `{flag}` → 0"),
        PayStep::Streak {
            flag,
            completed: None,
        } => format!("no `{flag}` streak completed → 0"),
        PayStep::Adjustments { rows } if rows.is_empty() => if zh {
            "无奖罚 → 0"
        } else {
            "no adjustment → 0"
        }
        .into(),
        PayStep::Adjustments { rows } => rows
            .iter()
            .map(|(kind, amount, reason)| {
                let kind = if zh { adjustment_kind(kind) } else { kind };
                format!("{kind} {} ({reason})", money_text(*amount))
            })
            .collect::<Vec<_>>()
            .join(if zh { ";" } else { "; " }),
        PayStep::PoolRate { rate, measure } => {
            format!("{} × {}", percent_text(*rate), money_text(*measure))
        }
        PayStep::NoRate if zh => "无比例".into(),
        PayStep::NoRate => "no rate".into(),
        PayStep::Pool {
            of,
            pool,
            shared,
            share,
        } => {
            let how = render_pay_steps(of, lang);
            let split = match (shared, zh) {
                (Shared::Equally { staff }, false) => format!("÷ {staff} staff"),
                (Shared::Equally { staff }, true) => format!("÷ {staff} 人"),
                (Shared::ByCoefficient { weight, total }, false) => format!(
                    "× coefficient {} / {}",
                    weight.normalize(),
                    total.normalize()
                ),
                (Shared::ByCoefficient { weight, total }, true) => {
                    format!("× 系数 {} / {}", weight.normalize(), total.normalize())
                }
            };
            let (word, sep) = if zh { ("奖池", ";") } else { ("pool", "; ") };
            format!(
                "{word} {how} → {}{sep}{split} → {}",
                money2(*pool),
                money2(*share)
            )
        }
        PayStep::Average {
            factor,
            of,
            others,
            mean,
            amount,
        } => {
            let mean = match mean {
                Ok(cents) => money_text(*cents),
                Err(exact) => exact.to_string(),
            };
            if zh {
                format!(
                    "{} × 其他 {others} 人 {} 的平均 ({mean}) = {}",
                    factor.normalize(),
                    of.join(" + "),
                    exact_text(*amount)
                )
            } else {
                format!(
                    "{} × average of {} over {others} other staff ({mean}) = {}",
                    factor.normalize(),
                    of.join(" + "),
                    exact_text(*amount)
                )
            }
        }
        PayStep::NoOthers if zh => "无其他人员有这些项目 → 0".into(),
        PayStep::NoOthers => "no other staff with these components → 0".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_and_tier_in_both_languages() {
        let tier = Tier {
            min: Some(Decimal::new(15000, 0)),
            max: Some(Decimal::new(20000, 0)),
            min_inclusive: true,
            max_inclusive: true,
            fixed: Decimal::new(150, 0),
            rate: Decimal::new(2, 2),
            offset: Decimal::new(15000, 0),
        };
        let steps = [PayStep::Tier {
            tier,
            measure: Decimal::new(17500, 0),
            amount: Exact::from(Decimal::new(200, 0)),
        }];
        assert_eq!(
            render_pay_steps(&steps, Lang::En),
            "tier 15000 ≤ x ≤ 20000: 150 + 2% × (17500 − 15000) = 200"
        );
        let pool = [PayStep::Pool {
            of: vec![PayStep::PoolRate {
                rate: Decimal::new(5, 3),
                measure: Decimal::new(200000, 2),
            }],
            pool: Decimal::new(1000, 2),
            shared: Shared::Equally { staff: 3 },
            share: Decimal::new(334, 2),
        }];
        assert_eq!(
            render_pay_steps(&pool, Lang::En),
            "pool 0.5% × 2000 → 10.00; ÷ 3 staff → 3.34"
        );
        assert_eq!(
            render_pay_steps(&pool, Lang::Zh),
            "奖池 0.5% × 2000 → 10.00;÷ 3 人 → 3.34"
        );
    }
}
