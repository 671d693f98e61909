//! Reading `kpi` inputs: dataset directories of CSV, workbook and Parquet
//! files into typed polars frames (with header aliases, messy-cell coercion
//! and a data-quality record), scheme files, and the synthetic datasets of
//! `kpi gen`.
//!
//! Rooms: finding and reading files (`reader`, `grid`, `parse`: one cell
//! at a time, each error with its [`Position`]); platform exports
//! (`profile`, `export`; a new export profile is a TOML file in
//! `profiles/`); the data-quality record (`quality`: each note's place, its
//! typed [`Issue`] and [`Action`]); scheme files (`scheme_file`); writing
//! (`writer`, `export_writer`, all through the all-or-nothing [`Staging`]).
//!
//! ```
//! use kpi_io::parse::{Cell, parse_decimal};
//! use rust_decimal::Decimal;
//!
//! assert_eq!(parse_decimal(Cell::Text("1.2万")).unwrap(), Some(Decimal::from(12_000)));
//! ```
#![warn(missing_docs)]

mod alias;
mod error;
mod export;
mod export_writer;
mod grid;
pub mod parse;
mod profile;
mod quality;
mod reader;
mod scheme_book;
mod scheme_file;
mod staging;
mod synthetic;
mod writer;

pub use alias::{ALIASES, aliases, canonical_column, chinese_header, fold_header};
pub use error::{Error, Position, Result};
pub use export::{FileDate, file_date, month_in, split_nicknames};
pub use export_writer::write_exports;
pub use profile::{
    BUILTIN_PROFILES, NICKNAME_HEADERS, Profile, Profiles, ReadOptions, StoreSource, Target,
    describe,
};
pub use quality::{Action, Issue, QualityNote, Triage, quality_frame};
pub use reader::{
    Approximation, EXTENSIONS, Loaded, read_dataset, read_dataset_with, read_table, read_table_with,
};
pub use scheme_book::{
    Places, check_scheme_book, document_text, is_scheme_book, read_scheme_book, role_metrics,
    scheme_book_text, template_document, write_scheme_book, write_template_book,
};
pub use scheme_file::{
    Finding, check_scheme_file, line_of_key, parse_scheme, read_scheme, scheme_error,
};
pub use staging::Staging;
pub use synthetic::{DailyPart, GenOptions, Synthetic, generate};
pub use writer::{
    DataFormat, HeaderLanguage, Partitioned, ROWS_PER_PART, WriteOptions, stage_dataset,
    stage_partitioned, write_dataset,
};
