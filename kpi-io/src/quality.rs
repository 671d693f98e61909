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
    /// An unknown role was kept as written.
    KeptUnknownRole,
    /// A negative value was treated as missing.
    TreatedAsMissing,
    /// Rows of an employee or store not in the roster were kept, not scored.
    KeptNotScored,
    /// A month without rows between the first and the last.
    PeriodGap,
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
            Action::NicknameNotUsed | Action::Approximated => Triage::First,
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
            Action::KeptUnknownRole => "kept as written; no scheme scores it",
            Action::TreatedAsMissing => "treated as missing",
            Action::KeptNotScored => "kept; not scored",
            Action::PeriodGap => "period gap: the month has no metrics",
        })
    }
}

/// One data-quality finding.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub issue: String,
    /// What the reader did about it.
    pub action: Action,
    /// How many rows this note covers.
    pub rows: usize,
}

impl QualityNote {
    pub(crate) fn file(table: &str, path: &std::path::Path, issue: &str, action: Action) -> Self {
        QualityNote {
            table: table.into(),
            file: path.display().to_string(),
            sheet: None,
            row: None,
            column: None,
            issue: issue.into(),
            action,
            rows: 0,
        }
    }
}

impl QualityNote {
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
            Column::new("issue".into(), text(&|n| Some(n.issue.clone()))),
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
