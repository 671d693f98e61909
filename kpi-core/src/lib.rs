//! The domain of `kpi`: tables of the data contract, the metric catalogue,
//! schemes, and scoring. It touches no files: `kpi-io` reads datasets and
//! scheme files into these types, `kpi-report` writes what they compute.
//!
//! Rooms, in dependency order: the data contract and metrics (`table`,
//! `metric`, `period_metrics`); the scheme model (`scheme`: a new rule
//! kind is a `Rule` variant, its function in [`rule`] and its [`Step`]; a
//! new pay component is a `PayRule` variant); the engines (`scoring`,
//! `pay`: a new component's amount goes in `pay/person.rs`); the analysis
//! (`analysis`: a new analysis is a file there).
//!
//! ```
//! use kpi_core::{Dataset, Table, compute_metrics};
//! use polars::prelude::*;
//!
//! let mut data = Dataset::new();
//! data.insert(Table::StoreDaily, df!(
//!     "store_id" => ["S01", "S01"],
//!     "period" => ["2025-01", "2025-01"],
//!     "uv" => [100i64, 300],
//!     "buyers" => [5i64, 15],
//!     "gmv" => [50_000i64, 150_000], // cents
//! ).unwrap());
//! let metrics = compute_metrics(&data).unwrap();
//! let conversion = metrics.store.column("conversion_rate").unwrap().f64().unwrap();
//! assert_eq!(conversion.get(0), Some(0.05)); // 20 / 400: a ratio of sums
//! ```
#![warn(missing_docs)]

mod analysis;
mod compare;
mod dataset;
mod error;
mod format;
mod frame;
mod metric;
mod money;
mod needs;
mod pay;
mod period;
mod period_metrics;
mod rank;
mod reconcile;
mod rollup;
mod roster;
mod scheme;
mod scoring;
mod table;
pub mod timing;

pub use analysis::{
    AttributionLevel, MixRate, MonthlySums, RateMember, attribute_changes, attribute_changes_in,
    chain, consecutive_months, lmdi, mix_rate, peers, target_tracking, target_tracking_in, trends,
    trends_in,
};
pub use compare::{
    AlignmentRow, Comparison, MoneySpread, NoCorrelation, PairRow, PayDifference, PayTotals,
    PersonRow, PersonUnder, Run, SALES_MEASURES, STRESS_FACTORS, Scenario, Spread, StressRow,
    SummaryRow, compare, no_correlation_text, scale_sales, stress_points,
};
pub use dataset::Dataset;
pub use error::{Error, Result};
pub use format::{cents_text, fmt_num, money2};
pub use frame::{keys_rise, same_text, str_values};
pub use metric::{
    Direction, Formula, Level, Metric, SUMMED_ROWS, Unit, aggregate_periods, available_metrics,
    catalogue, column_scale, find_metric, metric, partial_sums, ratio_expr, sum_periods,
    with_ratio_metrics,
};
pub use money::{Exact, Rounding, cents_to_decimal};
pub use needs::{check_data, data_problems};
pub use pay::{
    Pay, PayDetail, PayRow, PayStep, Shared, compute_pay, render_pay_steps, split_pool, tiered,
};
pub use period::{Month, civil_from_days, days_from_civil, period_of_days, weekday};
pub use period_metrics::{Metrics, compute_metrics, sum_bound};
pub use rank::places;
pub use reconcile::{Line, Reconciliation, Status, reconcile};
pub use rollup::{Span, roll_up};
pub use roster::roster_names;
pub use scheme::rule;
pub use scheme::{
    ATTENDANCE_COLUMNS, ATTENDANCE_PREFIX, Accelerator, Applied, Band, Bonus, Combine, Component,
    CustomMetric, Deferral, Eligibility, Every, Grade, Identity, Item, LEDGER_TARGETS, Lang,
    MANUAL_PREFIX, ManualRating, Measure, MissingOutcome, MissingPolicy, Occurrence, OnLeave,
    Override, PAY_TOTALS, Past, PayRule, PayScheme, Payout, PerformanceBy, PeriodKind, Place,
    Placing, Rank, RankEvery, RankGroup, Release, RoundAt, Rule, STORE_PREFIX, Scheme, SchemeInfo,
    SchemeIssue, ScoreWord, Section, Split, Step, Streak, TeamAverage, Tier, UnitCount,
    render_steps,
};
pub use scoring::{
    Flag, ItemScore, ScoreRow, Scores, decimal_of_f64, in_units_of, round_half_up, score,
};
pub use table::{ColumnKind, ColumnSpec, Role, Table, Vocabulary};
