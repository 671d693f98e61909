//! The two sheets a reader meets first: what every sheet holds and how its
//! numbers are computed (说明), and the headline figures (概览): staff
//! scored, the grade distribution with a chart, total pay against GMV, the
//! month's largest movers, the data-quality warnings, the metric dictionary.

use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use kpi_core::{Lang, Level, fmt_num};

use crate::labels::Names;
use crate::{Report, sheet, sheet_name};

/// What each sheet holds and how its numbers are computed: (sheet id,
/// English, Chinese).
const ABOUT: &[(&str, &str, &str)] = &[
    (
        "about",
        "This sheet: what every sheet holds and how each number is computed.",
        "本页:每张工作表的内容和每个数字的算法。",
    ),
    (
        "summary",
        "Headline figures: staff scored, the grade distribution (chart), total pay and pay as a share of GMV, the latest month's largest movers, the number of data-quality warnings; then the metric dictionary (every metric's formula).",
        "核心数字:评分人数、等级分布(附图)、薪酬总额及占成交额比例、最近一个月变化最大的员工、数据质量提示数;下方为指标字典(每个指标的公式)。",
    ),
    (
        "metrics_store",
        "One row per store and month. Counts and amounts are the month's sums of the daily rows; a rate is a ratio of the month's sums (conversion = buyers ÷ visitors), never an average of daily rates. A blank cell is a zero denominator.",
        "每个门店每月一行。数量和金额为当月日数据之和;比率为当月合计之比(转化率 = 成交人数 ÷ 访客数),不是日比率的平均。空白表示分母为零。",
    ),
    (
        "metrics_employee",
        "One row per employee and month, computed as the store metrics are (inquiry conversion = order buyers ÷ inquiries, average response time = response seconds ÷ responses).",
        "每位员工每月一行,算法同门店指标(询单转化率 = 下单人数 ÷ 询单人数,平均响应时长 = 响应总秒数 ÷ 响应次数)。",
    ),
    (
        "scores",
        "One row per employee and month: each item's points (the rule that gave them is in score_details), each item's weight, and the total score as a formula: ROUND(Σ points × weight ÷ Σ weight of the items scored (+ bonus), 2); with sections, each section's weighted score times its weight. The grade follows the total by the scheme's grade table.",
        "每位员工每月一行:各考核项得分(评分依据见得分明细)、各项权重,以及总分公式:ROUND(Σ 得分 × 权重 ÷ 已评分项权重之和(+ 加分), 2);分模块的方案按模块得分乘以模块权重。等级由总分按方案的等级表确定。",
    ),
    (
        "score_details",
        "One row per employee, month and item: the metric's value with its numerator and denominator, the rule applied in words, the points, the weight and what the item adds to the total.",
        "每位员工每月每个考核项一行:指标值及其分子分母、所用评分规则、得分、权重及计入总分的分值。",
    ),
    (
        "pay",
        "One row per employee and month: each pay component, and gross pay as the SUM of the components (a formula). A tiered commission is the formula of the tier its measure falls in: fixed + rate × (measure − start), rounded to the cent as the scheme says. Money is exact to the cent.",
        "每位员工每月一行:各薪酬项目,应发合计为各项之和(公式)。阶梯提成为所在档位的公式:固定额 + 比例 × (业绩 − 起算点),按方案规定四舍五入到分。金额精确到分。",
    ),
    (
        "pay_details",
        "One row per employee, month and component: the amount, its basis and the rule in words; deferred and released amounts.",
        "每位员工每月每个薪酬项目一行:金额、计算依据及规则说明;递延和释放金额。",
    ),
    (
        "pay_slips",
        "One slip per employee and month, as payroll prints them: the components, the amounts and how each was reached.",
        "每人每月一张工资条:各项目、金额及计算说明。",
    ),
    (
        "trends",
        "Every metric at company, store, team and employee level by month: month-on-month and year-on-year change (value ÷ earlier value − 1), the metric over the last three months (a ratio of their sums), ranks. Falls are red.",
        "各指标在公司、门店、小组、员工层级的月度趋势:环比和同比(本期 ÷ 上期 − 1)、近三月(三个月合计之比)、排名。下降标红。",
    ),
    (
        "attribution",
        "Why GMV moved from one month to the next: by factor (visitors, conversion, order value; LMDI and chain substitution), by store and team, and the conversion rate's mix and rate effects.",
        "成交额环比变化的原因:按因素(访客数、转化率、客单价;LMDI 与连环替代)、按门店和小组,以及转化率的结构与比率效应。",
    ),
    (
        "peers",
        "Each scored employee against the same role: the store's and the company's mean and best, the percentile and the gap to the best.",
        "每位员工与同岗位对比:门店及全公司的均值和最佳、百分位及与最佳的差距。",
    ),
    (
        "target_tracking",
        "Each target with its actual, completion (actual ÷ target), gap, and whether the targets below it add up to it.",
        "各目标的实际值、完成率(实际 ÷ 目标)、差距,以及下级目标之和是否等于本级。",
    ),
    (
        "data_quality",
        "Every data-quality warning: the file, sheet, row and column, what was wrong and what was done. Nothing is dropped or repaired without a line here.",
        "每条数据质量提示:文件、工作表、行、列、问题及处理方式。任何被剔除或修正的数据都在此列出。",
    ),
];

/// Words of the first two sheets: (English, Chinese).
struct Words {
    sheet: (&'static str, &'static str),
    holds: (&'static str, &'static str),
    conventions: (&'static str, &'static str),
    money: (&'static str, &'static str),
    formulas: (&'static str, &'static str),
    staff: (&'static str, &'static str),
    not_eligible: (&'static str, &'static str),
    pay_total: (&'static str, &'static str),
    pay_share: (&'static str, &'static str),
    quality: (&'static str, &'static str),
    grade: (&'static str, &'static str),
    employee_months: (&'static str, &'static str),
    from_total: (&'static str, &'static str),
    below: (&'static str, &'static str),
    movers: (&'static str, &'static str),
    before: (&'static str, &'static str),
    after: (&'static str, &'static str),
    change: (&'static str, &'static str),
    dictionary: (&'static str, &'static str),
    distribution: (&'static str, &'static str),
}

const WORDS: Words = Words {
    sheet: ("Sheet", "工作表"),
    holds: ("What it holds and how it is computed", "内容与算法"),
    conventions: ("Conventions", "约定"),
    money: (
        "Money is in yuan (¥), exact to the cent and rounded once, where the scheme says; rates are ratios of sums; a blank cell is a missing value (its reason is in the details).",
        "金额单位为元(¥),精确到分,只在方案规定处舍入一次;比率为合计之比;空白单元格为缺失值(原因见明细)。",
    ),
    formulas: (
        "Totals and gross pay are formulas over the cells beside them, with our exact results cached; recalculating in Excel, WPS or LibreOffice gives the same numbers.",
        "总分和应发合计为引用同行单元格的公式,并缓存了本工具的精确结果;在 Excel、WPS 或 LibreOffice 中重算结果相同。",
    ),
    staff: ("Staff scored", "评分人数"),
    not_eligible: ("Not eligible (employee-months)", "不参评(人·月)"),
    pay_total: ("Total pay", "薪酬总额"),
    pay_share: ("Pay as a share of GMV", "薪酬占成交额"),
    quality: ("Data-quality warnings", "数据质量提示"),
    grade: ("Grade", "等级"),
    employee_months: ("Employee-months", "人·月"),
    from_total: ("From total", "总分下限"),
    below: ("below", "以下"),
    movers: ("Largest movers", "变化最大"),
    before: ("Previous month", "上月总分"),
    after: ("This month", "本月总分"),
    change: ("Change", "变化"),
    dictionary: ("Metric dictionary", "指标字典"),
    distribution: ("Grade distribution", "等级分布"),
};

fn say(lang: Lang, words: (&'static str, &'static str)) -> &'static str {
    match lang {
        Lang::En => words.0,
        Lang::Zh => words.1,
    }
}

/// The 说明 sheet: every sheet of this workbook with what it holds.
pub(crate) fn write_about(workbook: &mut Workbook, report: &Report<'_>) -> Result<(), XlsxError> {
    let lang = report.lang;
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name("about", lang))?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    sheet.write_string_with_format(0, 0, &report.title, &title)?;
    sheet.write_string_with_format(2, 0, say(lang, WORDS.sheet), &bold)?;
    sheet.write_string_with_format(2, 1, say(lang, WORDS.holds), &bold)?;
    let mut row = 3;
    for id in report.sheets() {
        let Some((_, en, zh)) = ABOUT.iter().find(|(s, _, _)| *s == id) else {
            continue;
        };
        sheet.write_string_with_format(row, 0, sheet_name(id, lang), &wrap)?;
        sheet.write_string_with_format(row, 1, say(lang, (en, zh)), &wrap)?;
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, say(lang, WORDS.conventions), &bold)?;
    for words in [WORDS.money, WORDS.formulas] {
        sheet.write_string_with_format(row, 1, say(lang, words), &wrap)?;
        row += 1;
    }
    sheet.set_column_width(0, 18)?;
    sheet.set_column_width(1, 100)?;
    Ok(())
}

/// The 概览 sheet.
pub(crate) fn write_summary(
    workbook: &mut Workbook,
    report: &Report<'_>,
    names: &Names,
) -> Result<(), XlsxError> {
    let lang = report.lang;
    let name = sheet_name("summary", lang);
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("¥#,##0.00");
    let percent = Format::new().set_num_format("0.00%");
    let decimal = Format::new().set_num_format("0.00");
    sheet.write_string_with_format(0, 0, &report.title, &title)?;
    let mut row = 2;
    let mut facts = report.facts.clone();
    if let Some(scheme) = report.scheme {
        let label = match lang {
            Lang::En => "scheme",
            Lang::Zh => "考核方案",
        };
        facts.insert(
            0,
            (
                label.into(),
                format!("{} ({})", scheme.scheme.name, scheme.scheme.id),
            ),
        );
    }
    for (label, value) in &facts {
        sheet.write_string_with_format(row, 0, label, &bold)?;
        sheet.write_string(row, 1, value)?;
        row += 1;
    }
    row += 1;
    if let Some(scores) = report.scores {
        let scored: BTreeSet<&str> = scores
            .rows
            .iter()
            .filter(|r| r.total_score.is_some())
            .map(|r| &*r.employee_id)
            .collect();
        sheet.write_string_with_format(row, 0, say(lang, WORDS.staff), &bold)?;
        sheet.write_number(row, 1, scored.len() as f64)?;
        row += 1;
        sheet.write_string_with_format(row, 0, say(lang, WORDS.not_eligible), &bold)?;
        sheet.write_number(
            row,
            1,
            scores.rows.iter().filter(|r| !r.eligible).count() as f64,
        )?;
        row += 1;
    }
    if let Some(pay) = report.pay {
        let total: Decimal = pay.rows.iter().map(|r| r.gross).sum();
        sheet.write_string_with_format(row, 0, say(lang, WORDS.pay_total), &bold)?;
        sheet.write_number_with_format(row, 1, total.to_f64().unwrap_or(0.0), &money)?;
        row += 1;
        let periods: BTreeSet<&str> = pay.rows.iter().map(|r| r.period.as_str()).collect();
        if let Some(gmv) = gmv_cents(report, &periods).filter(|g| *g != 0) {
            let share = total / Decimal::new(gmv, 2);
            sheet.write_string_with_format(row, 0, say(lang, WORDS.pay_share), &bold)?;
            sheet.write_number_with_format(row, 1, share.to_f64().unwrap_or(0.0), &percent)?;
            row += 1;
        }
    }
    if let Some(quality) = report.quality {
        sheet.write_string_with_format(row, 0, say(lang, WORDS.quality), &bold)?;
        sheet.write_number(row, 1, quality.height() as f64)?;
        row += 1;
    }
    if let (Some(scheme), Some(scores)) = (report.scheme, report.scores) {
        row += 1;
        let grades: Vec<String> = scheme.grades.iter().map(|g| g.label.to_string()).collect();
        let top = row;
        sheet.write_string_with_format(row, 0, say(lang, WORDS.grade), &bold)?;
        sheet.write_string_with_format(row, 1, say(lang, WORDS.employee_months), &bold)?;
        sheet.write_string_with_format(row, 2, say(lang, WORDS.from_total), &bold)?;
        row += 1;
        for (grade, (label, count)) in scheme.grades.iter().zip(scores.grade_counts(scheme)) {
            let fill = sheet::grade_format(&grades, &label).unwrap_or_default();
            sheet.write_string_with_format(row, 0, &label, &fill)?;
            sheet.write_number(row, 1, count as f64)?;
            let from = grade.min.map_or(say(lang, WORDS.below).to_string(), |m| {
                format!("≥ {}", fmt_num(m))
            });
            sheet.write_string(row, 2, from)?;
            row += 1;
        }
        let chart = sheet::grade_chart(name, say(lang, WORDS.distribution), top, row - 1, 260);
        sheet.insert_chart(2, 4, &chart)?;
        row += 1;
        row = write_movers(sheet, scores, names, lang, row, &bold, &decimal)?;
    }
    row = row.max(18) + 1;
    sheet.write_string_with_format(row, 0, say(lang, WORDS.dictionary), &title)?;
    row += 1;
    let heads = match lang {
        Lang::En => [
            "level", "id", "中文", "English", "unit", "better", "formula",
        ],
        Lang::Zh => ["层级", "代码", "中文", "English", "单位", "方向", "公式"],
    };
    for (j, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(row, j as u16, *h, &bold)?;
    }
    row += 1;
    for level in [Level::Store, Level::Employee] {
        for m in report.metrics.metrics(level) {
            let cells = [
                match (level, lang) {
                    (Level::Store, Lang::En) => "store",
                    (Level::Employee, Lang::En) => "employee",
                    (Level::Store, Lang::Zh) => "门店",
                    (Level::Employee, Lang::Zh) => "员工",
                }
                .to_string(),
                m.id.to_string(),
                m.zh.to_string(),
                m.en.to_string(),
                m.unit.name().to_string(),
                match m.direction {
                    kpi_core::Direction::Higher => "higher",
                    kpi_core::Direction::Lower => "lower",
                }
                .to_string(),
                m.formula_text(),
            ];
            for (j, c) in cells.iter().enumerate() {
                sheet.write_string(row, j as u16, c)?;
            }
            row += 1;
        }
    }
    for (j, width) in [30.0, 24.0, 22.0, 34.0, 10.0, 8.0, 44.0].iter().enumerate() {
        sheet.set_column_width(j as u16, *width)?;
    }
    Ok(())
}

/// GMV in cents over `periods`, from the store metrics.
fn gmv_cents(report: &Report<'_>, periods: &BTreeSet<&str>) -> Option<i64> {
    let frame = report.metrics.frame(Level::Store);
    let gmv = frame.column("gmv").ok()?.i64().ok()?.clone();
    let period = frame.column("period").ok()?.str().ok()?.clone();
    Some(
        period
            .iter()
            .zip(gmv.iter())
            .filter(|(p, _)| p.is_some_and(|p| periods.contains(p)))
            .filter_map(|(_, g)| g)
            .sum(),
    )
}

/// Movers listed each way.
const MOVERS: usize = 5;

/// The latest month's largest rises and falls of the total score against
/// the month before.
fn write_movers(
    sheet: &mut rust_xlsxwriter::Worksheet,
    scores: &kpi_core::Scores,
    names: &Names,
    lang: Lang,
    mut row: u32,
    bold: &Format,
    decimal: &Format,
) -> Result<u32, XlsxError> {
    let periods: BTreeSet<&str> = scores.rows.iter().map(|r| &*r.period).collect();
    let mut latest = periods.iter().rev();
    let (Some(&now), Some(&before)) = (latest.next(), latest.next()) else {
        return Ok(row);
    };
    let earlier: HashMap<&str, f64> = scores
        .rows
        .iter()
        .filter(|r| *r.period == *before)
        .filter_map(|r| Some((&*r.employee_id, r.total_score?)))
        .collect();
    let mut moved: Vec<(&kpi_core::ScoreRow, f64, f64)> = scores
        .rows
        .iter()
        .filter(|r| *r.period == *now)
        .filter_map(|r| {
            let then = *earlier.get(&*r.employee_id)?;
            Some((r, then, r.total_score?))
        })
        .filter(|(_, a, b)| a != b)
        .collect();
    moved.sort_by(|x, y| (y.2 - y.1).total_cmp(&(x.2 - x.1)));
    let rises: Vec<_> = moved.iter().filter(|m| m.2 > m.1).take(MOVERS).collect();
    let falls: Vec<_> = moved
        .iter()
        .rev()
        .filter(|m| m.2 < m.1)
        .take(MOVERS)
        .collect();
    if rises.is_empty() && falls.is_empty() {
        return Ok(row);
    }
    sheet.write_string_with_format(
        row,
        0,
        format!("{} {before} → {now}", say(lang, WORDS.movers)),
        bold,
    )?;
    row += 1;
    let heads = [
        crate::labels::Labels::new(lang).header("employee_id"),
        crate::labels::Labels::new(lang).header("name"),
        crate::labels::Labels::new(lang).header("store_id"),
        say(lang, WORDS.before).to_string(),
        say(lang, WORDS.after).to_string(),
        say(lang, WORDS.change).to_string(),
        crate::labels::Labels::new(lang).header("grade"),
    ];
    for (j, h) in heads.iter().enumerate() {
        sheet.write_string_with_format(row, j as u16, h, bold)?;
    }
    row += 1;
    let red = Format::new()
        .set_num_format("0.00")
        .set_font_color(rust_xlsxwriter::Color::RGB(0xC00000));
    for (r, then, now) in rises.into_iter().chain(falls) {
        sheet.write_string(row, 0, &*r.employee_id)?;
        if let Some(name) = names.employee(&r.employee_id) {
            sheet.write_string(row, 1, name)?;
        }
        if let Some(store) = &r.store_id {
            sheet.write_string(row, 2, &**store)?;
        }
        sheet.write_number_with_format(row, 3, *then, decimal)?;
        sheet.write_number_with_format(row, 4, *now, decimal)?;
        let change = kpi_core::round_half_up(now - then, 2);
        sheet.write_number_with_format(
            row,
            5,
            change,
            if change < 0.0 { &red } else { decimal },
        )?;
        if let Some(grade) = &r.grade {
            sheet.write_string(row, 6, &**grade)?;
        }
        row += 1;
    }
    Ok(row + 1)
}
