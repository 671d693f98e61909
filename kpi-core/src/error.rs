//! Errors of the domain layer.

/// An error of `kpi-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A polars operation failed.
    #[error("data frame operation failed")]
    Polars(#[from] polars::prelude::PolarsError),
    /// A polars operation failed while computing something named.
    #[error("{what}")]
    Frame {
        /// What was being computed, with its table and column
        /// (`reading employees.coefficient`).
        what: String,
        /// The polars error.
        #[source]
        source: polars::prelude::PolarsError,
    },
    /// The scheme cannot be scored as written.
    #[error("scheme key `{path}`: {message}")]
    Scheme {
        /// Key path into the scheme document.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A scheme needs data the dataset does not have.
    #[error(
        "scheme key `{path}` needs column `{column}` of table `{table}`, which the dataset lacks"
    )]
    MissingColumn {
        /// Key path into the scheme document.
        path: String,
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// An amount could not be computed exactly: a product or quotient of
    /// the scheme's rates and the data went past 128-bit integers.
    #[error(
        "pay `{what}` of employee {employee_id} in {period}: the exact amount is out of range (beyond 38 digits); check the rates and amounts of the scheme and the data"
    )]
    OutOfRange {
        /// The component id, or the total (`gross`).
        what: String,
        /// Employee id.
        employee_id: String,
        /// `YYYY-MM`.
        period: String,
    },
    /// A column's values add up past what exact 64-bit integers hold, so
    /// its sums cannot be exact.
    #[error(
        "the values of `{table}.{column}` add up past 9.2×10^18 {unit}: too large to sum exactly; check the column for a mistyped value"
    )]
    SumOverflow {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its stored unit (`cents`).
        unit: &'static str,
    },
}

/// Result of `kpi-core`.
pub type Result<T> = std::result::Result<T, Error>;

/// The scheme key `path` needs `column` of `table`, which the dataset lacks.
pub(crate) fn lacks(
    path: impl Into<String>,
    table: crate::table::Table,
    column: impl AsRef<str>,
) -> Option<Error> {
    Some(Error::MissingColumn {
        path: path.into(),
        table: table.name().into(),
        column: column.as_ref().into(),
    })
}

impl Error {
    /// A bare polars error as one naming what was being computed; other
    /// errors as they are.
    pub(crate) fn within(self, what: &str) -> Error {
        match self {
            Error::Polars(source) => Error::Frame {
                what: what.to_string(),
                source,
            },
            other => other,
        }
    }
}

/// Names what a polars operation was computing, for its error.
pub(crate) trait During<T> {
    /// The result, its error saying what was being computed.
    fn during(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> During<T> for std::result::Result<T, polars::prelude::PolarsError> {
    fn during(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::Frame {
            what: what(),
            source,
        })
    }
}
