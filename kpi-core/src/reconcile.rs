//! Reconciling the scheme's pay with the payroll ledger actually paid: per
//! employee, period and component, ours against the ledger's, with the
//! likely cause of a difference where one is evident.

use std::collections::BTreeMap;

use polars::prelude::*;
use rust_decimal::prelude::*;

use crate::error::Result;
use crate::format::money2;
use crate::frame::str_values;
use crate::money::{Exact, Rounding};
use crate::pay::{Pay, PayDetail, PayRow};
use crate::scheme::{Lang, PayRule, PayScheme};

/// How one line compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Equal within the tolerance.
    Match,
    /// Both have the line and they differ.
    Mismatch,
    /// Only the ledger has the line.
    OnlyInLedger,
    /// Only our pay has the line (a non-zero amount).
    OnlyInOurs,
}

impl Status {
    /// `match`, `mismatch`, `only_in_ledger`, `only_in_ours`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Match => "match",
            Status::Mismatch => "mismatch",
            Status::OnlyInLedger => "only_in_ledger",
            Status::OnlyInOurs => "only_in_ours",
        }
    }
}

/// One employee, period and component.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `YYYY-MM`.
    pub period: String,
    /// Employee id.
    pub employee_id: String,
    /// Our component id, or the ledger's name when it is not one of ours.
    pub component: String,
    /// Our amount.
    pub ours: Option<Decimal>,
    /// The ledger's amount.
    pub ledger: Option<Decimal>,
    /// How they compare.
    pub status: Status,
    /// The likely cause of a difference, where one is evident.
    pub cause: Option<String>,
}

impl Line {
    /// Ledger − ours (a missing side counts as 0).
    pub fn difference(&self) -> Decimal {
        self.ledger.unwrap_or_default() - self.ours.unwrap_or_default()
    }
}

/// The result of a reconciliation.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    /// Every line with an amount on either side, sorted by period,
    /// employee and component (zero amounts of ours without a ledger line
    /// are counted in `zero_lines`, not listed).
    pub lines: Vec<Line>,
    /// Our zero amounts the ledger has no line for.
    pub zero_lines: usize,
}

impl Reconciliation {
    /// Lines that are not a match.
    pub fn problems(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.status != Status::Match)
            .count()
    }
}

/// What a ledger name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Component(usize),
    Gross,
    PaidNow,
    Deferred,
    Released,
}

fn resolve(pay: &Pay, name: &str) -> Option<Target> {
    let name = name.trim();
    if let Some(k) = pay
        .component_ids
        .iter()
        .zip(&pay.labels)
        .position(|(id, label)| id == name || label == name)
    {
        return Some(Target::Component(k));
    }
    match name {
        "gross" | "应发" | "应发工资" | "应发合计" => Some(Target::Gross),
        "paid_now" | "实发" | "实发工资" | "实发合计" => Some(Target::PaidNow),
        "deferred" | "暂扣" | "留存" => Some(Target::Deferred),
        "released" | "发放留存" | "留存发放" => Some(Target::Released),
        _ => None,
    }
}

fn target_id(pay: &Pay, target: Target) -> String {
    match target {
        Target::Component(k) => pay.component_ids[k].clone(),
        Target::Gross => "gross".into(),
        Target::PaidNow => "paid_now".into(),
        Target::Deferred => "deferred".into(),
        Target::Released => "released".into(),
    }
}

fn our_amount(row: &PayRow, target: Target) -> Option<Decimal> {
    match target {
        Target::Component(k) => row.amounts[k],
        Target::Gross => Some(row.gross),
        Target::PaidNow => Some(row.paid_now),
        Target::Deferred => Some(row.deferred),
        Target::Released => Some(row.released),
    }
}

/// Compares `pay` with a `payroll_ledger` frame (`period, employee_id,
/// component, amount` with the amount in integer cents). Components are
/// matched by id or label; `gross`/应发, `paid_now`/实发, `deferred` and
/// `released` lines compare with the totals.
pub fn reconcile(
    scheme: &PayScheme,
    pay: &Pay,
    ledger: &DataFrame,
    tolerance: Decimal,
) -> Result<Reconciliation> {
    let periods = str_values(ledger, "period")?;
    let employees = str_values(ledger, "employee_id")?;
    let components = str_values(ledger, "component")?;
    let amounts: Vec<Option<i64>> = ledger
        .column("amount")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    // (period, employee, target or the ledger's own name) → ledger amount.
    let mut theirs: BTreeMap<(String, String, std::result::Result<Target, String>), Decimal> =
        BTreeMap::new();
    let mut totals_used = std::collections::BTreeSet::new();
    for i in 0..ledger.height() {
        let (Some(p), Some(e), Some(c), Some(a)) =
            (&periods[i], &employees[i], &components[i], amounts[i])
        else {
            continue;
        };
        // The scheme may say what a ledger name stands for (or to skip it).
        let mapped = scheme.ledger_columns.get(c.trim()).map(String::as_str);
        if mapped == Some("ignore") {
            continue;
        }
        let target = resolve(pay, mapped.unwrap_or(c)).ok_or_else(|| c.trim().to_string());
        if let Ok(t) = target
            && !matches!(t, Target::Component(_))
        {
            totals_used.insert(t);
        }
        *theirs.entry((p.clone(), e.clone(), target)).or_default() += Decimal::new(a, 2);
    }
    let mut lines = Vec::new();
    let mut zero_lines = 0;
    for row in &pay.rows {
        let targets = (0..pay.component_ids.len())
            .map(Target::Component)
            .chain(totals_used.iter().copied());
        for target in targets {
            let Some(ours) = our_amount(row, target) else {
                continue;
            };
            let key = (row.period.clone(), row.employee_id.clone(), Ok(target));
            let ledger = theirs.remove(&key);
            if ledger.is_none() && ours.is_zero() {
                zero_lines += 1;
                continue;
            }
            let mut line = Line {
                period: row.period.clone(),
                employee_id: row.employee_id.clone(),
                component: target_id(pay, target),
                ours: Some(ours),
                ledger,
                status: Status::Match,
                cause: None,
            };
            line.status = match ledger {
                None => Status::OnlyInOurs,
                Some(l) if (l - ours).abs() <= tolerance => Status::Match,
                Some(_) => Status::Mismatch,
            };
            if line.status != Status::Match || !line.difference().is_zero() {
                line.cause = cause(scheme, row, target, &line);
            }
            lines.push(line);
        }
    }
    for ((period, employee_id, target), amount) in theirs {
        let (component, cause) = match target {
            Ok(t) => (
                target_id(pay, t),
                Some("no pay row of ours for this employee and period".to_string()),
            ),
            Err(name) => (
                name.clone(),
                Some(format!("`{name}` is none of the scheme's components")),
            ),
        };
        lines.push(Line {
            period,
            employee_id,
            component,
            ours: None,
            ledger: Some(amount),
            status: Status::OnlyInLedger,
            cause,
        });
    }
    lines.sort_by(|a, b| {
        (&a.period, &a.employee_id, &a.component).cmp(&(&b.period, &b.employee_id, &b.component))
    });
    Ok(Reconciliation { lines, zero_lines })
}

/// The likely cause of a difference, where one is evident.
fn cause(scheme: &PayScheme, row: &PayRow, target: Target, line: &Line) -> Option<String> {
    let ledger = line.ledger;
    let ours = line.ours?;
    match target {
        Target::Component(k) => {
            let component = &scheme.components[k];
            let detail: Option<&PayDetail> =
                row.details.iter().find(|d| d.component == component.id);
            if matches!(component.rule, PayRule::Adjustments { .. }) {
                return Some(match ledger {
                    None => format!(
                        "missing adjustment: the ledger does not charge {} ({})",
                        money2(ours),
                        detail.map_or(String::new(), |d| d.rule(Lang::En))
                    ),
                    Some(l) => format!(
                        "adjustment differs by {}: an adjustment is missing or extra in one of the two",
                        money2(l - ours)
                    ),
                });
            }
            let ledger = ledger?;
            let detail = detail?;
            if !detail.deferred.is_zero() || !detail.released.is_zero() {
                let paid_now = ours - detail.deferred + detail.released;
                if ledger == paid_now {
                    return Some(format!(
                        "deferral timing: the ledger pays {} now ({} held, {} released)",
                        money2(paid_now),
                        money2(detail.deferred),
                        money2(detail.released)
                    ));
                }
            }
            rounding_cause(detail.exact, ours, ledger)
        }
        Target::Gross | Target::PaidNow => {
            let ledger = ledger?;
            if target == Target::Gross && ledger == row.paid_now && row.paid_now != row.gross {
                return Some("deferral timing: the ledger's gross is what we pay now".into());
            }
            if target == Target::PaidNow && ledger == row.gross && row.paid_now != row.gross {
                return Some(
                    "deferral timing: the ledger pays the whole gross now, nothing held".into(),
                );
            }
            ((ledger - ours).abs() <= Decimal::new(5, 2))
                .then(|| format!("rounding: {} apart", money2(ledger - ours)))
        }
        Target::Deferred | Target::Released => Some("deferral timing".into()),
    }
}

/// Whether the ledger rounded the same exact amount another way.
fn rounding_cause(exact: Exact, ours: Decimal, ledger: Decimal) -> Option<String> {
    let candidates = [
        (Rounding::HalfUp.round(exact), "rounds half-up"),
        (Rounding::HalfEven.round(exact), "rounds half-even"),
        (exact.trunc_dp(2), "truncates to the cent"),
        (exact.round_dp(0, Rounding::HalfUp), "rounds to the yuan"),
    ];
    for (value, how) in candidates {
        if value == Some(ledger) && ledger != ours {
            return Some(format!("rounding: the ledger {how} ({exact} exact)"));
        }
    }
    ((ledger - ours).abs() <= Decimal::new(5, 2))
        .then(|| format!("rounding? {} apart", money2(ledger - ours)))
}

impl Reconciliation {
    /// The `reconciliation` table: `period, employee_id, component, ours,
    /// ledger, difference, status, cause`, money as exact text.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let text = |f: &dyn Fn(&Line) -> Option<String>| -> Vec<Option<String>> {
            self.lines.iter().map(f).collect()
        };
        let columns = vec![
            Column::new("period".into(), text(&|l| Some(l.period.clone()))),
            Column::new("employee_id".into(), text(&|l| Some(l.employee_id.clone()))),
            Column::new("component".into(), text(&|l| Some(l.component.clone()))),
            Column::new("ours".into(), text(&|l| l.ours.map(money2))),
            Column::new("ledger".into(), text(&|l| l.ledger.map(money2))),
            Column::new("difference".into(), text(&|l| Some(money2(l.difference())))),
            Column::new(
                "status".into(),
                text(&|l| Some(l.status.name().to_string())),
            ),
            Column::new("cause".into(), text(&|l| l.cause.clone())),
        ];
        Ok(DataFrame::new(self.lines.len(), columns)?)
    }

    /// Totals per period and component: `period, component, ours, ledger,
    /// difference, lines, not_matching`.
    pub fn totals_frame(&self) -> Result<DataFrame> {
        #[derive(Default)]
        struct Total {
            ours: Decimal,
            ledger: Decimal,
            lines: i64,
            not_matching: i64,
        }
        let mut totals: BTreeMap<(&str, &str), Total> = BTreeMap::new();
        for l in &self.lines {
            let t = totals.entry((&l.period, &l.component)).or_default();
            t.ours += l.ours.unwrap_or_default();
            t.ledger += l.ledger.unwrap_or_default();
            t.lines += 1;
            t.not_matching += i64::from(l.status != Status::Match);
        }
        let rows: Vec<((&str, &str), Total)> = totals.into_iter().collect();
        let text = |f: &dyn Fn(&str, &str, &Total) -> String| -> Vec<String> {
            rows.iter().map(|((p, c), t)| f(p, c, t)).collect()
        };
        let columns = vec![
            Column::new("period".into(), text(&|p, _, _| p.to_string())),
            Column::new("component".into(), text(&|_, c, _| c.to_string())),
            Column::new("ours".into(), text(&|_, _, t| money2(t.ours))),
            Column::new("ledger".into(), text(&|_, _, t| money2(t.ledger))),
            Column::new(
                "difference".into(),
                text(&|_, _, t| money2(t.ledger - t.ours)),
            ),
            Column::new(
                "lines".into(),
                rows.iter().map(|r| r.1.lines).collect::<Vec<_>>(),
            ),
            Column::new(
                "not_matching".into(),
                rows.iter().map(|r| r.1.not_matching).collect::<Vec<_>>(),
            ),
        ];
        Ok(DataFrame::new(rows.len(), columns)?)
    }
}
