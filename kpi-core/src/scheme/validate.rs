//! Every check of a scheme: errors for what cannot be scored or paid
//! unambiguously, warnings for what is legal but suspect, each with its key
//! path. Checks against a dataset live with the engines that need the data.

use rust_decimal::Decimal;

use super::{
    ATTENDANCE_COLUMNS, ATTENDANCE_PREFIX, Band, Every, LEDGER_TARGETS, MANUAL_PREFIX, Measure,
    PAY_TOTALS, PayRule, PayScheme, Payout, RankGroup, Rule, STORE_PREFIX, Scheme, Tier,
};
use crate::format::{exact_text, fmt_num, money_text};
use crate::metric::{Level, find_metric};
use crate::table::{ColumnKind, Role, Table};

/// A problem found in a scheme, named by its key path (`items[2].rule.bands[1]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeIssue {
    /// Key path into the scheme document.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Whether `kpi run` must refuse the scheme.
    pub is_error: bool,
    /// Whether the issue is weights that do not add up to 100 (a warning
    /// in a scheme file; a scheme workbook, edited by hand row by row, is
    /// refused for it).
    pub weight_sum: bool,
}

impl Scheme {
    /// Checks a scheme: errors for what the engine cannot score unambiguously
    /// (unknown metrics, non-positive weights, duplicate ids, bands that
    /// overlap or leave a gap, a grade table not read best first) and
    /// warnings for what is legal but suspect (weights not adding up to 100,
    /// bands not covering every value, more than 5 or 9 KPIs for a role).
    pub fn check(&self) -> Vec<SchemeIssue> {
        let mut issues = self.check_structure();
        if let Some(pay) = &self.pay {
            issues.extend(pay_issues(self, pay));
        }
        let rules = self
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (format!("items[{i}]"), &item.rule))
            .chain(
                self.bonus
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (format!("bonus[{i}]"), &b.rule)),
            );
        for (path, rule) in rules {
            if let Rule::Bands { bands, .. } = rule {
                issues.extend(band_issues(&format!("{path}.rule.bands"), bands));
            }
        }
        let warn = |path: &str, message: String| SchemeIssue {
            path: path.into(),
            message,
            is_error: false,
            weight_sum: false,
        };
        let sum_warning = |what: &str, total: f64| {
            format!(
                "{what} weights add up to {}, not 100; scores are Σ weight × points / {}",
                fmt_num(total),
                fmt_num(total)
            )
        };
        let warn_sum = |path: &str, message: String| SchemeIssue {
            weight_sum: true,
            ..warn(path, message)
        };
        if self.sections.is_empty() {
            let total: f64 = self.items.iter().map(|i| i.weight).sum();
            if !self.items.is_empty() && (total - 100.0).abs() > 1e-9 {
                issues.push(warn_sum("items", sum_warning("item", total)));
            }
        } else if self.sections.iter().all(|s| s.roles.is_empty()) {
            let total: f64 = self.sections.iter().map(|s| s.weight).sum();
            if (total - 100.0).abs() > 1e-9 {
                issues.push(warn_sum("sections", sum_warning("section", total)));
            }
        } else {
            let mut unscored = Vec::new();
            for role in &self.scheme.roles {
                let total: f64 = self
                    .sections
                    .iter()
                    .filter(|s| s.roles.is_empty() || s.roles.contains(role))
                    .map(|s| s.weight)
                    .sum();
                if total == 0.0 {
                    if self.team_average.as_ref().is_none_or(|t| t.role != *role) {
                        unscored.push(role.id());
                    }
                    continue;
                }
                if (total - 100.0).abs() > 1e-9 {
                    let what = format!("role {}: section", role.id());
                    issues.push(warn_sum("sections", sum_warning(&what, total)));
                }
            }
            if !unscored.is_empty() {
                issues.push(warn(
                    "sections",
                    format!(
                        "no section scores {}: they get pay rows but no score",
                        unscored.join(", ")
                    ),
                ));
            }
        }
        // Seed 000 特征二: at most 3 KPIs per person is the recommended design.
        for role in &self.scheme.roles {
            let n = (0..self.items.len())
                .filter(|&i| self.item_applies(i, role.id()))
                .count();
            if n > 9 {
                issues.push(warn("items", format!("{n} KPIs for role {}; more than 9 dilutes every item (seed 000 recommends at most 3)", role.id())));
            } else if n > 5 {
                issues.push(warn("items", format!("{n} KPIs for role {}; more than 5 is hard to steer by (seed 000 recommends at most 3)", role.id())));
            }
        }
        issues
    }

    fn check_structure(&self) -> Vec<SchemeIssue> {
        let mut issues = Vec::new();
        let mut error = errors_into(&mut issues);
        if self.scheme.roles.is_empty() {
            error("scheme.roles".into(), "no role is scored".into());
        }
        if self.items.is_empty() {
            error("items".into(), "the scheme has no items".into());
        }
        for (i, item) in self.items.iter().enumerate() {
            let path = format!("items[{i}]");
            if self.items[..i].iter().any(|other| other.id == item.id) {
                error(
                    format!("{path}.id"),
                    format!("item id `{}` is used twice", item.id),
                );
            }
            issues_from(
                &mut error,
                self.metric_issues(&path, &item.metric, &item.rule),
            );
            if !(item.weight.is_finite() && item.weight > 0.0) {
                error(
                    format!("{path}.weight"),
                    format!("weight must be positive, got {}", item.weight),
                );
            }
            issues_from(&mut error, rule_issues(&path, &item.rule));
        }
        for (i, section) in self.sections.iter().enumerate() {
            for role in &section.roles {
                if !self.scheme.roles.contains(role) {
                    error(
                        format!("sections[{i}].roles"),
                        format!("`{role}` must also be one of scheme.roles"),
                    );
                }
            }
            if self.sections[..i].iter().any(|s| s.id == section.id) {
                error(
                    format!("sections[{i}].id"),
                    format!("section id `{}` is used twice", section.id),
                );
            }
            if !(section.weight.is_finite() && section.weight > 0.0) {
                error(
                    format!("sections[{i}].weight"),
                    format!("weight must be positive, got {}", section.weight),
                );
            }
            if !self
                .items
                .iter()
                .any(|item| item.section.as_deref() == Some(&section.id))
            {
                error(
                    format!("sections[{i}]"),
                    format!("section `{}` has no items", section.id),
                );
            }
        }
        for (i, item) in self.items.iter().enumerate() {
            match (&item.section, self.sections.is_empty()) {
                (None, false) => error(
                    format!("items[{i}]"),
                    format!(
                        "item `{}` names no section; the scheme has sections",
                        item.id
                    ),
                ),
                (Some(s), true) => error(
                    format!("items[{i}].section"),
                    format!("section `{s}` is not defined: the scheme has no [[sections]]"),
                ),
                (Some(s), false) if !self.sections.iter().any(|x| &x.id == s) => {
                    let known: Vec<&str> = self.sections.iter().map(|x| x.id.as_str()).collect();
                    error(
                        format!("items[{i}].section"),
                        format!("unknown section `{s}`; sections are {}", known.join(", ")),
                    )
                }
                _ => {}
            }
        }
        for (i, custom) in self.metrics.iter().enumerate() {
            if find_metric(&custom.id).is_some() || custom.id.starts_with(MANUAL_PREFIX) {
                error(
                    format!("metrics[{i}].id"),
                    format!("`{}` is already a metric of the catalogue", custom.id),
                );
            }
            if self.metrics[..i].iter().any(|m| m.id == custom.id) {
                error(
                    format!("metrics[{i}].id"),
                    format!("metric id `{}` is used twice", custom.id),
                );
            }
        }
        if let Some(average) = &self.team_average {
            if !self.scheme.roles.contains(&average.role) {
                error(
                    "team_average.role".into(),
                    format!("`{}` must also be one of scheme.roles", average.role),
                );
            }
            if average.within == RankGroup::Role {
                error(
                    "team_average.within".into(),
                    "average within `store` or `team`".into(),
                );
            }
        }
        for (i, streak) in self.streaks.iter().enumerate() {
            if streak.months == 0 {
                error(
                    format!("streaks[{i}].months"),
                    "months must be at least 1".into(),
                );
            }
            for grade in &streak.grades {
                if !self.grades.iter().any(|g| *g.label == **grade) {
                    let known: Vec<&str> = self.grades.iter().map(|g| &*g.label).collect();
                    error(
                        format!("streaks[{i}].grades"),
                        format!("unknown grade `{grade}`; grades are {}", known.join(", ")),
                    );
                }
            }
        }
        for (i, o) in self.overrides.iter().enumerate() {
            if o.months.is_empty() || o.months.iter().any(|m| !(1..=12).contains(m)) {
                error(
                    format!("overrides[{i}].months"),
                    "months are 1 to 12".into(),
                );
            }
            for (id, weight) in &o.weights {
                let known = self.items.iter().any(|x| &x.id == id)
                    || self.sections.iter().any(|x| &x.id == id);
                if !known {
                    error(
                        format!("overrides[{i}].weights"),
                        format!("`{id}` is neither an item nor a section"),
                    );
                }
                if !(weight.is_finite() && *weight > 0.0) {
                    error(
                        format!("overrides[{i}].weights"),
                        format!("weight of `{id}` must be positive"),
                    );
                }
            }
        }
        for (i, bonus) in self.bonus.iter().enumerate() {
            if self.items.iter().any(|x| x.id == bonus.id)
                || self.bonus[..i].iter().any(|x| x.id == bonus.id)
            {
                error(
                    format!("bonus[{i}].id"),
                    format!("id `{}` is used twice", bonus.id),
                );
            }
            let path = format!("bonus[{i}]");
            issues_from(
                &mut error,
                self.metric_issues(&path, &bonus.metric, &bonus.rule),
            );
            issues_from(&mut error, rule_issues(&path, &bonus.rule));
        }
        for (i, identity) in self.identities.iter().enumerate() {
            let path = format!("identities[{i}]");
            let Some(m) = find_metric(&identity.metric) else {
                error(
                    format!("{path}.metric"),
                    format!("unknown metric `{}`", identity.metric),
                );
                continue;
            };
            if identity.factors.len() < 2 {
                error(format!("{path}.factors"), "at least two factors".into());
            }
            for factor in &identity.factors {
                let ok = crate::metric::metric(m.level, factor).is_some_and(|f| {
                    matches!(
                        f.formula,
                        crate::metric::Formula::Sum(_) | crate::metric::Formula::Ratio { .. }
                    )
                });
                if !ok {
                    error(
                        format!("{path}.factors"),
                        format!(
                            "`{factor}` is not a sum or ratio metric of the same level as `{}`",
                            identity.metric
                        ),
                    );
                }
            }
        }
        let weights = [
            (
                "rollup.month_weights",
                self.rollup.month_weights.map(|w| w.to_vec()),
            ),
            (
                "rollup.quarter_weights",
                self.rollup.quarter_weights.map(|w| w.to_vec()),
            ),
        ];
        for (path, weights) in weights {
            if let Some(w) = weights
                && (w.iter().any(|x| !(x.is_finite() && *x >= 0.0)) || w.iter().all(|x| *x == 0.0))
            {
                error(path.into(), "weights must be numbers ≥ 0, not all 0".into());
            }
        }
        for (i, grade) in self.grades.iter().enumerate() {
            if let Some(Payout::Percent(p)) = grade.payout
                && p.is_sign_negative()
            {
                error(
                    format!("grades[{i}].payout"),
                    "a payout percentage cannot be negative".into(),
                );
            }
            if let Some(wage) = grade.position_wage
                && (wage.is_sign_negative() || wage.normalize().scale() > 2)
            {
                error(
                    format!("grades[{i}].position_wage"),
                    format!("{wage} is not an amount of yuan with at most 2 decimals"),
                );
            }
            let later = &self.grades[i + 1..];
            match grade.min {
                None if !later.is_empty() => error(
                    format!("grades[{i}].min"),
                    "only the last grade may have no min".into(),
                ),
                Some(min) if later.iter().any(|g| g.min.is_some_and(|m| m >= min)) => error(
                    format!("grades[{i}].min"),
                    "grades must be listed best first, with falling min".into(),
                ),
                _ => {}
            }
        }
        drop(error);
        issues
    }
}

impl Scheme {
    /// Problems with the metric (or, for an `occurrences` rule, the counts)
    /// an item or bonus item at `path` scores.
    fn metric_issues(&self, path: &str, metric: &str, rule: &Rule) -> Vec<SchemeIssue> {
        let mut issues = Vec::new();
        let check = |path: String, id: &str| {
            let message = match find_metric(id) {
                _ if id.starts_with(MANUAL_PREFIX) => None,
                _ if self.metrics.iter().any(|m| m.id == id) => None,
                _ if id.starts_with(STORE_PREFIX) => {
                    let store_id = &id[STORE_PREFIX.len()..];
                    crate::metric::metric(Level::Store, store_id)
                        .is_none()
                        .then(|| {
                            format!(
                                "unknown store metric `{store_id}`{}",
                                suggest_at(Level::Store, store_id, STORE_PREFIX)
                            )
                        })
                }
                _ if id.starts_with(ATTENDANCE_PREFIX) => {
                    let column = &id[ATTENDANCE_PREFIX.len()..];
                    (!ATTENDANCE_COLUMNS.contains(&column)).then(|| {
                        format!(
                            "unknown attendance column `{column}`; attendance metrics are {}",
                            ATTENDANCE_COLUMNS
                                .map(|c| format!("{ATTENDANCE_PREFIX}{c}"))
                                .join(", ")
                        )
                    })
                }
                Some(m) if m.level == Level::Employee => None,
                Some(_) => Some(format!(
                    "`{id}` is a store metric; write `{STORE_PREFIX}{id}` to score the employee's store"
                )),
                None => Some(format!("unknown metric `{id}`{}", suggest(id))),
            };
            message.map(|message| SchemeIssue {
                path,
                message,
                is_error: true,
                weight_sum: false,
            })
        };
        match rule {
            Rule::Occurrences { counts, .. } => {
                for id in counts.keys() {
                    issues.extend(check(format!("{path}.rule.counts"), id));
                }
                if !metric.is_empty() {
                    issues.push(SchemeIssue {
                        path: format!("{path}.metric"),
                        message:
                            "an occurrences rule names its metrics in rule.counts; leave out metric"
                                .into(),
                        is_error: true,
                        weight_sum: false,
                    });
                }
            }
            _ if metric.is_empty() => issues.push(SchemeIssue {
                path: format!("{path}.metric"),
                message: "missing `metric`: the metric id this item scores".into(),
                is_error: true,
                weight_sum: false,
            }),
            _ => issues.extend(check(format!("{path}.metric"), metric)),
        }
        issues
    }
}

/// A sink that adds errors (path, message) to `issues`.
fn errors_into(issues: &mut Vec<SchemeIssue>) -> impl FnMut(String, String) + '_ {
    |path, message| {
        issues.push(SchemeIssue {
            path,
            message,
            is_error: true,
            weight_sum: false,
        })
    }
}

fn issues_from(error: &mut impl FnMut(String, String), issues: Vec<SchemeIssue>) {
    for issue in issues {
        error(issue.path, issue.message);
    }
}

/// Problems inside a rule at `path` (an item or bonus item).
fn rule_issues(path: &str, rule: &Rule) -> Vec<SchemeIssue> {
    let mut issues = Vec::new();
    let mut error = errors_into(&mut issues);
    match rule {
        Rule::Bands { bands, .. } => {
            if bands.is_empty() {
                error(format!("{path}.rule.bands"), "no bands".into());
            }
            for (j, band) in bands.iter().enumerate() {
                if let (Some(min), Some(max)) = (band.min, band.max)
                    && min >= max
                {
                    error(
                        format!("{path}.rule.bands[{j}]"),
                        format!("min {} is not below max {}", fmt_num(min), fmt_num(max)),
                    );
                }
            }
        }
        Rule::PerUnit {
            unit, floor, cap, ..
        }
        | Rule::Linear {
            unit, floor, cap, ..
        } => {
            if !(unit.is_finite() && *unit > 0.0) {
                error(format!("{path}.rule.unit"), "unit must be positive".into());
            }
            if let (Some(floor), Some(cap)) = (floor, cap)
                && floor > cap
            {
                error(format!("{path}.rule.floor"), "floor is above cap".into());
            }
        }
        Rule::Occurrences {
            counts, floor, cap, ..
        } => {
            if counts.is_empty() {
                error(format!("{path}.rule.counts"), "no counts".into());
            }
            if let (Some(floor), Some(cap)) = (floor, cap)
                && floor > cap
            {
                error(format!("{path}.rule.floor"), "floor is above cap".into());
            }
        }
        Rule::Scale { from, .. } => {
            if from[0].partial_cmp(&from[1]) != Some(std::cmp::Ordering::Less) {
                error(
                    format!("{path}.rule.from"),
                    "the scale must run from low to high".into(),
                );
            }
        }
        Rule::Rank { points, .. } => {
            if points.is_empty() {
                error(
                    format!("{path}.rule.points"),
                    "no points for any place".into(),
                );
            }
        }
    }
    drop(error);
    issues
}

/// Overlaps and gaps between bands, read in order of their lower edge.
/// One interval of a table (a band, a tier) for [`coverage`].
struct Edges<T> {
    min: Option<T>,
    max: Option<T>,
    min_inclusive: bool,
    max_inclusive: bool,
}

/// What [`coverage`] found between neighbouring intervals (by index into
/// the table), or at its ends.
enum Coverage<T> {
    /// `lower` and `upper` share values; `at` is the edge where they meet
    /// (none when one of them has no edge between them).
    Overlap {
        lower: usize,
        upper: usize,
        at: Option<T>,
    },
    /// Values from `from` to `to` are in neither.
    Gap {
        lower: usize,
        upper: usize,
        from: T,
        to: T,
    },
    /// They meet exactly at `at`.
    Meet { lower: usize, upper: usize, at: T },
    /// Nothing below the lowest interval's `min`.
    NothingBelow { first: usize, min: T },
    /// Nothing above the highest interval's `max`.
    NothingAbove { last: usize, max: T },
}

/// Checks that a table of intervals covers the line once: sorted by lower
/// edge (none first, then by index), each pair of neighbours overlaps,
/// leaves a gap or meets; the ends say what lies beyond them.
fn coverage<T: PartialOrd + Copy>(edges: &[Edges<T>]) -> Vec<Coverage<T>> {
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| match (edges[a].min, edges[b].min) {
        (None, None) => a.cmp(&b),
        (None, _) => std::cmp::Ordering::Less,
        (_, None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x
            .partial_cmp(&y)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b)),
    });
    let mut found = Vec::new();
    if let Some(&first) = order.first()
        && let Some(min) = edges[first].min
    {
        found.push(Coverage::NothingBelow { first, min });
    }
    for pair in order.windows(2) {
        let (lower, upper) = (pair[0], pair[1]);
        let (a, b) = (&edges[lower], &edges[upper]);
        let (Some(max), Some(min)) = (a.max, b.min) else {
            found.push(Coverage::Overlap {
                lower,
                upper,
                at: None,
            });
            continue;
        };
        found.push(
            if max > min || (max == min && a.max_inclusive && b.min_inclusive) {
                Coverage::Overlap {
                    lower,
                    upper,
                    at: Some(min),
                }
            } else if max < min || a.max_inclusive == b.min_inclusive {
                Coverage::Gap {
                    lower,
                    upper,
                    from: max,
                    to: min,
                }
            } else {
                Coverage::Meet {
                    lower,
                    upper,
                    at: max,
                }
            },
        );
    }
    if let Some(&last) = order.last()
        && let Some(max) = edges[last].max
    {
        found.push(Coverage::NothingAbove { last, max });
    }
    found
}

fn band_issues(path: &str, bands: &[Band]) -> Vec<SchemeIssue> {
    // A band holds its lower edge and not its upper one (as the direction
    // reads it), so neighbours meet where one ends and the next begins.
    let edges: Vec<Edges<f64>> = bands
        .iter()
        .map(|b| Edges {
            min: b.min,
            max: b.max,
            min_inclusive: true,
            max_inclusive: false,
        })
        .collect();
    let range = |b: &Band| {
        format!(
            "{}–{}",
            b.min.map_or("−∞".to_string(), fmt_num),
            b.max.map_or("+∞".to_string(), fmt_num)
        )
    };
    let issue = |at: usize, message: String, is_error: bool| SchemeIssue {
        path: format!("{path}[{at}]"),
        message,
        is_error,
        weight_sum: false,
    };
    let mut issues = Vec::new();
    let (mut below, mut above) = (None, None);
    for found in coverage(&edges) {
        match found {
            Coverage::Overlap { lower, upper, .. } => issues.push(issue(
                upper,
                format!(
                    "bands[{lower}] ({}) and bands[{upper}] ({}) overlap: a value in both is ambiguous",
                    range(&bands[lower]),
                    range(&bands[upper])
                ),
                true,
            )),
            Coverage::Gap { lower, upper, from, to } => issues.push(issue(
                upper,
                format!(
                    "gap between bands[{lower}] ({}) and bands[{upper}] ({}): values from {} to {} are in no band",
                    range(&bands[lower]),
                    range(&bands[upper]),
                    fmt_num(from),
                    fmt_num(to)
                ),
                true,
            )),
            Coverage::Meet { .. } => {}
            Coverage::NothingBelow { first, min } => below = Some(issue(
                first,
                format!("no band below {}: lower values score 0", fmt_num(min)),
                false,
            )),
            Coverage::NothingAbove { last, max } => above = Some(issue(
                last,
                format!("no band above {}: higher values score 0", fmt_num(max)),
                false,
            )),
        }
    }
    issues.extend(below);
    issues.extend(above);
    issues
}

fn suggest(unknown: &str) -> String {
    match find_metric(unknown) {
        Some(m) if m.level == Level::Store => String::new(),
        _ => suggest_at(Level::Employee, unknown, ""),
    }
}

fn suggest_at(level: Level, unknown: &str, prefix: &str) -> String {
    let best = crate::metric::catalogue()
        .iter()
        .filter(|m| m.level == level)
        .map(|m| (edit_distance(unknown, m.id), m.id))
        .min();
    match best {
        Some((d, id)) if d <= 3.max(unknown.len() / 3) => {
            format!(" (did you mean `{prefix}{id}`?)")
        }
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Problems of a `[pay]` table, as (key path, message, is_error).
fn pay_issues(scheme: &Scheme, pay: &PayScheme) -> Vec<SchemeIssue> {
    let mut issues = Vec::new();
    let error = |issues: &mut Vec<SchemeIssue>, path: String, message: String| {
        issues.push(SchemeIssue {
            path,
            message,
            is_error: true,
            weight_sum: false,
        })
    };
    let reserved: Vec<&str> = [
        "period",
        "employee_id",
        "store_id",
        "team_id",
        "role",
        "grade",
    ]
    .into_iter()
    .chain(PAY_TOTALS)
    .collect();
    for (name, target) in &pay.ledger_columns {
        if !LEDGER_TARGETS.contains(&target.as_str())
            && !pay.components.iter().any(|c| &c.id == target)
        {
            error(
                &mut issues,
                format!("pay.ledger_columns.{name}"),
                format!(
                    "`{target}` is neither a component id nor one of {}",
                    LEDGER_TARGETS.join(", ")
                ),
            );
        }
    }
    for (i, c) in pay.components.iter().enumerate() {
        let path = format!("pay.components[{i}]");
        if pay.components[..i].iter().any(|x| x.id == c.id) {
            error(
                &mut issues,
                format!("{path}.id"),
                format!("component id `{}` is used twice", c.id),
            );
        }
        if reserved.contains(&c.id.as_str()) {
            error(
                &mut issues,
                format!("{path}.id"),
                format!("`{}` is a column of `pay` already", c.id),
            );
        }
        for role in &c.roles {
            if !scheme.scheme.roles.contains(role) {
                error(
                    &mut issues,
                    format!("{path}.roles"),
                    format!("`{role}` must also be one of scheme.roles"),
                );
            }
        }
        if c.every == Every::Quarter
            && !matches!(c.rule, PayRule::Tiered { .. } | PayRule::RoleRate { .. })
        {
            error(
                &mut issues,
                format!("{path}.every"),
                "only `tiered` and `role_rate` components can be computed quarterly".into(),
            );
        }
        if let Some(d) = &c.defer
            && !(Decimal::ZERO..=Decimal::ONE).contains(&d.share)
        {
            error(
                &mut issues,
                format!("{path}.defer.share"),
                "a share from 0 to 1".into(),
            );
        }
        let rule = format!("{path}.rule");
        let money_column = |column: &str| {
            Table::Employees
                .column(column)
                .is_some_and(|c| c.kind == ColumnKind::Money)
        };
        match &c.rule {
            PayRule::Roster { column } if !money_column(column) => error(
                &mut issues,
                format!("{rule}.column"),
                format!(
                    "`{column}` is not a money column of employees (base_salary, bonus_base, seniority_pay)"
                ),
            ),
            PayRule::Performance {
                base, base_column, ..
            }
            | PayRule::AttendanceBonus {
                base, base_column, ..
            } => match (base, base_column) {
                (Some(_), Some(_)) | (None, None) => error(
                    &mut issues,
                    rule.clone(),
                    "give `base` or `base_column`, one of them".into(),
                ),
                (None, Some(column)) if !money_column(column) => error(
                    &mut issues,
                    format!("{rule}.base_column"),
                    format!("`{column}` is not a money column of employees"),
                ),
                _ => {}
            },
            PayRule::Tiered { measure, tiers, .. } => {
                if let Some(m) = Measure::parse(measure).problem() {
                    error(&mut issues, format!("{rule}.measure"), m);
                }
                issues_of_tiers(&format!("{rule}.tiers"), tiers, &mut issues);
            }
            PayRule::RoleRate { measure, rates, .. } => {
                if let Some(m) = Measure::parse(measure).problem() {
                    error(&mut issues, format!("{rule}.measure"), m);
                }
                for role in rates.keys() {
                    if Role::parse(role).is_none_or(|r| r.id() != role) {
                        error(
                            &mut issues,
                            format!("{rule}.rates"),
                            format!("`{role}` is not a role id"),
                        );
                    }
                }
            }
            PayRule::Pool {
                measure,
                less,
                rate,
                tiers,
                within,
                ..
            } => {
                if let Some(m) = Measure::parse(measure).problem() {
                    error(&mut issues, format!("{rule}.measure"), m);
                }
                if let Some(less) = less
                    && let Some(m) = Measure::Employee(less).problem()
                {
                    error(&mut issues, format!("{rule}.less"), m);
                }
                match (rate, tiers) {
                    (Some(_), None) => {}
                    (None, Some(tiers)) => {
                        issues_of_tiers(&format!("{rule}.tiers"), tiers, &mut issues)
                    }
                    _ => error(
                        &mut issues,
                        rule.clone(),
                        "give `rate` or `tiers`, one of them".into(),
                    ),
                }
                if *within == RankGroup::Role {
                    error(
                        &mut issues,
                        format!("{rule}.within"),
                        "pools are shared within a `store` or a `team`".into(),
                    );
                }
            }
            PayRule::AverageOf { of, within, .. } => {
                for id in of {
                    if !pay.components[..i].iter().any(|x| &x.id == id) {
                        error(
                            &mut issues,
                            format!("{rule}.of"),
                            format!("`{id}` is not an earlier component"),
                        );
                    }
                }
                if *within == RankGroup::Role {
                    error(
                        &mut issues,
                        format!("{rule}.within"),
                        "average within a `store` or a `team`".into(),
                    );
                }
            }
            PayRule::Streak { flag } if !scheme.streaks.iter().any(|s| &s.flag == flag) => error(
                &mut issues,
                format!("{rule}.flag"),
                format!("no [[streaks]] rule raises `{flag}`"),
            ),
            _ => {}
        }
    }
    issues
}

/// Gaps and overlaps between tiers (edges with their inclusivity), and
/// where the amount falls as the measure crosses an edge (a warning: seed
/// 002's own table pays 225 at 14999.99 and 150 at 15000).
fn issues_of_tiers(path: &str, tiers: &[Tier], issues: &mut Vec<SchemeIssue>) {
    if tiers.is_empty() {
        issues.push(SchemeIssue {
            path: path.into(),
            message: "no tiers".into(),
            is_error: true,
            weight_sum: false,
        });
        return;
    }
    let mut issue = |at: usize, message: String, is_error: bool| {
        issues.push(SchemeIssue {
            path: format!("{path}[{at}]"),
            message,
            is_error,
            weight_sum: false,
        })
    };
    let edges: Vec<Edges<Decimal>> = tiers
        .iter()
        .map(|t| Edges {
            min: t.min,
            max: t.max,
            min_inclusive: t.min_inclusive,
            max_inclusive: t.max_inclusive,
        })
        .collect();
    for found in coverage(&edges) {
        match found {
            Coverage::NothingBelow { first, .. } => issue(
                first,
                "no tier below the lowest edge: lower amounts pay 0".into(),
                false,
            ),
            Coverage::Overlap {
                lower,
                upper,
                at: None,
            } => issue(
                upper,
                format!(
                    "tiers[{lower}] and tiers[{upper}] overlap: one of them has no edge between them"
                ),
                true,
            ),
            Coverage::Overlap {
                lower,
                upper,
                at: Some(at),
            } => issue(
                upper,
                format!(
                    "tiers[{lower}] and tiers[{upper}] overlap at {}",
                    money_text(at)
                ),
                true,
            ),
            Coverage::Gap {
                lower, upper, from, ..
            } => issue(
                upper,
                format!(
                    "gap between tiers[{lower}] and tiers[{upper}]: {} is in no tier",
                    money_text(from)
                ),
                true,
            ),
            Coverage::Meet { lower, upper, at } => {
                let left = tiers[lower].amount(at);
                let right = tiers[upper].amount(at);
                if right < left {
                    issue(
                        upper,
                        format!(
                            "the amount falls from {} to {} as the measure crosses {}",
                            exact_text(left),
                            exact_text(right),
                            money_text(at)
                        ),
                        false,
                    );
                }
            }
            Coverage::NothingAbove { last, .. } => issue(
                last,
                "no tier above the highest edge: higher amounts pay 0".into(),
                false,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_designer_table_is_an_overlap_naming_both_rows() {
        // Seed 000 designer pay: 80+ full, 70–80 60%, 60–70 40%, and 60–70 listed again.
        let band = |min: f64, max: Option<f64>, points: f64| Band {
            min: Some(min),
            max,
            points,
        };
        let bands = [
            band(80.0, None, 100.0),
            band(70.0, Some(80.0), 60.0),
            band(60.0, Some(70.0), 40.0),
            band(60.0, Some(70.0), 0.0),
        ];
        let issues = band_issues("items[0].rule.bands", &bands);
        let errors: Vec<String> = issues
            .iter()
            .filter(|i| i.is_error)
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        assert_eq!(
            errors,
            [
                "items[0].rule.bands[3]: bands[2] (60–70) and bands[3] (60–70) overlap: a value in both is ambiguous"
            ]
        );
        assert!(
            issues
                .iter()
                .any(|i| !i.is_error && i.message == "no band below 60: lower values score 0")
        );
    }

    #[test]
    fn gaps_between_bands_are_errors() {
        let bands = [
            Band {
                min: Some(0.5),
                max: None,
                points: 100.0,
            },
            Band {
                min: Some(0.2),
                max: Some(0.3),
                points: 80.0,
            },
            Band {
                min: None,
                max: Some(0.2),
                points: 0.0,
            },
        ];
        let issues = band_issues("b", &bands);
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].message,
            "gap between bands[1] (0.2–0.3) and bands[0] (0.5–+∞): values from 0.3 to 0.5 are in no band"
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("inquiry_convresion", "inquiry_conversion"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert!(suggest("inquiry_convresion").contains("inquiry_conversion"));
    }
}
