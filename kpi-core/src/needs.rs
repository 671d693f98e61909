//! What a scheme needs of a dataset: the columns, tables and metrics its
//! scoring and its pay components read, each problem naming the scheme key.

use crate::dataset::Dataset;
use crate::error::{Error, Result, lacks};
use crate::metric::{Formula, Level, metric};
use crate::period_metrics::Metrics;
use crate::scheme::{
    ATTENDANCE_PREFIX, MANUAL_PREFIX, Measure, PayRule, PayScheme, PerformanceBy, RankEvery, Rule,
    STORE_PREFIX, Scheme,
};
use crate::table::Table;

/// Checks that the data can feed every item of the scheme; the first problem.
pub fn check_data(scheme: &Scheme, metrics: &Metrics, data: &Dataset) -> Result<()> {
    match data_problems(scheme, metrics, data).into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// Every column or table the scheme needs that the dataset lacks, and every
/// metric it cannot read from this data, each naming the scheme key.
pub fn data_problems(scheme: &Scheme, metrics: &Metrics, data: &Dataset) -> Vec<Error> {
    let mut problems = scoring_problems(scheme, metrics, data);
    if let Some(pay) = &scheme.pay {
        problems.extend(pay_problems(pay, metrics, data));
    }
    problems
}

/// Every column or table the scheme's scoring needs that the dataset lacks,
/// and every metric it cannot read from this data, each naming the scheme
/// key.
fn scoring_problems(scheme: &Scheme, metrics: &Metrics, data: &Dataset) -> Vec<Error> {
    let mut problems = Vec::new();
    for (path, metric_id) in scored_metrics(scheme) {
        problems.extend(metric_problem(scheme, metrics, data, path, metric_id));
    }
    for (path, metric_id, rule) in scheme.scored_rules() {
        problems.extend(weekly_problem(scheme, data, path, metric_id, rule));
    }
    let tenure = &scheme.eligibility;
    if (tenure.min_days_employed.is_some() || tenure.probation_days.is_some())
        && !data.has_column(Table::Employees, "hire_date")
    {
        let key = if tenure.min_days_employed.is_some() {
            "min_days_employed"
        } else {
            "probation_days"
        };
        problems.extend(lacks(
            format!("eligibility.{key}"),
            Table::Employees,
            "hire_date",
        ));
    }
    if scheme.eligibility.max_absent_days.is_some()
        && data.get(Table::Attendance).is_some()
        && !data.has_column(Table::Attendance, "absent_days")
    {
        problems.extend(lacks(
            "eligibility.max_absent_days",
            Table::Attendance,
            "absent_days",
        ));
    }
    problems
}

fn metric_problem(
    scheme: &Scheme,
    metrics: &Metrics,
    data: &Dataset,
    path: String,
    metric_id: &str,
) -> Option<Error> {
    if let Some(custom) = scheme.metrics.iter().find(|m| m.id == metric_id) {
        let columns = std::iter::once(&custom.numerator).chain(&custom.denominator);
        for column in columns {
            if !data.has_column(Table::EmployeeDaily, column) {
                return lacks(path, Table::EmployeeDaily, column);
            }
        }
        return None;
    }
    if let Some(store_metric) = metric_id.strip_prefix(STORE_PREFIX) {
        return catalogue_problem(Level::Store, store_metric, metrics, data, path);
    }
    if let Some(column) = metric_id.strip_prefix(ATTENDANCE_PREFIX) {
        if !data.has_column(Table::Attendance, column) {
            return lacks(path, Table::Attendance, column);
        }
        return None;
    }
    if metric_id.starts_with(MANUAL_PREFIX) {
        if !data.has_column(Table::ManualScores, "score") {
            return lacks(path, Table::ManualScores, "score");
        }
        return None;
    }
    catalogue_problem(Level::Employee, metric_id, metrics, data, path)
}

/// Why a catalogue metric of `level` cannot be read from this data, if it cannot.
fn catalogue_problem(
    level: Level,
    id: &str,
    metrics: &Metrics,
    data: &Dataset,
    path: String,
) -> Option<Error> {
    let Some(m) = metric(level, id) else {
        let level = match level {
            Level::Store => "store",
            Level::Employee => "employee",
        };
        return Some(Error::Scheme {
            path,
            message: format!("unknown {level} metric `{id}`"),
        });
    };
    if metrics.metrics(level).iter().any(|x| x.id == m.id) {
        return None;
    }
    let table = level.table();
    if let Formula::TargetRatio { numerator, .. } = m.formula
        && data.has_column(table, numerator)
    {
        return lacks(path, Table::Targets, "target");
    }
    let missing = m
        .inputs()
        .into_iter()
        .find(|c| !data.has_column(table, c))
        .unwrap_or(m.id);
    lacks(path, table, missing)
}

fn weekly_problem(
    scheme: &Scheme,
    data: &Dataset,
    path: String,
    metric_id: &str,
    rule: &Rule,
) -> Option<Error> {
    let Rule::Rank {
        every: RankEvery::Week,
        ..
    } = rule
    else {
        return None;
    };
    let weekly_metric = scheme.metrics.iter().any(|m| m.id == metric_id)
        || metric(Level::Employee, metric_id)
            .is_some_and(|m| !matches!(m.formula, Formula::TargetRatio { .. }));
    if !weekly_metric {
        return Some(Error::Scheme {
            path: format!("{path}.rule.every"),
            message: format!(
                "`{metric_id}` cannot be ranked weekly: weekly ranks read employee_daily metrics (not targets, manual ratings or attendance)"
            ),
        });
    }
    if !data.has_column(Table::EmployeeDaily, "date") {
        return lacks(format!("{path}.rule.every"), Table::EmployeeDaily, "date");
    }
    None
}

/// Every metric the scheme reads, with its key path: the metric of every
/// item, then of every bonus item (the counts of an `occurrences` rule).
fn scored_metrics(scheme: &Scheme) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for (path, metric, rule) in scheme.scored_rules() {
        match rule {
            Rule::Occurrences { counts, .. } => out.extend(
                counts
                    .keys()
                    .map(|id| (format!("{path}.rule.counts.{id}"), id.as_str())),
            ),
            _ => out.push((format!("{path}.metric"), metric)),
        }
    }
    out
}

/// Columns and tables the pay components need that the dataset lacks.
fn pay_problems(pay: &PayScheme, metrics: &Metrics, data: &Dataset) -> Vec<crate::error::Error> {
    let mut out = Vec::new();
    let measure = |path: String, text: &str, out: &mut Vec<crate::error::Error>| {
        let (level, id) = Measure::parse(text).metric();
        if !metrics.metrics(level).iter().any(|m| m.id == id) {
            out.extend(lacks(path, level.table(), id));
        }
    };
    for (i, c) in pay.components.iter().enumerate() {
        let path = format!("pay.components[{i}].rule");
        match &c.rule {
            PayRule::Roster { column }
            | PayRule::Performance {
                base_column: Some(column),
                ..
            }
            | PayRule::AttendanceBonus {
                base_column: Some(column),
                ..
            } if !data.has_column(Table::Employees, column) => {
                out.extend(lacks(path.clone(), Table::Employees, column));
            }
            _ => {}
        }
        match &c.rule {
            PayRule::Tiered {
                measure: m,
                accelerator,
                ..
            } => {
                measure(format!("{path}.measure"), m, &mut out);
                if accelerator.is_some() && data.get(Table::Targets).is_none() {
                    out.extend(lacks(
                        format!("{path}.accelerator"),
                        Table::Targets,
                        "target",
                    ));
                }
            }
            PayRule::RoleRate { measure: m, .. } => measure(format!("{path}.measure"), m, &mut out),
            PayRule::Pool {
                measure: m, less, ..
            } => {
                measure(format!("{path}.measure"), m, &mut out);
                if let Some(less) = less {
                    measure(format!("{path}.less"), less, &mut out);
                }
            }
            PayRule::AttendanceBonus { .. } if data.get(Table::Attendance).is_none() => {
                out.extend(lacks(path, Table::Attendance, "absent_days"));
            }
            PayRule::Performance {
                by: PerformanceBy::Payout,
                ..
            } => {}
            _ => {}
        }
    }
    out
}
