//! Notes on a score: why an employee-period is not scored, probation,
//! missing metrics, team averages, streaks and roll-ups, as values; the
//! export and `kpi explain` render them with `Display`.

use std::fmt;
use std::sync::Arc;

use crate::format::fmt_num;
use crate::scheme::Streak;

/// One note on a score row.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// Not scored: more absent days than the scheme allows.
    AbsentTooLong {
        /// Absent days in the period.
        days: f64,
        /// The scheme's `eligibility.max_absent_days`.
        max: f64,
    },
    /// Not scored: employed fewer days than the scheme asks.
    TooNew {
        /// Days employed by the end of the period.
        days: i64,
        /// The scheme's `eligibility.min_days_employed`.
        min: u32,
    },
    /// Scored, but on probation (not paid performance pay).
    Probation {
        /// Days employed by the end of the period.
        days: i64,
        /// The scheme's `eligibility.probation_days`.
        probation: u32,
    },
    /// An item's metric is missing.
    Missing {
        /// The item id.
        item: String,
        /// Why (a zero denominator, no row…).
        reason: String,
    },
    /// No item could be scored.
    NoItemScored,
    /// Scored by the mean of the staff's totals (`[team_average]`).
    TeamAverage {
        /// How many staff totals were averaged.
        staff: usize,
    },
    /// A team-average role with no scored staff to average.
    NoStaffToAverage,
    /// A streak of the scheme completed this period (one for all its rows).
    Streak(Arc<Streak>),
    /// A quarter or year rolled up from these months.
    RolledUp {
        /// The months scored.
        months: Vec<String>,
    },
    /// Months of the span without a score.
    NotScoredIn {
        /// The months.
        months: Vec<String>,
    },
}

impl Flag {
    /// Whether the flag says why the row is not scored.
    pub fn is_ineligibility(&self) -> bool {
        matches!(self, Flag::AbsentTooLong { .. } | Flag::TooNew { .. })
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::AbsentTooLong { days, max } => write!(
                f,
                "not_eligible: absent_days {} > {}",
                fmt_num(*days),
                fmt_num(*max)
            ),
            Flag::TooNew { days, min } => write!(f, "not_eligible: employed {days} days < {min}"),
            Flag::Probation { days, probation } => {
                write!(f, "probation: employed {days} days < {probation}")
            }
            Flag::Missing { item, reason } => write!(f, "missing: {item} ({reason})"),
            Flag::NoItemScored => f.write_str("no item could be scored"),
            Flag::TeamAverage { staff } => write!(f, "team_average: mean of {staff} staff totals"),
            Flag::NoStaffToAverage => f.write_str("team_average: no scored staff to average"),
            Flag::Streak(streak) => {
                let Streak {
                    flag,
                    months,
                    grades,
                    amount,
                } = &**streak;
                write!(f, "streak: {flag} ({months} months in {}", grades.join("/"))?;
                if let Some(a) = amount {
                    write!(f, ", {a}")?;
                }
                f.write_str(")")
            }
            Flag::RolledUp { months } => write!(
                f,
                "rolled up from {} month(s): {}",
                months.len(),
                months.join(", ")
            ),
            Flag::NotScoredIn { months } => write!(f, "not scored in {}", months.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_render_as_the_export_writes_them() {
        let streak = Flag::Streak(Arc::new(Streak {
            flag: "award".into(),
            months: 3,
            grades: vec!["卓越".into(), "优秀".into()],
            amount: Some(rust_decimal::Decimal::new(200, 0)),
        }));
        assert_eq!(
            streak.to_string(),
            "streak: award (3 months in 卓越/优秀, 200)"
        );
        let absent = Flag::AbsentTooLong {
            days: 21.0,
            max: 20.0,
        };
        assert!(absent.is_ineligibility());
        assert_eq!(absent.to_string(), "not_eligible: absent_days 21 > 20");
        let rolled = Flag::RolledUp {
            months: vec!["2025-01".into(), "2025-02".into()],
        };
        assert_eq!(
            rolled.to_string(),
            "rolled up from 2 month(s): 2025-01, 2025-02"
        );
    }
}
