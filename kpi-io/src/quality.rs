//! The data-quality record: every row the reader dropped or repaired, and
//! every suspicious value it kept, with where it is.

use polars::prelude::*;

use crate::error::Position;

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
    pub action: String,
    /// How many rows this note covers.
    pub rows: usize,
}

impl QualityNote {
    pub(crate) fn file(table: &str, path: &std::path::Path, issue: &str, action: &str) -> Self {
        QualityNote {
            table: table.into(),
            file: path.display().to_string(),
            sheet: None,
            row: None,
            column: None,
            issue: issue.into(),
            action: action.into(),
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
            Column::new("action".into(), text(&|n| Some(n.action.clone()))),
            Column::new(
                "rows".into(),
                notes.iter().map(|n| n.rows as u64).collect::<Vec<_>>(),
            ),
        ],
    )
}
