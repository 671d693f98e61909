//! The model of a scheme's `[pay]` table: components, their rules, tiers,
//! deferrals and measures. The amounts are computed by the `pay` engine.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{RankGroup, STORE_PREFIX};
use crate::format::money_text;
use crate::metric::{Formula, Level, Unit, metric};
use crate::money::{Exact, Rounding};
use crate::period::Month;
use crate::table::Role;

/// The `[pay]` table of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayScheme {
    /// How amounts are rounded to the cent (default half-up, 四舍五入).
    #[serde(default)]
    pub rounding: Rounding,
    /// Where amounts are rounded: each component (default) or the gross only.
    #[serde(default)]
    pub round: RoundAt,
    /// What happens to held (deferred) money when an employee leaves.
    #[serde(default)]
    pub on_leave: OnLeave,
    /// The components, computed in this order (an `average_of` component
    /// reads earlier ones).
    pub components: Vec<Component>,
    /// For `kpi reconcile`: payroll-ledger names (工资表 headers) → a
    /// component id, a total (`gross`, `paid_now`, `deferred`, `released`)
    /// or `ignore`, where the ledger's names are not our ids or labels.
    #[serde(default)]
    pub ledger_columns: std::collections::BTreeMap<String, String>,
}

/// What a `ledger_columns` value may name besides a component id.
pub const LEDGER_TARGETS: &[&str] = &["gross", "paid_now", "deferred", "released", "ignore"];

/// Where amounts are rounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundAt {
    /// Every component is rounded to the cent; the gross is their sum.
    #[default]
    Component,
    /// Components are kept exact; only the gross is rounded (the components
    /// shown may then differ from the gross by a cent or two).
    Total,
}

/// What happens to the held balance of an employee who leaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnLeave {
    /// It is paid out in the last month worked.
    #[default]
    Pay,
    /// It is forfeited (the `forfeited` column).
    Forfeit,
}

/// One pay component: a column of `pay`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Stable id, the column of `pay`.
    pub id: String,
    /// Label on the pay slip (岗位工资, 个人绩效提成…).
    #[serde(default)]
    pub label: Option<String>,
    /// Roles paid this component; empty for every role of the scheme.
    #[serde(default, with = "crate::scheme::role_ids")]
    pub roles: Vec<Role>,
    /// How the amount is computed.
    pub rule: PayRule,
    /// Part of the amount held back and paid later.
    #[serde(default)]
    pub defer: Option<Deferral>,
    /// Computed every month (default) or in the last month of each quarter on
    /// the quarter's sum of the measure (seed 000: 季度超利润奖励, 季度结算).
    #[serde(default)]
    pub every: Every,
}

/// How often a component is computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    /// Every month, on the month's measure.
    #[default]
    Month,
    /// In March, June, September and December, on the quarter's measure
    /// (the sum over the quarter's months in the run).
    Quarter,
}

/// The months whose measure a component reads for `period`: the period
/// itself, or for a quarterly component the quarter's months up to it (none
/// when the period does not end a quarter).
pub(crate) fn measure_months(every: Every, period: &str) -> Vec<String> {
    match (every, Month::parse(period)) {
        (Every::Month, _) => vec![period.to_string()],
        (Every::Quarter, Some(m)) if m.month.is_multiple_of(3) => {
            (0..3).rev().map(|k| m.shift(-k).to_string()).collect()
        }
        (Every::Quarter, _) => Vec::new(),
    }
}

/// How a component's amount is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PayRule {
    /// The same amount for everyone it applies to.
    Fixed {
        /// Yuan.
        amount: Decimal,
    },
    /// An amount of the roster (`base_salary`, `seniority_pay` 工龄工资, …).
    Roster {
        /// A money column of `employees`.
        column: String,
    },
    /// The position wage of the grade (`[[grades]] position_wage`).
    PositionWage,
    /// Performance pay = base × percentage (seed 000 第10条: 绩效工资 =
    /// 绩效工资基数 × 绩效分值). Staff on probation are not paid it (seed 002).
    Performance {
        /// A fixed base in yuan, or
        #[serde(default)]
        base: Option<Decimal>,
        /// a money column of `employees` (`bonus_base`).
        #[serde(default)]
        base_column: Option<String>,
        /// The grade's payout percentage (default) or the total score as a percentage.
        #[serde(default)]
        by: PerformanceBy,
    },
    /// `fixed + rate × (measure − offset)` of the tier the measure falls in.
    Tiered {
        /// The measure (see [`Measure`]).
        measure: String,
        /// The tiers, each with its own edges.
        tiers: Vec<Tier>,
        /// A higher effective rate above a share of target.
        #[serde(default)]
        accelerator: Option<Accelerator>,
    },
    /// A rate per role on the part of a measure above `above` (seed 000: other
    /// roles get 0.35%–0.45% of the excess above 8万).
    RoleRate {
        /// The measure.
        measure: String,
        /// Role → rate.
        rates: BTreeMap<String, Decimal>,
        /// Only the part of the measure above this counts.
        #[serde(default)]
        above: Decimal,
    },
    /// A pool for a group, shared among its members.
    Pool {
        /// The pool's measure (`store.gmv`, `team.collected`).
        measure: String,
        /// An employee metric summed over the pool's members and taken off
        /// the measure (public sales = store GMV − the sales the
        /// customer-service staff closed).
        #[serde(default)]
        less: Option<String>,
        /// Pool = rate × measure, or
        #[serde(default)]
        rate: Option<Decimal>,
        /// pool = the tiered amount of the measure.
        #[serde(default)]
        tiers: Option<Vec<Tier>>,
        /// The group: the store (default) or the team.
        #[serde(default)]
        within: RankGroup,
        /// Equal shares (÷ headcount) or by `employees.coefficient` (岗位系数).
        #[serde(default)]
        split: Split,
    },
    /// `factor ×` the average, over the other staff of the group, of the sum
    /// of earlier components (seed 000: 部门经理 = 3 × 部门其他人员提成平均额).
    AverageOf {
        /// Earlier component ids summed per person.
        of: Vec<String>,
        /// The multiple.
        factor: Decimal,
        /// The group: store (default) or team.
        #[serde(default)]
        within: RankGroup,
    },
    /// Attendance bonus (全勤奖) = rate × base, forfeited on too many
    /// late/early/leave events or absent days (seed 000).
    AttendanceBonus {
        /// A fixed base in yuan, or
        #[serde(default)]
        base: Option<Decimal>,
        /// a money column of `employees`.
        #[serde(default)]
        base_column: Option<String>,
        /// Share of the base.
        rate: Decimal,
        /// Late arrivals + early leaves + leave days at which it is forfeited.
        forfeit_events: u32,
        /// Absent days at which it is forfeited.
        forfeit_absent_days: u32,
    },
    /// The amount of a streak rule in the month its flag is raised.
    Streak {
        /// The streak's flag (`award`).
        flag: String,
    },
    /// The `adjustments` rows of the employee and period (losses charged
    /// negative, awards, corrections), each with its reason.
    Adjustments {
        /// Kinds included (`loss`, `award`, `correction`); empty for all.
        #[serde(default)]
        kinds: Vec<String>,
    },
}

/// What a performance percentage is read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PerformanceBy {
    /// The grade's `payout`.
    #[default]
    Payout,
    /// The total score as a percentage.
    Score,
}

/// How a pool is shared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Equal shares.
    #[default]
    Equal,
    /// By `employees.coefficient`.
    Coefficient,
}

/// One tier: `fixed + rate × (measure − offset)` for a measure within its edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Lower edge; none for no lower limit.
    #[serde(default)]
    pub min: Option<Decimal>,
    /// Upper edge; none for no upper limit.
    #[serde(default)]
    pub max: Option<Decimal>,
    /// Whether a measure equal to `min` is in the tier (default yes).
    #[serde(default = "yes")]
    pub min_inclusive: bool,
    /// Whether a measure equal to `max` is in the tier (default no).
    #[serde(default)]
    pub max_inclusive: bool,
    /// Fixed amount.
    #[serde(default)]
    pub fixed: Decimal,
    /// Rate on the measure above `offset`.
    #[serde(default)]
    pub rate: Decimal,
    /// Subtracted from the measure before the rate (0 for a flat tier).
    #[serde(default)]
    pub offset: Decimal,
}

fn yes() -> bool {
    true
}

impl Tier {
    /// Whether `x` is in the tier.
    pub fn contains(&self, x: Decimal) -> bool {
        let above = match self.min {
            None => true,
            Some(min) if self.min_inclusive => x >= min,
            Some(min) => x > min,
        };
        let below = match self.max {
            None => true,
            Some(max) if self.max_inclusive => x <= max,
            Some(max) => x < max,
        };
        above && below
    }

    /// The exact, unrounded amount of the tier at `x`.
    pub fn amount(&self, x: Decimal) -> Exact {
        Exact::from(self.fixed)
            + Exact::from(self.rate) * (Exact::from(x) - Exact::from(self.offset))
    }

    /// The tier's edges in words (`15000 ≤ x ≤ 20000`).
    pub(crate) fn edges(&self) -> String {
        let lo = self.min.map(|m| {
            format!(
                "{} {} ",
                money_text(m),
                if self.min_inclusive { "≤" } else { "<" }
            )
        });
        let hi = self.max.map(|m| {
            format!(
                " {} {}",
                if self.max_inclusive { "≤" } else { "<" },
                money_text(m)
            )
        });
        format!("{}x{}", lo.unwrap_or_default(), hi.unwrap_or_default())
    }
}

/// A higher effective rate above a share of target (seed 004: above 150% of
/// the GMV target the commission rate rises by 20%): the amount × `factor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accelerator {
    /// Share of target above which it applies (1.5).
    pub above: Decimal,
    /// Multiplier of the amount (1.2).
    pub factor: Decimal,
}

/// Money held back from a component and paid later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deferral {
    /// Share held (0.2 holds 20%, pays 80% now).
    pub share: Decimal,
    /// When the held balance is paid.
    #[serde(default)]
    pub release: Release,
}

/// When held money is paid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Release {
    /// In March, June, September and December, with that month's pay.
    #[default]
    QuarterEnd,
    /// In December.
    YearEnd,
}

impl Release {
    /// Whether held money is paid in `month`.
    pub(crate) fn due(self, month: Month) -> bool {
        match self {
            Release::QuarterEnd => month.month.is_multiple_of(3),
            Release::YearEnd => month.month == 12,
        }
    }
}

/// A measure: `cs_sales` (the employee's period sum of a money metric),
/// `store.gmv` (the employee's store), `team.collected` (the sum over the
/// employee's team).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure<'a> {
    /// The employee's own sum.
    Employee(&'a str),
    /// The store's sum.
    Store(&'a str),
    /// The sum over the employee's team.
    Team(&'a str),
}

impl<'a> Measure<'a> {
    /// Reads `store.x`, `team.x` or `x`.
    pub fn parse(text: &'a str) -> Measure<'a> {
        if let Some(m) = text.strip_prefix(STORE_PREFIX) {
            Measure::Store(m)
        } else if let Some(m) = text.strip_prefix("team.") {
            Measure::Team(m)
        } else {
            Measure::Employee(text)
        }
    }

    /// The metric id and its level.
    pub fn metric(self) -> (Level, &'a str) {
        match self {
            Measure::Store(m) => (Level::Store, m),
            Measure::Employee(m) | Measure::Team(m) => (Level::Employee, m),
        }
    }

    /// Why this is not a measure, if it is not: measures are money sums.
    pub fn problem(self) -> Option<String> {
        let (level, id) = self.metric();
        match metric(level, id) {
            Some(m) if m.unit == Unit::Money && matches!(m.formula, Formula::Sum(_)) => None,
            Some(_) => Some(format!(
                "`{id}` is not a money sum; a pay measure is one (cs_sales, collected, gmv…)"
            )),
            None => Some(format!("unknown metric `{id}`")),
        }
    }
}

/// The totals of every `pay` row, after the component columns.
pub const PAY_TOTALS: [&str; 6] = [
    "gross",
    "deferred",
    "released",
    "forfeited",
    "paid_now",
    "held",
];
