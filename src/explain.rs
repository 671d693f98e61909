//! `kpi explain`: one employee's score for one period, item by item, in
//! words an employee can check.

use crate::{Error, NoScore, Result};

use kpi_core::{Level, Scheme, ScoreRow, Unit, fmt_num, metric};

use crate::Scored;

/// Language of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// 中文.
    #[default]
    Zh,
    /// English.
    En,
}

impl From<Lang> for kpi_core::Lang {
    fn from(lang: Lang) -> kpi_core::Lang {
        match lang {
            Lang::Zh => kpi_core::Lang::Zh,
            Lang::En => kpi_core::Lang::En,
        }
    }
}

/// The language a scheme's workbook is written in unless told: Chinese for
/// a scheme named in Chinese (the shipped ones), else English.
pub fn scheme_lang(scheme: &kpi_core::Scheme) -> Lang {
    let chinese = scheme
        .scheme
        .name
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if chinese { Lang::Zh } else { Lang::En }
}

struct Words {
    rule: &'static str,
    points: &'static str,
    weight: &'static str,
    contribution: &'static str,
    total: &'static str,
    grade: &'static str,
    not_eligible: &'static str,
    missing: &'static str,
    notes: &'static str,
    bonus: &'static str,
    payout: &'static str,
    position_wage: &'static str,
    store: &'static str,
    /// The language the engine renders rule texts in.
    lang: kpi_core::Lang,
}

const ZH: Words = Words {
    rule: "规则",
    points: "得分",
    weight: "权重",
    contribution: "计入总分",
    total: "总分",
    grade: "等级",
    not_eligible: "本期不参与考核",
    missing: "缺失",
    notes: "备注",
    bonus: "加分",
    payout: "绩效工资比例",
    position_wage: "岗位工资",
    store: "门店",
    lang: kpi_core::Lang::Zh,
};

const EN: Words = Words {
    rule: "rule",
    points: "points",
    weight: "weight",
    contribution: "adds",
    total: "total",
    grade: "grade",
    not_eligible: "not scored this period",
    missing: "missing",
    notes: "notes",
    bonus: "bonus",
    payout: "performance pay",
    position_wage: "position wage",
    store: "store",
    lang: kpi_core::Lang::En,
};

fn value_text(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Ratio => format!("{:.2}%", value * 100.0),
        Unit::Money => format!("¥{value:.2}"),
        Unit::Seconds => format!("{} s", fmt_num(value)),
        Unit::Hours => format!("{} h", fmt_num(value)),
        Unit::Count | Unit::Number => fmt_num(value),
    }
}

/// The explanation of `employee` in `period`, or an error saying why there is none.
pub fn explain(
    scored: &Scored,
    scheme: &Scheme,
    employee: &str,
    period: &str,
    lang: Lang,
) -> Result<String> {
    let Some(row) = scored
        .scores
        .rows
        .iter()
        .find(|r| *r.employee_id == *employee && *r.period == *period)
    else {
        return Err(Error::NoScore(not_found(scored, scheme, employee, period)));
    };
    Ok(render(row, scheme, lang))
}

fn not_found(scored: &Scored, scheme: &Scheme, employee: &str, period: &str) -> NoScore {
    let frame = &scored.metrics.employee;
    let column = |name: &str| kpi_core::str_values(frame, name).unwrap_or_default();
    let (ids, roles, periods) = (column("employee_id"), column("role"), column("period"));
    let rows: Vec<usize> = (0..ids.len())
        .filter(|&i| ids[i].as_deref() == Some(employee))
        .collect();
    if rows.is_empty() {
        return NoScore::NoActivity {
            employee: employee.into(),
        };
    }
    let role = rows
        .iter()
        .find_map(|&i| roles[i].clone())
        .unwrap_or_default();
    if !scheme.scheme.roles.iter().any(|r| r.id() == role) {
        return NoScore::RoleNotScored {
            employee: employee.into(),
            role,
            scheme: scheme.scheme.id.clone(),
            roles: scheme
                .scheme
                .roles
                .iter()
                .map(|r| r.id().to_string())
                .collect(),
        };
    }
    let mut months: Vec<String> = rows.iter().filter_map(|&i| periods[i].clone()).collect();
    months.sort();
    months.dedup();
    NoScore::NotInPeriod {
        employee: employee.into(),
        period: period.into(),
        months,
    }
}

/// `+3`, `−1`, `0`.
fn signed(points: f64) -> String {
    match points {
        p if p > 0.0 => format!("+{}", fmt_num(p)),
        p if p < 0.0 => format!("−{}", fmt_num(-p)),
        _ => "0".to_string(),
    }
}

/// `missing (reason)`.
fn missing_text(w: &Words, score: &kpi_core::ItemScore) -> String {
    format!(
        "{} ({})",
        w.missing,
        score.missing_reason.as_deref().unwrap_or("-")
    )
}

/// The rule, points, weight and contribution line of an item.
fn push_points(out: &mut String, w: &Words, score: &kpi_core::ItemScore) {
    let points = score.points.map_or("-".to_string(), fmt_num);
    let contribution = score
        .contribution
        .map_or("-".to_string(), |c| format!("{c:.2}"));
    out.push_str(&format!(
        "      {}: {}; {} {points} × {} {} → {} {contribution}\n",
        w.rule,
        score.rule(w.lang),
        w.points,
        w.weight,
        fmt_num(score.weight()),
        w.contribution,
    ));
}

/// The label and value line of an item or bonus item: the metric value
/// with its numerator and denominator.
fn value_line(
    w: &Words,
    lang: Lang,
    scheme: &Scheme,
    id: &str,
    label: Option<&String>,
    score: &kpi_core::ItemScore,
) -> String {
    let store_metric = score
        .metric()
        .strip_prefix(kpi_core::STORE_PREFIX)
        .and_then(|id| metric(Level::Store, id));
    let Some(m) = store_metric.or_else(|| metric(Level::Employee, score.metric())) else {
        // A manual rating, an attendance sum, a metric of the scheme's own,
        // or the counts of an occurrences rule (shown in the rule).
        let custom = scheme.metrics.iter().find(|m| *m.id == *score.metric());
        let label = label
            .cloned()
            .or_else(|| custom.and_then(|c| c.label.clone()))
            .unwrap_or_else(|| id.to_string());
        let value = match (
            score.value(),
            custom,
            score.numerator(),
            score.denominator(),
        ) {
            (Some(v), Some(c), Some(n), Some(d)) => format!(
                "{} = {} / {} ({} / {})",
                fmt_num(v),
                fmt_num(n),
                fmt_num(d),
                c.numerator,
                c.denominator.as_deref().unwrap_or("")
            ),
            (Some(v), ..) => format!("{} ({})", fmt_num(v), score.metric()),
            (None, ..) => missing_text(w, score),
        };
        return format!("  {label} [{id}]: {value}\n");
    };
    let label = label.cloned().unwrap_or_else(|| match lang {
        Lang::Zh => m.zh.to_string(),
        Lang::En => m.en.to_string(),
    });
    let mut inputs = m.inputs().join(" / ");
    if store_metric.is_some() {
        inputs = format!("{}: {inputs}", w.store);
    }
    let value = match (score.value(), score.numerator(), score.denominator()) {
        (Some(v), Some(n), Some(d)) => format!(
            "{} = {} / {} ({})",
            value_text(m.unit, v),
            fmt_num(n),
            fmt_num(d),
            inputs
        ),
        (Some(v), Some(n), None) => format!("{} ({inputs} {})", value_text(m.unit, v), fmt_num(n)),
        (Some(v), _, _) if store_metric.is_some() => {
            format!("{} ({inputs})", value_text(m.unit, v))
        }
        (Some(v), _, _) => value_text(m.unit, v),
        (None, ..) => missing_text(w, score),
    };
    format!("  {label} [{id}]: {value}\n")
}

fn render(row: &ScoreRow, scheme: &Scheme, lang: Lang) -> String {
    let w = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let mut out = format!(
        "{} · {} · {} · {} · {} — {}\n",
        row.employee_id,
        row.store_id.as_deref().unwrap_or("-"),
        row.team_id.as_deref().unwrap_or("-"),
        row.role,
        row.period,
        scheme.scheme.name
    );
    if !row.eligible {
        let flags: Vec<String> = row.flags.iter().map(|f| f.to_string()).collect();
        out.push_str(&format!("{}: {}\n", w.not_eligible, flags.join("; ")));
        return out;
    }
    for (item, score) in scheme.items.iter().zip(&row.items) {
        if !score.applies {
            continue;
        }
        out.push_str(&value_line(
            w,
            lang,
            scheme,
            &item.id,
            item.label.as_ref(),
            score,
        ));
        push_points(&mut out, w, score);
    }
    for (section, score) in scheme.sections.iter().zip(&row.sections) {
        if !(section.roles.is_empty() || section.roles.iter().any(|r| r.id() == &*row.role)) {
            continue;
        }
        let score = score.map_or("-".to_string(), |s| format!("{s:.2}"));
        out.push_str(&format!(
            "  {} [{}]: {score} × {} {}\n",
            section.label.as_deref().unwrap_or(&section.id),
            section.id,
            w.weight,
            fmt_num(section.weight)
        ));
    }
    for (bonus, score) in scheme.bonus.iter().zip(&row.bonus_items) {
        out.push_str(&value_line(
            w,
            lang,
            scheme,
            &bonus.id,
            bonus.label.as_ref(),
            score,
        ));
        out.push_str(&format!(
            "      {}: {}; {} {}\n",
            w.rule,
            score.rule(w.lang),
            w.bonus,
            signed(score.points.unwrap_or(0.0))
        ));
    }
    let total = row
        .total_score
        .map_or("-".to_string(), |t| format!("{t:.2}"));
    out.push_str(&format!(
        "{} {total} → {} {}\n",
        w.total,
        w.grade,
        row.grade.as_deref().unwrap_or("-")
    ));
    if let Some(pct) = row.payout_pct {
        out.push_str(&format!("{} {pct}%\n", w.payout));
    }
    if let Some(wage) = row.position_wage {
        out.push_str(&format!("{} ¥{wage:.2}\n", w.position_wage));
    }
    let notes: Vec<String> = row
        .flags
        .iter()
        .filter(|f| !matches!(f, kpi_core::Flag::Missing { .. }))
        .map(|f| f.to_string())
        .collect();
    if !notes.is_empty() {
        out.push_str(&format!(
            "{}: {}\n",
            w.notes,
            notes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    out
}

/// The items of `scheme` whose metric reads a column that was rebuilt from
/// platform exports only approximately for this employee (or their store,
/// for store metrics), one line each, for `kpi explain`.
pub fn explain_approximations(
    scored: &Scored,
    scheme: &Scheme,
    approximations: &[kpi_io::Approximation],
    employee: &str,
    lang: Lang,
) -> String {
    let store = scored
        .scores
        .rows
        .iter()
        .find(|r| *r.employee_id == *employee)
        .and_then(|r| r.store_id.clone())
        .unwrap_or_default();
    let mut out = String::new();
    for item in &scheme.items {
        let (level, id) = match item.metric.strip_prefix(kpi_core::STORE_PREFIX) {
            Some(id) => (Level::Store, id),
            None => (Level::Employee, item.metric.as_str()),
        };
        let Some(m) = metric(level, id) else {
            continue;
        };
        let (num, den) = m.ratio_columns();
        for a in approximations {
            let owner = if level == Level::Store {
                &*store
            } else {
                employee
            };
            if a.table != level.table()
                || ![num, den].contains(&Some(a.column.as_str()))
                || !a.ids.contains(owner)
            {
                continue;
            }
            let label = item.label.clone().unwrap_or_else(|| match lang {
                Lang::Zh => m.zh.to_string(),
                Lang::En => m.en.to_string(),
            });
            out.push_str(&match lang {
                Lang::Zh => format!(
                    "≈ {label}（{}）是近似值：{} 由导出报表的「{}」× {} 重建，\
                     报表的平均值已按显示位数四舍五入（见 data_quality）\n",
                    item.id, a.column, a.source, a.per
                ),
                Lang::En => format!(
                    "≈ {label} ({}) is approximate: {} was rebuilt as the export's `{}` × {}, \
                     an average rounded as shown (see data_quality)\n",
                    item.id, a.column, a.source, a.per
                ),
            });
        }
    }
    out
}
