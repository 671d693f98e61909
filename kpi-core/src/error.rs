//! Errors of the domain layer.

/// An error of `kpi-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A polars operation failed.
    #[error("data frame operation failed")]
    Polars(#[from] polars::prelude::PolarsError),
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
}

/// Result of `kpi-core`.
pub type Result<T> = std::result::Result<T, Error>;
