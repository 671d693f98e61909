//! The data-quality record: every row the reader dropped or repaired, and
//! every suspicious value it kept, with where it is.

use polars::prelude::*;

use crate::error::Position;

/// What the reader did about a finding: a closed set, rendered by
/// `Display` in the `action` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// A file was left out of the dataset.
    Ignored,
    /// A sheet was left out.
    SheetIgnored,
    /// Sheets or files were read with an export profile.
    Read,
    /// A file covering part of a month was read as that month's rows.
    ReadAsMonth,
    /// A column was rebuilt exactly from others.
    RebuiltExactly,
    /// A column was approximated from others.
    Approximated,
    /// Blank rows were dropped.
    Dropped,
    /// A trailing summary row (汇总, 合计…) was dropped.
    DroppedSummaryRow,
    /// A duplicate row identical to an earlier one was dropped.
    DroppedIdentical,
    /// Duplicate key rows were merged into one row.
    MergedIntoOneRow,
    /// Rows of one employee under several nicknames were added into one row.
    AddedIntoOneRow,
    /// Rows whose nickname is no employee's were not used.
    NicknameNotUsed,
    /// A column could not be rebuilt and was not read.
    ColumnNotRead,
    /// A value could not be rebuilt and was left missing.
    LeftMissing,
    /// A count rebuilt from a rate was rounded to the nearest count.
    RoundedToCount,
    /// Money with more than 2 decimals was rounded half-up to the cent.
    RoundedToCent,
    /// A negative value was treated as missing.
    TreatedAsMissing,
    /// Rows of an employee or store not in the roster were kept, not scored.
    KeptNotScored,
    /// A month without rows between the first and the last.
    PeriodGap,
    /// A row was set aside: neither scored nor paid nor counted.
    SetAside,
    /// A value was kept as written; check it.
    KeptAsWritten,
    /// Rows outside the employee's months of employment were kept but
    /// neither scored nor paid.
    NotEmployed,
}

/// What a data-quality note found: a closed set of kinds with their values,
/// rendered by `Display` in the `issue` column.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Issue {
    /// The path matches a `--profile '…=ignore'` pattern.
    IgnoredByPattern,
    /// A file at the top of the dataset that is neither a table nor a spreadsheet.
    NotInContract,
    /// A file of a table's folder that is not CSV, Parquet or a workbook.
    UnsupportedFileType,
    /// A file under an export folder that is not a spreadsheet.
    NotASpreadsheet,
    /// Sheets or files an export profile read.
    ReadAsProfile {
        /// How many sheets or files.
        sheets: usize,
        /// The profile id.
        profile: String,
    },
    /// A contract column rebuilt from an export's rate or average.
    Rebuilt {
        /// The contract column.
        column: String,
        /// The export header.
        header: String,
        /// The count the header's values multiply.
        base: String,
        /// Rebuilt from a rate (`round(rate × count)`), else from an average as shown.
        from_rate: bool,
    },
    /// A sheet without a header row holding the table's key columns.
    NoKeyHeader {
        /// The table.
        table: String,
    },
    /// A sheet without the header of any export profile.
    NoProfileHeader,
    /// Rows without any value.
    BlankRows,
    /// An export file that covers part of a month.
    PartOfMonth {
        /// The month.
        month: kpi_core::Month,
        /// First day covered (days since 1970-01-01).
        from: i32,
        /// Last day covered.
        to: i32,
    },
    /// Rows without a nickname.
    NoNickname,
    /// A nickname no roster row lists.
    UnknownNickname {
        /// The nickname.
        nickname: String,
    },
    /// Nickname-keyed rows, and a roster without a nickname column.
    NoNicknameColumn {
        /// The nickname.
        nickname: String,
    },
    /// Several rows that are nicknames of one employee.
    NicknamesOfOne {
        /// How many rows.
        rows: usize,
        /// The key they share (column, value).
        key: Vec<(String, String)>,
    },
    /// A column the file lacks the count to rebuild.
    CannotRebuild {
        /// The contract column.
        column: String,
        /// The export header.
        header: String,
        /// The missing count.
        base: String,
    },
    /// A row with no value to rebuild a column from.
    NoValueToRebuild {
        /// The contract column.
        column: String,
    },
    /// A rate no whole count gives.
    NoWholeCount {
        /// The contract column.
        column: String,
        /// The rate as written.
        rate: rust_decimal::Decimal,
        /// The count it is a rate of.
        of: i64,
        /// That count's column.
        base: String,
    },
    /// A summary row (汇总, 合计…).
    SummaryRow {
        /// Its label.
        label: String,
    },
    /// Money with more than 2 decimals.
    MoneyDecimals {
        /// The amount in yuan.
        yuan: rust_decimal::Decimal,
    },
    /// A negative value in a column that cannot be negative.
    NegativeValue {
        /// The value.
        value: f64,
    },
    /// A negative count.
    NegativeCount {
        /// The count.
        value: i64,
    },
    /// A row identical to an earlier one.
    DuplicateOf {
        /// Where the earlier row is.
        first: Position,
        /// The key, described.
        key: String,
    },
    /// Rows with the key of another file's rows, other columns differing.
    SameKeyAs {
        /// The other file.
        file: String,
        /// How many rows.
        count: usize,
    },
    /// An id the roster does not list.
    NotInRoster {
        /// The id.
        id: String,
        /// The roster table.
        roster: String,
        /// How many rows carry it.
        count: usize,
    },
    /// Months without rows between the table's first and last month.
    NoRowsFor {
        /// The first month without rows.
        from: kpi_core::Month,
        /// The last month of the run without rows (`from` for one month).
        to: kpi_core::Month,
        /// The table's first month.
        first: kpi_core::Month,
        /// Its last month.
        last: kpi_core::Month,
    },
    /// A date before 2000 or more than two years from the table's median.
    ImplausibleDate {
        /// The date (days since 1970-01-01).
        date: i32,
        /// The table's median date.
        median: i32,
    },
    /// An adjustment whose amount has the other sign than its kind's (a
    /// positive loss, a negative award).
    AgainstItsKind {
        /// `loss` or `award`.
        kind: String,
        /// The amount in cents.
        cents: i64,
    },
    /// Rows of an employee in months before the roster's `hire_date`.
    BeforeHire {
        /// The employee.
        id: String,
        /// The month of the hire date.
        hired: kpi_core::Month,
        /// How many rows.
        rows: usize,
    },
    /// Rows of an employee in months after the roster's `leave_date`.
    AfterLeave {
        /// The employee.
        id: String,
        /// The month of the leave date.
        left: kpi_core::Month,
        /// How many rows.
        rows: usize,
    },
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Issue::IgnoredByPattern => f.write_str("matches a --profile '…=ignore' pattern"),
            Issue::NotInContract => {
                f.write_str("neither a table of the data contract nor a spreadsheet")
            }
            Issue::UnsupportedFileType => f.write_str("unsupported file type"),
            Issue::NotASpreadsheet => f.write_str("not a spreadsheet"),
            Issue::ReadAsProfile { sheets, profile } => {
                write!(
                    f,
                    "{sheets} sheets or files read as export profile `{profile}`"
                )
            }
            Issue::Rebuilt {
                column,
                header,
                base,
                from_rate: true,
            } => write!(f, "`{column}` = round(`{header}` × `{base}`)"),
            Issue::Rebuilt {
                column,
                header,
                base,
                from_rate: false,
            } => write!(
                f,
                "`{column}` = `{header}` × `{base}`: the average as shown (rounded), \
                 so within half its last digit per {base}"
            ),
            Issue::NoKeyHeader { table } => {
                write!(f, "no header row with the key columns of `{table}`")
            }
            Issue::NoProfileHeader => f.write_str("no header of an export profile"),
            Issue::BlankRows => f.write_str("blank rows"),
            Issue::PartOfMonth { month, from, to } => write!(
                f,
                "the file covers {}–{}, part of {month}",
                crate::export::fmt_day(*from),
                crate::export::fmt_day(*to)
            ),
            Issue::NoNickname => f.write_str("rows without a nickname"),
            Issue::UnknownNickname { nickname } => write!(
                f,
                "nickname `{nickname}` is no employee's (roster column nickname / 旺旺)"
            ),
            Issue::NoNicknameColumn { nickname } => write!(
                f,
                "nickname `{nickname}`: the roster has no nickname column (nickname / 旺旺 / 客服昵称)"
            ),
            Issue::NicknamesOfOne { rows, key } => {
                let key: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(
                    f,
                    "{rows} rows are nicknames of one employee ({})",
                    key.join(", ")
                )
            }
            Issue::CannotRebuild {
                column,
                header,
                base,
            } => write!(
                f,
                "`{column}` cannot be rebuilt from `{header}`: the file has no `{base}`"
            ),
            Issue::NoValueToRebuild { column } => {
                write!(f, "no value to rebuild `{column}` from")
            }
            Issue::NoWholeCount {
                column,
                rate,
                of,
                base,
            } => write!(
                f,
                "no whole `{column}` gives the rate {rate} of {of} `{base}`"
            ),
            Issue::SummaryRow { label } => write!(f, "summary row `{label}`"),
            Issue::MoneyDecimals { yuan } => write!(f, "money {yuan} has more than 2 decimals"),
            Issue::NegativeValue { value } => write!(f, "negative value {value}"),
            Issue::NegativeCount { value } => write!(f, "negative count {value}"),
            Issue::DuplicateOf { first, key } => write!(f, "duplicate of {first} ({key})"),
            Issue::SameKeyAs { file, count } => write!(
                f,
                "rows with the same key as rows of {file}, giving other columns (first of {count})"
            ),
            Issue::NotInRoster { id, roster, count } => {
                write!(f, "`{id}` is not in `{roster}` (first of {count} rows)")
            }
            Issue::NoRowsFor {
                from,
                to,
                first,
                last,
            } => {
                if from == to {
                    write!(f, "no rows for {from}, between {first} and {last}")
                } else {
                    write!(f, "no rows for {from} to {to}, between {first} and {last}")
                }
            }
            Issue::ImplausibleDate { date, median } => write!(
                f,
                "the date {} is before 2000 or years away from the table's other dates (median {})",
                crate::export::fmt_day(*date),
                crate::export::fmt_day(*median)
            ),
            Issue::AgainstItsKind { kind, cents } => {
                let sign = if kind == "loss" {
                    "negative"
                } else {
                    "positive"
                };
                let a = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(
                    f,
                    "{a} {kind} of {}: {a} {kind} is a {sign} amount",
                    kpi_core::cents_text(*cents)
                )
            }
            Issue::BeforeHire { id, hired, rows } => write!(
                f,
                "{rows} rows of `{id}` before the month of the hire date ({hired})"
            ),
            Issue::AfterLeave { id, left, rows } => write!(
                f,
                "{rows} rows of `{id}` after the month of the leave date ({left})"
            ),
        }
    }
}

/// How soon a note wants a look, first to last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Triage {
    /// Rows not used, values approximated.
    First,
    /// Repairs and guesses worth a glance.
    Then,
    /// Routine reading: summary rows, blank rows, merges, rebuilt columns.
    Routine,
}

impl Action {
    /// How soon a note with this action wants a look.
    pub fn triage(self) -> Triage {
        match self {
            Action::NicknameNotUsed | Action::Approximated | Action::NotEmployed => Triage::First,
            Action::DroppedSummaryRow
            | Action::Read
            | Action::RebuiltExactly
            | Action::MergedIntoOneRow
            | Action::Dropped => Triage::Routine,
            _ => Triage::Then,
        }
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Ignored => "ignored",
            Action::SheetIgnored => "sheet ignored",
            Action::Read => "read",
            Action::ReadAsMonth => "read as that month's rows",
            Action::RebuiltExactly => "rebuilt exactly",
            Action::Approximated => "approximated",
            Action::Dropped | Action::DroppedSummaryRow => "dropped",
            Action::DroppedIdentical => "dropped (identical)",
            Action::MergedIntoOneRow => "merged into one row",
            Action::AddedIntoOneRow => "added into one row",
            Action::NicknameNotUsed => {
                "rows not used: add the nickname to the employee's roster row"
            }
            Action::ColumnNotRead => "column not read",
            Action::LeftMissing => "left missing",
            Action::RoundedToCount => "rounded to the nearest count",
            Action::RoundedToCent => "rounded half-up to the cent",
            Action::TreatedAsMissing => "treated as missing",
            Action::KeptNotScored => "kept; not scored",
            Action::PeriodGap => "period gap: the month has no metrics",
            Action::NotEmployed => "kept; neither scored nor paid",
            Action::KeptAsWritten => "kept as written: check it",
            Action::SetAside => "row set aside: not used",
        })
    }
}

/// One data-quality finding.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityNote {
    /// Table name (`-` for files that are no table).
    pub table: String,
    /// File path.
    pub file: String,
    /// Sheet, for workbooks.
    pub sheet: Option<String>,
    /// 1-based row, where one row is concerned.
    pub row: Option<usize>,
    /// Column header, where one column is concerned.
    pub column: Option<String>,
    /// What was found.
    pub issue: Issue,
    /// What the reader did about it.
    pub action: Action,
    /// How many rows this note covers.
    pub rows: usize,
}

impl QualityNote {
    pub(crate) fn file(table: &str, path: &std::path::Path, issue: Issue, action: Action) -> Self {
        QualityNote {
            table: table.into(),
            file: path.display().to_string(),
            sheet: None,
            row: None,
            column: None,
            issue,
            action,
            rows: 0,
        }
    }
}

impl QualityNote {
    /// A note at a row of a table (file, row and column from `at`).
    pub(crate) fn at(
        table: impl Into<String>,
        at: Position,
        issue: Issue,
        action: Action,
        rows: usize,
    ) -> Self {
        QualityNote {
            table: table.into(),
            file: at.file.display().to_string(),
            sheet: at.sheet,
            row: at.row,
            column: at.column,
            issue,
            action,
            rows,
        }
    }

    /// Where the note points.
    pub fn position(&self) -> Position {
        Position {
            file: self.file.clone().into(),
            sheet: self.sheet.clone(),
            row: self.row,
            column: self.column.clone(),
        }
    }
}

impl std::fmt::Display for QualityNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.position(), self.issue, self.action)
    }
}

/// The `data_quality` table: one row per note, in the order found.
pub fn quality_frame(notes: &[QualityNote]) -> PolarsResult<DataFrame> {
    let text = |f: &dyn Fn(&QualityNote) -> Option<String>| -> Vec<Option<String>> {
        notes.iter().map(f).collect()
    };
    DataFrame::new(
        notes.len(),
        vec![
            Column::new("table".into(), text(&|n| Some(n.table.clone()))),
            Column::new("file".into(), text(&|n| Some(n.file.clone()))),
            Column::new("sheet".into(), text(&|n| n.sheet.clone())),
            Column::new(
                "row".into(),
                notes
                    .iter()
                    .map(|n| n.row.map(|r| r as u64))
                    .collect::<Vec<_>>(),
            ),
            Column::new("column".into(), text(&|n| n.column.clone())),
            Column::new("issue".into(), text(&|n| Some(n.issue.to_string()))),
            Column::new("action".into(), text(&|n| Some(n.action.to_string()))),
            Column::new(
                "rows".into(),
                notes.iter().map(|n| n.rows as u64).collect::<Vec<_>>(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unused_rows_come_first_and_routine_reading_last() {
        let mut actions = [
            Action::DroppedSummaryRow,
            Action::TreatedAsMissing,
            Action::NicknameNotUsed,
            Action::Read,
            Action::Approximated,
        ];
        actions.sort_by_key(|a| a.triage());
        assert_eq!(
            actions,
            [
                Action::NicknameNotUsed,
                Action::Approximated,
                Action::TreatedAsMissing,
                Action::DroppedSummaryRow,
                Action::Read,
            ]
        );
        // A summary row and blank rows read the same; their kinds differ.
        assert_eq!(
            Action::DroppedSummaryRow.to_string(),
            Action::Dropped.to_string()
        );
        assert_ne!(Action::DroppedSummaryRow, Action::Dropped);
    }
}
