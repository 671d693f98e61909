//! Errors of the input layer, each naming where it happened.

use std::path::PathBuf;

/// A place in an input file: file, sheet, row (1-based, as a spreadsheet
/// shows it) and column header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// The file.
    pub file: PathBuf,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
    /// The row, 1-based.
    pub row: Option<usize>,
    /// The column header as written in the file.
    pub column: Option<String>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet {sheet}")?;
        }
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        Ok(())
    }
}

/// An error of `kpi-io`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// An output cannot go where it was asked to.
    #[error("{path}: {problem}")]
    Output {
        /// The output's path.
        path: PathBuf,
        /// Why not.
        problem: String,
    },
    /// A spreadsheet could not be opened or read.
    #[error("{path}: cannot read the workbook")]
    Workbook {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Box<calamine::Error>,
    },
    /// A workbook could not be written.
    #[error("{path}: cannot write the workbook")]
    WorkbookWrite {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Box<rust_xlsxwriter::XlsxError>,
    },
    /// A polars operation failed.
    #[error("{context}")]
    Polars {
        /// What was being done, and where.
        context: String,
        /// The cause.
        source: polars::prelude::PolarsError,
    },
    /// A cell could not be read as the column requires.
    #[error("{at}: {message}")]
    Cell {
        /// Where.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// A file's layout is unusable (no header row, missing key column).
    #[error("{at}: {message}")]
    Layout {
        /// Where.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// Two rows share a key but differ.
    #[error("{table}: rows {first} and {second} have the same key ({key}) but different values")]
    DuplicateKey {
        /// Table name.
        table: String,
        /// Key values.
        key: String,
        /// First row.
        first: Box<Position>,
        /// Second row.
        second: Box<Position>,
    },
    /// The dataset directory is unusable.
    #[error("{path}: {message}")]
    Dataset {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A scheme file is invalid.
    #[error("{path}:{line}: {key}: {message}")]
    Scheme {
        /// The scheme file.
        path: PathBuf,
        /// 1-based line of the key (0 when unknown).
        line: usize,
        /// Key path (`items[2].rule.bands[1]`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A scheme workbook is invalid: the cell (and the scheme key it maps
    /// to) and what is wrong.
    #[error("{path}: {place}: {message}")]
    SchemeBook {
        /// The workbook.
        path: PathBuf,
        /// `考核指标!D7 (items[2].weight)`, or the sheet alone.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// An export profile is invalid or unknown.
    #[error("profile {origin}: {message}")]
    Profile {
        /// The profile file (or the option) that is wrong.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A domain operation failed.
    #[error(transparent)]
    Core(#[from] kpi_core::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An output path that cannot be used, and why.
    pub fn output(path: &std::path::Path, problem: impl Into<String>) -> Self {
        Error::Output {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }

    /// A workbook calamine cannot open or read.
    pub(crate) fn workbook(path: impl Into<PathBuf>, source: impl Into<calamine::Error>) -> Self {
        Error::Workbook {
            path: path.into(),
            source: Box::new(source.into()),
        }
    }

    pub(crate) fn polars(context: impl Into<String>, source: polars::prelude::PolarsError) -> Self {
        Error::Polars {
            context: context.into(),
            source,
        }
    }
}

/// Result of `kpi-io`.
pub type Result<T> = std::result::Result<T, Error>;
