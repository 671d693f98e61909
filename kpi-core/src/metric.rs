//! The metric catalogue (RULES.md section 1) and its polars expressions.
//!
//! Every rate is a ratio of period sums, computed after daily rows are summed
//! to months; a zero denominator gives a missing value (null), never inf or NaN.
//! Money is held as integer cents, so a ratio with money over a count divides
//! by `count × 100` in one correctly rounded division.

use polars::prelude::*;
use rayon::prelude::*;

use crate::table::{ColumnSpec, Table};

/// What a metric's number means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A ratio, shown as a percentage.
    Ratio,
    /// Yuan.
    Money,
    /// A whole count.
    Count,
    /// Seconds.
    Seconds,
    /// Hours.
    Hours,
    /// A plain number (ROI, pages per visitor, turnover).
    Number,
}

impl Unit {
    /// The unit's name as written in documentation and dictionaries.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ratio => "ratio",
            Unit::Money => "money",
            Unit::Count => "count",
            Unit::Seconds => "seconds",
            Unit::Hours => "hours",
            Unit::Number => "number",
        }
    }
}

/// Whether more is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// More is better.
    Higher,
    /// Less is better.
    Lower,
}

/// Which entity a metric is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Per store and period, from `store_daily`.
    Store,
    /// Per employee and period, from `employee_daily`.
    Employee,
}

impl Level {
    /// The entity key column.
    pub fn key(self) -> &'static str {
        match self {
            Level::Store => "store_id",
            Level::Employee => "employee_id",
        }
    }

    /// The activity table the metrics come from.
    pub fn table(self) -> Table {
        match self {
            Level::Store => Table::StoreDaily,
            Level::Employee => Table::EmployeeDaily,
        }
    }
}

/// How a metric is computed from period sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    /// The period sum of a column (the period mean for stock columns).
    Sum(&'static str),
    /// `sum(numerator) / sum(denominator)`.
    Ratio {
        /// Numerator column.
        numerator: &'static str,
        /// Denominator column.
        denominator: &'static str,
    },
    /// `sum(column) / target`, the target from the `targets` table for this
    /// entity, period and target metric.
    TargetRatio {
        /// Numerator column.
        numerator: &'static str,
        /// The `metric` value in the targets table.
        target_metric: &'static str,
    },
    /// `(x − x_earlier) / x_earlier` of another metric.
    Growth {
        /// The metric whose growth this is.
        of: &'static str,
        /// How many months back the earlier value is (1 month-on-month, 12 year-on-year).
        months_back: u32,
    },
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Stable id, the column name in outputs.
    pub id: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
    /// Unit of the value.
    pub unit: Unit,
    /// Whether more is better.
    pub direction: Direction,
    /// Store or employee.
    pub level: Level,
    /// How it is computed.
    pub formula: Formula,
}

impl Metric {
    /// The input columns this metric reads.
    pub fn inputs(&self) -> Vec<&'static str> {
        match self.formula {
            Formula::Sum(column) => vec![column],
            Formula::Ratio {
                numerator,
                denominator,
            } => vec![numerator, denominator],
            Formula::TargetRatio { numerator, .. } => vec![numerator],
            Formula::Growth { of, .. } => catalogue()
                .iter()
                .find(|m| m.id == of && m.level == self.level)
                .map(|m| m.inputs())
                .unwrap_or_default(),
        }
    }

    /// The numerator and denominator columns behind a ratio (a target ratio
    /// has only a numerator column; sums and growth rates have neither).
    pub fn ratio_columns(&self) -> (Option<&'static str>, Option<&'static str>) {
        match self.formula {
            Formula::Ratio {
                numerator,
                denominator,
            } => (Some(numerator), Some(denominator)),
            Formula::TargetRatio { numerator, .. } => (Some(numerator), None),
            _ => (None, None),
        }
    }

    /// A one-line formula in words, for dictionaries and explanations.
    pub fn formula_text(&self) -> String {
        match self.formula {
            Formula::Sum(column) => {
                let spec = self.level.table().column(column);
                if spec.is_some_and(|s| s.stock) {
                    format!("mean({column})")
                } else {
                    format!("sum({column})")
                }
            }
            Formula::Ratio {
                numerator,
                denominator,
            } => format!("sum({numerator}) / sum({denominator})"),
            Formula::TargetRatio {
                numerator,
                target_metric,
            } => format!("sum({numerator}) / target({target_metric})"),
            Formula::Growth { of, months_back } => {
                format!("{of} / {of}[{months_back} months earlier] − 1")
            }
        }
    }
}

const fn sum(
    level: Level,
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: Unit,
    direction: Direction,
) -> Metric {
    Metric {
        id,
        zh,
        en,
        unit,
        direction,
        level,
        formula: Formula::Sum(id),
    }
}

#[allow(clippy::too_many_arguments)]
const fn ratio(
    level: Level,
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: Unit,
    direction: Direction,
    numerator: &'static str,
    denominator: &'static str,
) -> Metric {
    Metric {
        id,
        zh,
        en,
        unit,
        direction,
        level,
        formula: Formula::Ratio {
            numerator,
            denominator,
        },
    }
}

const fn growth(
    level: Level,
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    of: &'static str,
    months_back: u32,
) -> Metric {
    Metric {
        id,
        zh,
        en,
        unit: Unit::Ratio,
        direction: Direction::Higher,
        level,
        formula: Formula::Growth { of, months_back },
    }
}

use Direction::{Higher, Lower};
use Level::{Employee, Store};
use Unit::{Count, Hours, Money, Number, Ratio, Seconds};

#[rustfmt::skip]
static CATALOGUE: &[Metric] = &[
    // Store sums.
    sum(Store, "pv", "浏览量", "Page views", Count, Higher),
    sum(Store, "uv", "访客数", "Unique visitors", Count, Higher),
    sum(Store, "new_uv", "新访客数", "New visitors", Count, Higher),
    sum(Store, "bounces", "跳失人数", "Bounces", Count, Lower),
    sum(Store, "stay_seconds", "停留总时长", "Total stay time", Seconds, Higher),
    sum(Store, "buyers", "成交人数", "Buyers", Count, Higher),
    sum(Store, "orders", "订单数", "Orders", Count, Higher),
    sum(Store, "gmv", "成交额", "GMV", Money, Higher),
    sum(Store, "refund_amount", "退款金额", "Refund amount", Money, Lower),
    sum(Store, "ad_spend", "推广花费", "Ad spend", Money, Lower),
    sum(Store, "impressions", "展现量", "Impressions", Count, Higher),
    sum(Store, "clicks", "点击量", "Clicks", Count, Higher),
    sum(Store, "arrivals", "到达数", "Arrivals", Count, Higher),
    sum(Store, "campaign_uv", "活动访客数", "Campaign visitors", Count, Higher),
    sum(Store, "campaign_clicks", "活动点击数", "Campaign clicks", Count, Higher),
    sum(Store, "campaign_buyers", "活动成交人数", "Campaign buyers", Count, Higher),
    sum(Store, "campaign_orders", "活动订单数", "Campaign orders", Count, Higher),
    sum(Store, "campaign_gmv", "活动成交额", "Campaign GMV", Money, Higher),
    sum(Store, "campaign_cost", "活动花费", "Campaign cost", Money, Lower),
    sum(Store, "gross_profit", "毛利", "Gross profit", Money, Higher),
    sum(Store, "collected", "回款", "Collected", Money, Higher),
    sum(Store, "cogs", "销售成本", "Cost of goods sold", Money, Lower),
    sum(Store, "inventory_value", "平均库存金额", "Average inventory value", Money, Lower),
    // Store rates.
    ratio(Store, "pv_per_uv", "人均浏览量", "Page views per visitor", Number, Higher, "pv", "uv"),
    ratio(Store, "conversion_rate", "支付转化率", "Conversion rate", Ratio, Higher, "buyers", "uv"),
    ratio(Store, "aov", "客单价", "Average order value", Money, Higher, "gmv", "buyers"),
    ratio(Store, "avg_stay_seconds", "平均停留时长", "Average stay", Seconds, Higher, "stay_seconds", "uv"),
    ratio(Store, "bounce_rate", "跳失率", "Bounce rate", Ratio, Lower, "bounces", "uv"),
    ratio(Store, "arrival_rate", "到达率", "Arrival rate", Ratio, Higher, "arrivals", "impressions"),
    ratio(Store, "ctr", "点击率", "Click-through rate", Ratio, Higher, "clicks", "impressions"),
    ratio(Store, "cost_per_uv", "UV平均获取成本", "Cost per visitor", Money, Lower, "ad_spend", "uv"),
    ratio(Store, "cost_per_order", "订单获取成本", "Cost per order", Money, Lower, "ad_spend", "orders"),
    ratio(Store, "roi", "投入产出比", "Return on ad spend", Number, Higher, "gmv", "ad_spend"),
    ratio(Store, "new_uv_ratio", "新增UV比例", "New visitor share", Ratio, Higher, "new_uv", "uv"),
    ratio(Store, "campaign_click_rate", "活动平均点击率", "Campaign click rate", Ratio, Higher, "campaign_clicks", "campaign_uv"),
    ratio(Store, "campaign_order_share", "活动订单比例", "Campaign order share", Ratio, Higher, "campaign_orders", "orders"),
    ratio(Store, "campaign_gmv_share", "活动成交额比例", "Campaign GMV share", Ratio, Higher, "campaign_gmv", "gmv"),
    ratio(Store, "campaign_conversion", "活动订单转换率", "Campaign conversion", Ratio, Higher, "campaign_buyers", "campaign_uv"),
    ratio(Store, "campaign_roi", "活动ROI", "Campaign ROI", Number, Higher, "campaign_gmv", "campaign_cost"),
    ratio(Store, "gross_margin", "毛利率", "Gross margin", Ratio, Higher, "gross_profit", "gmv"),
    ratio(Store, "inventory_turnover", "库存周转率", "Inventory turnover", Number, Higher, "cogs", "inventory_value"),
    growth(Store, "gmv_growth_mom", "成交额环比增长率", "GMV growth, month on month", "gmv", 1),
    growth(Store, "gmv_growth_yoy", "成交额同比增长率", "GMV growth, year on year", "gmv", 12),
    // Employee sums.
    sum(Employee, "receptions", "接待人数", "Receptions", Count, Higher),
    sum(Employee, "inquiries", "询单人数", "Inquiries", Count, Higher),
    sum(Employee, "order_buyers", "下单人数", "Ordering buyers", Count, Higher),
    sum(Employee, "paid_buyers", "付款人数", "Paying buyers", Count, Higher),
    sum(Employee, "paid_orders", "付款订单数", "Paid orders", Count, Higher),
    sum(Employee, "cs_sales", "客服销售额", "Customer-service sales", Money, Higher),
    sum(Employee, "replies", "回复数", "Replies", Count, Higher),
    sum(Employee, "buyer_messages", "买家消息数", "Buyer messages", Count, Higher),
    sum(Employee, "responses", "响应次数", "Responses", Count, Higher),
    sum(Employee, "response_seconds", "响应总时长", "Total response time", Seconds, Lower),
    sum(Employee, "violations", "违规用语", "Violations", Count, Lower),
    sum(Employee, "bad_reviews", "差评", "Bad reviews", Count, Lower),
    sum(Employee, "complaints", "投诉", "Complaints", Count, Lower),
    sum(Employee, "refunds", "退款数", "Refunds", Count, Lower),
    sum(Employee, "returns", "退货数", "Returns", Count, Lower),
    sum(Employee, "exchanges", "换货数", "Exchanges", Count, Lower),
    sum(Employee, "assisted_sales", "协助销售额", "Assisted sales", Money, Higher),
    sum(Employee, "collected", "回款", "Collected", Money, Higher),
    sum(Employee, "shipped_orders", "发货订单数", "Shipped orders", Count, Higher),
    sum(Employee, "packages", "包裹数", "Packages", Count, Higher),
    sum(Employee, "ship_hours", "发货总时长", "Total shipping hours", Hours, Lower),
    sum(Employee, "ship_errors", "发货出错数", "Shipping errors", Count, Lower),
    sum(Employee, "damaged", "破损数", "Damaged packages", Count, Lower),
    sum(Employee, "late_shipments", "超时发货数", "Late shipments", Count, Lower),
    sum(Employee, "tasks", "任务数", "Tasks", Count, Higher),
    sum(Employee, "tasks_on_time", "按时完成数", "Tasks on time", Count, Higher),
    sum(Employee, "tasks_passed", "通过数", "Tasks passed", Count, Higher),
    sum(Employee, "tasks_planned", "计划任务数", "Tasks planned", Count, Higher),
    sum(Employee, "tasks_done", "完成任务数", "Tasks done", Count, Higher),
    // Employee rates.
    ratio(Employee, "inquiry_ratio", "询单人数比", "Inquiry ratio", Ratio, Higher, "inquiries", "receptions"),
    ratio(Employee, "inquiry_conversion", "询单转化率", "Inquiry conversion", Ratio, Higher, "order_buyers", "inquiries"),
    ratio(Employee, "payment_rate", "下单成功率", "Payment rate", Ratio, Higher, "paid_buyers", "order_buyers"),
    ratio(Employee, "inquiry_to_paid", "询单→最终付款转化率", "Inquiry to payment", Ratio, Higher, "paid_buyers", "inquiries"),
    ratio(Employee, "cs_aov", "客服客单价", "Customer-service order value", Money, Higher, "cs_sales", "paid_buyers"),
    ratio(Employee, "reply_rate", "回复率", "Reply rate", Ratio, Higher, "replies", "buyer_messages"),
    ratio(Employee, "avg_response_seconds", "平均响应时间", "Average response time", Seconds, Lower, "response_seconds", "responses"),
    ratio(Employee, "refund_rate", "退款率", "Refund rate", Ratio, Lower, "refunds", "paid_orders"),
    ratio(Employee, "return_rate", "退货率", "Return rate", Ratio, Lower, "returns", "paid_orders"),
    ratio(Employee, "exchange_rate", "换货率", "Exchange rate", Ratio, Lower, "exchanges", "paid_orders"),
    Metric {
    id: "gmv_target_completion",
    zh: "GMV目标完成率",
    en: "GMV target completion",
    unit: Ratio,
    direction: Higher,
    level: Store,
    formula: Formula::TargetRatio {
    numerator: "gmv",
    target_metric: "gmv",
    },
    },
    Metric {
    id: "target_completion",
    zh: "指标完成率",
    en: "Target completion",
    unit: Ratio,
    direction: Higher,
    level: Employee,
    formula: Formula::TargetRatio {
    numerator: "cs_sales",
    target_metric: "cs_sales",
    },
    },
    ratio(Employee, "on_time_rate", "设计及时率", "On-time rate", Ratio, Higher, "tasks_on_time", "tasks"),
    ratio(Employee, "pass_rate", "通过率", "Pass rate", Ratio, Higher, "tasks_passed", "tasks"),
    ratio(Employee, "plan_completion", "计划达成率", "Plan completion", Ratio, Higher, "tasks_done", "tasks_planned"),
    ratio(Employee, "avg_ship_hours", "发货速度", "Average shipping time", Hours, Lower, "ship_hours", "shipped_orders"),
    ratio(Employee, "ship_error_rate", "出错率", "Shipping error rate", Ratio, Lower, "ship_errors", "shipped_orders"),
    ratio(Employee, "damage_rate", "破损率", "Damage rate", Ratio, Lower, "damaged", "packages"),
    ratio(Employee, "late_ship_rate", "超时发货比率", "Late shipment rate", Ratio, Lower, "late_shipments", "shipped_orders"),
    growth(Employee, "cs_sales_growth_mom", "客服销售额环比增长率", "Customer-service sales growth, month on month", "cs_sales", 1),
    growth(Employee, "cs_sales_growth_yoy", "客服销售额同比增长率", "Customer-service sales growth, year on year", "cs_sales", 12),
];

/// Every metric, store metrics first.
pub fn catalogue() -> &'static [Metric] {
    CATALOGUE
}

/// Finds a metric by id at a level.
pub fn metric(level: Level, id: &str) -> Option<&'static Metric> {
    CATALOGUE.iter().find(|m| m.level == level && m.id == id)
}

/// Finds a metric by id at any level (employee first).
pub fn find_metric(id: &str) -> Option<&'static Metric> {
    metric(Level::Employee, id).or_else(|| metric(Level::Store, id))
}

/// The stored units per value unit of an input column (100 for money cents).
pub fn column_scale(level: Level, column: &str) -> i64 {
    level.table().column(column).map_or(1, |c| c.kind.scale())
}

/// `numerator / denominator` of two summed columns, null when the denominator
/// is zero or missing. Columns held as integer cents or thousandths are
/// brought to their unit inside one correctly rounded division:
/// `num × den_scale / (den × num_scale)`, every product an exact integer.
pub fn ratio_expr(level: Level, numerator: &str, denominator: &str) -> Expr {
    let (num_scale, den_scale) = (
        column_scale(level, numerator),
        column_scale(level, denominator),
    );
    let common = gcd(num_scale, den_scale);
    let (num_scale, den_scale) = (num_scale / common, den_scale / common);
    let mut num = col(numerator).cast(DataType::Float64);
    if den_scale != 1 {
        num = num * lit(den_scale as f64);
    }
    let mut den = col(denominator).cast(DataType::Float64);
    if num_scale != 1 {
        den = den * lit(num_scale as f64);
    }
    when(
        col(denominator)
            .neq(lit(0))
            .and(col(denominator).is_not_null()),
    )
    .then(num / den)
    .otherwise(lit(NULL).cast(DataType::Float64))
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Sums daily (or monthly) activity rows to one row per entity and period.
///
/// `columns` are the input columns present in `activity`; additive columns are
/// summed, stock columns averaged. `_rows` counts the input rows of each group.
pub fn aggregate_periods(activity: LazyFrame, level: Level, columns: &[String]) -> LazyFrame {
    let mut aggs = vec![len().cast(DataType::Int64).alias("_rows")];
    for spec in summed_columns(level, columns) {
        let agg = if spec.stock {
            whole_cents(col(spec.name).cast(DataType::Float64).mean())
        } else {
            col(spec.name).sum()
        };
        aggs.push(agg.alias(spec.name));
    }
    activity
        .group_by([col(level.key()), col("period")])
        .agg(aggs)
}

/// The columns of `level`'s table among `columns` that months sum (or, for
/// a stock, average), in table order.
fn summed_columns(level: Level, columns: &[String]) -> impl Iterator<Item = &'static ColumnSpec> {
    level
        .table()
        .columns()
        .iter()
        .filter(move |s| s.kind.is_additive() && columns.iter().any(|c| c == s.name))
}

/// A stock held as cents stays in whole cents: its mean rounded half-up.
fn whole_cents(mean: Expr) -> Expr {
    (mean + lit(0.5)).cast(DataType::Int64)
}

/// Rows summed in one group-by at most: a longer history is summed a slice
/// at a time and the slices' sums summed again, so the group-by's tables
/// follow a slice, not the whole history.
const SUM_SLICE_ROWS: usize = 1 << 20;

/// [`aggregate_periods`] of a frame's columns, collected; a frame of more
/// than 1 M rows is summed in slices (every summed column is whole units,
/// so the sums are the same in any order, and a stock's mean is its
/// slices' sums over their counts).
pub fn sum_periods(activity: &DataFrame, level: Level) -> PolarsResult<DataFrame> {
    sum_periods_in_slices(activity, level, Summing::DEFAULT)
}

/// How a long history is summed.
#[derive(Debug, Clone, Copy)]
struct Summing {
    /// Rows summed in one slice at most.
    slice_rows: usize,
    /// Rows per run of one key (entity and period) on average from which a
    /// slice is summed run by run: a history sorted by entity and day has a
    /// run a month, a shuffled one a run a row (summed by a group-by).
    run_rows: usize,
    /// Slots of the table indexed by entity and period, per row of the
    /// slices' sums, up to which the sums are summed again through it.
    slots_per_row: usize,
}

impl Summing {
    const DEFAULT: Summing = Summing {
        slice_rows: SUM_SLICE_ROWS,
        run_rows: 4,
        slots_per_row: 4,
    };
}

/// The column of [`partial_sums`] counting the rows each of its rows sums.
pub const SUMMED_ROWS: &str = "_rows";

/// The sums of `rows` (a table's daily or monthly rows) per run of rows of
/// one entity and period, or, for rows in no order, per entity and period
/// in the order of their first rows: partial sums that [`sum_periods`]
/// sums again to the same months, so that a reader can sum each file as it
/// reads it and let its rows go. Each row has the rows it sums
/// ([`SUMMED_ROWS`]), every additive column's sum, and the columns `first`
/// as in the first of its rows (where it came from). `None` when a summed
/// column is not whole units (Int64) or is a stock (a mean, not a sum).
pub fn partial_sums(
    rows: &DataFrame,
    level: Level,
    first: &[&str],
) -> PolarsResult<Option<DataFrame>> {
    let columns = crate::frame::column_names(rows);
    let summed: Vec<&ColumnSpec> = summed_columns(level, &columns).collect();
    if summed.iter().any(|s| {
        s.stock
            || rows
                .column(s.name)
                .map_or(true, |c| c.dtype() != &DataType::Int64)
    }) {
        return Ok(None);
    }
    let mut aggs = vec![len().cast(DataType::Int64).alias(SUMMED_ROWS)];
    aggs.extend(summed.iter().map(|s| col(s.name).sum()));
    aggs.extend(first.iter().map(|c| col(*c).first()));
    slice_sums(rows, level, &summed, Summing::DEFAULT, &aggs, first).map(Some)
}

/// The sums of `rows` a slice of `how.slice_rows` at a time, on every core,
/// stacked in the slices' order: run by run where the runs are long
/// ([`run_sums`]), by a group-by of `aggs` in the order of the groups'
/// first rows otherwise; `first` columns as in each run's first row.
fn slice_sums(
    rows: &DataFrame,
    level: Level,
    summed: &[&ColumnSpec],
    how: Summing,
    aggs: &[Expr],
    first: &[&str],
) -> PolarsResult<DataFrame> {
    // One slice of no rows for no rows.
    let starts: Vec<usize> = (0..rows.height().max(1)).step_by(how.slice_rows).collect();
    let slices: Vec<DataFrame> = starts
        .into_par_iter()
        .map(|start| {
            let slice = rows.slice(start as i64, how.slice_rows);
            match run_sums(&slice, level, summed, how.run_rows, first)? {
                Some(sums) => Ok(sums),
                None => slice
                    .lazy()
                    .group_by_stable([col(level.key()), col("period")])
                    .agg(aggs)
                    .collect(),
            }
        })
        .collect::<PolarsResult<_>>()?;
    let mut slices = slices.into_iter();
    let mut out = slices.next().expect("one slice at least");
    for slice in slices {
        out.vstack_mut_owned(slice)?;
    }
    Ok(out)
}

fn sum_periods_in_slices(
    activity: &DataFrame,
    level: Level,
    how: Summing,
) -> PolarsResult<DataFrame> {
    let Summing {
        slice_rows,
        slots_per_row,
        ..
    } = how;
    let columns = crate::frame::column_names(activity);
    let summed: Vec<&ColumnSpec> = summed_columns(level, &columns).collect();
    let whole_units = summed.iter().all(|s| {
        activity
            .column(s.name)
            .is_ok_and(|c| c.dtype().is_integer())
    });
    // Rows summed already (by file, as a reader read them) are summed again.
    let partial_given = activity.column(SUMMED_ROWS).is_ok();
    if !partial_given && (activity.height() <= slice_rows || !whole_units) {
        return aggregate_periods(activity.clone().lazy(), level, &columns).collect();
    }
    let (sum_of, count_of) = (
        |n: &str| format!("_sum_{n}"),
        |n: &str| format!("_count_{n}"),
    );
    let mut in_slice = vec![len().cast(DataType::Int64).alias("_rows")];
    let mut across = vec![col("_rows").sum()];
    let mut means = Vec::new();
    for spec in &summed {
        if spec.stock {
            let (sum, count) = (sum_of(spec.name), count_of(spec.name));
            in_slice.push(col(spec.name).cast(DataType::Float64).sum().alias(&sum));
            in_slice.push(col(spec.name).count().cast(DataType::Int64).alias(&count));
            across.extend([col(&sum).sum(), col(&count).sum()]);
            means.push(
                when(col(&count).gt(lit(0)))
                    .then(whole_cents(col(&sum) / col(&count).cast(DataType::Float64)))
                    .otherwise(lit(NULL).cast(DataType::Int64))
                    .alias(spec.name),
            );
        } else {
            in_slice.push(col(spec.name).sum());
            across.push(col(spec.name).sum());
        }
    }
    let keys = [col(level.key()), col("period")];
    let names: Vec<&str> = [level.key(), "period", SUMMED_ROWS]
        .into_iter()
        .chain(summed.iter().map(|s| s.name))
        .collect();
    let select: Vec<Expr> = names.iter().map(|n| col(*n)).collect();
    let partial = if partial_given {
        if let Some(stock) = summed.iter().find(|s| s.stock) {
            polars_bail!(InvalidOperation: "`{}` is a stock: its partial sums cannot give its mean", stock.name);
        }
        activity.select(names.iter().copied())?
    } else {
        slice_sums(activity, level, &summed, how, &in_slice, &[])?
    };
    // The slices' sums are summed again: by a table indexed by entity and
    // period when it is dense (a history of every entity in every month),
    // by a group-by on the two texts otherwise.
    let summed_again = match regroup_dense(&partial, level, slots_per_row)? {
        Some(frame) => frame.lazy(),
        None => partial.lazy().group_by(keys).agg(across),
    };
    summed_again.with_columns(means).select(select).collect()
}

/// `partial`'s rows summed per (entity, period), every column but the two
/// keys a sum, through a table of one slot per entity and period; `None`
/// when that table would have more than `slots_per_row` slots per row (few
/// periods of each entity) or a column has a missing value.
fn regroup_dense(
    partial: &DataFrame,
    level: Level,
    slots_per_row: usize,
) -> PolarsResult<Option<DataFrame>> {
    let (entities, periods) = (
        partial.column(level.key())?.str()?,
        partial.column("period")?.str()?,
    );
    let values: Vec<&Column> = partial
        .columns()
        .iter()
        .filter(|c| c.name() != level.key() && c.name() != "period")
        .collect();
    if values.iter().any(|c| c.null_count() > 0) {
        return Ok(None);
    }
    let mut entity_codes: PlHashMap<Option<&str>, u32> = PlHashMap::new();
    let mut period_codes: PlHashMap<Option<&str>, u32> = PlHashMap::new();
    let codes: Vec<(u32, u32)> = entities
        .iter()
        .zip(periods.iter())
        .map(|(entity, period)| {
            let next = entity_codes.len() as u32;
            let entity = *entity_codes.entry(entity).or_insert(next);
            let next = period_codes.len() as u32;
            let period = *period_codes.entry(period).or_insert(next);
            (entity, period)
        })
        .collect();
    let width = period_codes.len();
    let slots = entity_codes.len().saturating_mul(width);
    if slots > slots_per_row.saturating_mul(partial.height()) {
        return Ok(None);
    }
    // Groups in the order of their first row.
    let mut group_of_slot = vec![u32::MAX; slots];
    let mut first_rows: Vec<IdxSize> = Vec::new();
    let group_of_row: Vec<u32> = codes
        .iter()
        .enumerate()
        .map(|(i, &(entity, period))| {
            let slot = &mut group_of_slot[entity as usize * width + period as usize];
            if *slot == u32::MAX {
                *slot = first_rows.len() as u32;
                first_rows.push(i as IdxSize);
            }
            *slot
        })
        .collect();
    let groups = first_rows.len();
    let index = IdxCa::from_vec("".into(), first_rows);
    let mut columns = vec![
        entities.take(&index)?.into_column(),
        periods.take(&index)?.into_column(),
    ];
    for column in values {
        let summed = match column.dtype() {
            DataType::Int64 => {
                let mut sums = vec![0i64; groups];
                for (g, v) in group_of_row.iter().zip(column.i64()?.iter()) {
                    sums[*g as usize] += v.unwrap_or(0);
                }
                Column::new(column.name().clone(), sums)
            }
            DataType::Float64 => {
                let mut sums = vec![0f64; groups];
                for (g, v) in group_of_row.iter().zip(column.f64()?.iter()) {
                    sums[*g as usize] += v.unwrap_or(0.0);
                }
                Column::new(column.name().clone(), sums)
            }
            _ => return Ok(None),
        };
        columns.push(summed);
    }
    Ok(Some(DataFrame::new(groups, columns)?))
}

/// The sums of a slice as its group-by by entity and period would give
/// them (`_rows`, each additive column's sum, a stock's `_sum_` and
/// `_count_`), made run by run of rows with one key: `None` when the runs
/// are shorter than `run_rows` on average or a summed column is not Int64.
/// The columns `first` follow, as in each run's first row.
fn run_sums(
    slice: &DataFrame,
    level: Level,
    summed: &[&ColumnSpec],
    run_rows: usize,
    first: &[&str],
) -> PolarsResult<Option<DataFrame>> {
    let (entities, periods) = (
        slice.column(level.key())?.str()?.rechunk(),
        slice.column("period")?.str()?.rechunk(),
    );
    let mut values: Vec<&Int64Chunked> = Vec::with_capacity(summed.len());
    for spec in summed {
        match slice.column(spec.name)?.dtype() {
            DataType::Int64 => values.push(slice.column(spec.name)?.i64()?),
            _ => return Ok(None),
        }
    }
    // The first row of each run: where the entity or the period changes.
    let mut starts: Vec<IdxSize> = Vec::new();
    if slice.height() > 0 {
        let same_entity = crate::frame::same_text(&entities, 0);
        let same_period = crate::frame::same_text(&periods, 0);
        for i in 0..slice.height() {
            if i == 0 || !(same_entity(i - 1, i) && same_period(i - 1, i)) {
                starts.push(i as IdxSize);
                if starts.len().saturating_mul(run_rows) > slice.height() {
                    return Ok(None);
                }
            }
        }
    }
    let runs = starts.len();
    let run_of = |i: usize, run: &mut usize| {
        while *run + 1 < runs && starts[*run + 1] as usize <= i {
            *run += 1;
        }
    };
    let index = IdxCa::from_vec("".into(), starts.clone());
    let mut columns = vec![
        entities.take(&index)?.into_column(),
        periods.take(&index)?.into_column(),
    ];
    // Each run's rows: [start, end).
    let bounds = |r: usize| {
        let end = starts.get(r + 1).map_or(slice.height(), |&e| e as usize);
        (starts[r] as usize, end)
    };
    let lengths: Vec<i64> = (0..runs)
        .map(|r| {
            let (start, end) = bounds(r);
            (end - start) as i64
        })
        .collect();
    columns.push(Column::new("_rows".into(), lengths.clone()));
    for (spec, values) in summed.iter().zip(values) {
        let values = values.rechunk();
        let (sums, counts) = match values.cont_slice() {
            // No missing value: each run's values are one slice of memory.
            Ok(all) => (
                (0..runs)
                    .map(|r| {
                        let (start, end) = bounds(r);
                        all[start..end].iter().sum()
                    })
                    .collect(),
                lengths.clone(),
            ),
            Err(_) => {
                let (mut sums, mut counts) = (vec![0i64; runs], vec![0i64; runs]);
                let mut run = 0;
                for (i, v) in values.iter().enumerate() {
                    run_of(i, &mut run);
                    if let Some(v) = v {
                        sums[run] += v;
                        counts[run] += 1;
                    }
                }
                (sums, counts)
            }
        };
        if spec.stock {
            let sums: Vec<f64> = sums.into_iter().map(|s| s as f64).collect();
            columns.push(Column::new(format!("_sum_{}", spec.name).into(), sums));
            columns.push(Column::new(format!("_count_{}", spec.name).into(), counts));
        } else {
            columns.push(Column::new(spec.name.into(), sums));
        }
    }
    for name in first {
        columns.push(slice.column(name)?.take(&index)?);
    }
    Ok(Some(DataFrame::new(runs, columns)?))
}

/// Adds every ratio metric whose input columns are present.
pub fn with_ratio_metrics(sums: LazyFrame, level: Level, columns: &[String]) -> LazyFrame {
    let have = |c: &str| columns.iter().any(|x| x == c);
    let exprs: Vec<Expr> = CATALOGUE
        .iter()
        .filter(|m| m.level == level)
        .filter_map(|m| match m.formula {
            Formula::Ratio {
                numerator,
                denominator,
            } if have(numerator) && have(denominator) => {
                Some(ratio_expr(level, numerator, denominator).alias(m.id))
            }
            _ => None,
        })
        .collect();
    if exprs.is_empty() {
        sums
    } else {
        sums.with_columns(exprs)
    }
}

/// The metrics of `level` that can be computed from `columns`, in catalogue order.
pub fn available_metrics(
    level: Level,
    columns: &[String],
    has_targets: bool,
) -> Vec<&'static Metric> {
    let have = |c: &str| columns.iter().any(|x| x == c);
    CATALOGUE
        .iter()
        .filter(|m| m.level == level)
        .filter(|m| match m.formula {
            Formula::TargetRatio { numerator, .. } => has_targets && have(numerator),
            _ => m.inputs().iter().all(|c| have(c)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_summed_in_slices_gives_the_sums_of_one_group_by() {
        // 7 days of 2 stores over 2 months, with missing values and a stock
        // whose mean is half a cent (rounded up) or wholly missing.
        let daily = df!(
            "store_id" => ["S1", "S2", "S1", "S1", "S2", "S1", "S2"],
            "period" => ["2025-01", "2025-01", "2025-01", "2025-02", "2025-01", "2025-01", "2025-02"],
            "gmv" => [Some(100i64), Some(7), None, Some(5), Some(-3), Some(11), None],
            "buyers" => [1i64, 2, 3, 4, 5, 6, 7],
            "inventory_value" => [Some(10i64), None, Some(11), None, Some(4), Some(11), None],
        )
        .unwrap();
        let columns = crate::frame::column_names(&daily);
        let sorted = |frame: DataFrame| {
            frame
                .sort(["store_id", "period"], Default::default())
                .unwrap()
        };
        let whole = sorted(
            aggregate_periods(daily.clone().lazy(), Level::Store, &columns)
                .collect()
                .unwrap(),
        );
        // The rows as given (no two neighbours share a key) and sorted (runs
        // of up to 3 rows).
        let by_key = daily
            .sort(
                ["store_id", "period"],
                SortMultipleOptions::default().with_maintain_order(true),
            )
            .unwrap();
        for rows in [&daily, &by_key] {
            for slice in [1, 2, 3, 6] {
                // Slices summed by group-by and run by run, their sums summed
                // by group-by and through the table of entities and periods.
                for (run_rows, slots_per_row) in
                    [(usize::MAX, 0), (1, 0), (usize::MAX, 100), (1, 100)]
                {
                    let how = Summing {
                        slice_rows: slice,
                        run_rows,
                        slots_per_row,
                    };
                    let sliced = sorted(sum_periods_in_slices(rows, Level::Store, how).unwrap());
                    assert_eq!(sliced, whole, "{how:?}");
                }
            }
        }
        // S1 2025-01: gmv 100 + 11, 3 rows, inventory (10 + 11 + 11) / 3 → 10.67 → 11;
        // S2 2025-02: no gmv (a sum of 0, as polars gives it) and no inventory.
        let value = |c: &str, i: usize| {
            whole
                .column(c)
                .unwrap()
                .get(i)
                .unwrap()
                .try_extract::<i64>()
                .ok()
        };
        assert_eq!(
            (
                value("gmv", 0),
                value("_rows", 0),
                value("inventory_value", 0)
            ),
            (Some(111), Some(3), Some(11))
        );
        assert_eq!(value("inventory_value", 3), None);
        assert_eq!(value("gmv", 3), Some(0));
    }

    #[test]
    fn ids_are_unique_per_level() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert!(!(a.id == b.id && a.level == b.level), "{}", a.id);
            }
        }
    }

    #[test]
    fn every_input_is_a_column_of_the_level_table() {
        for m in CATALOGUE {
            for input in m.inputs() {
                assert!(
                    m.level.table().column(input).is_some(),
                    "{} reads {input}",
                    m.id
                );
            }
        }
    }

    #[test]
    fn rates_are_ratios_of_sums_and_zero_denominators_are_missing() {
        let daily = df!(
            "employee_id" => ["E1", "E1", "E2"],
            "period" => ["2025-01", "2025-01", "2025-01"],
            "inquiries" => [10i64, 90, 0],
            "order_buyers" => [9i64, 21, 0],
            "paid_buyers" => [3i64, 7, 0],
            "cs_sales" => [12_000i64, 100_001, 0],
        )
        .unwrap();
        let columns = crate::frame::column_names(&daily);
        let out = with_ratio_metrics(
            aggregate_periods(daily.lazy(), Level::Employee, &columns),
            Level::Employee,
            &columns,
        )
        .sort(["employee_id"], Default::default())
        .collect()
        .unwrap();
        let conversion = out.column("inquiry_conversion").unwrap().f64().unwrap();
        // (9 + 21) / (10 + 90), not the mean of 0.9 and 0.233.
        assert_eq!(conversion.get(0), Some(0.3));
        assert_eq!(conversion.get(1), None);
        let aov = out.column("cs_aov").unwrap().f64().unwrap();
        assert_eq!(aov.get(0), Some(112_001.0 / 1000.0));
        assert_eq!(aov.get(1), None);
    }
}
