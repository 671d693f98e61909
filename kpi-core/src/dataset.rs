//! A loaded dataset: one polars frame per table of the data contract.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::table::Table;

/// The tables of one dataset, each already typed to the data contract.
///
/// Frames hold canonical columns (ids, text and roles as `String`, dates as
/// `Date`, periods as `YYYY-MM` text, counts and money cents as `Int64`,
/// durations and numbers as `Float64`) plus any extra input columns. Columns
/// whose name starts with `_` are bookkeeping of the reader and ignored here.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    tables: BTreeMap<Table, DataFrame>,
}

impl Dataset {
    /// An empty dataset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a table.
    pub fn insert(&mut self, table: Table, frame: DataFrame) {
        self.tables.insert(table, frame);
    }

    /// Lets the rows of `table` go and keeps its columns (what a scheme's
    /// needs are checked against): for a run that reads nothing of the table
    /// but the monthly metrics already made from it.
    pub fn release_rows(&mut self, table: Table) {
        if let Some(frame) = self.tables.get_mut(&table) {
            *frame = frame.clear();
        }
    }

    /// A table, if the dataset has it.
    pub fn get(&self, table: Table) -> Option<&DataFrame> {
        self.tables.get(&table)
    }

    /// The column names of a table (empty when the table is absent).
    pub fn columns(&self, table: Table) -> Vec<String> {
        self.get(table)
            .map(crate::frame::column_names)
            .unwrap_or_default()
    }

    /// Whether a table has a column.
    pub fn has_column(&self, table: Table, column: &str) -> bool {
        self.get(table)
            .is_some_and(|df| df.get_column_names().iter().any(|c| c.as_str() == column))
    }

    /// The tables present, in contract order.
    pub fn tables(&self) -> impl Iterator<Item = (Table, &DataFrame)> {
        self.tables.iter().map(|(t, df)| (*t, df))
    }

    /// Total rows over all tables.
    pub fn total_rows(&self) -> usize {
        self.tables.values().map(|df| df.height()).sum()
    }
}
