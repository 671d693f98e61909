//! End-to-end tests of the `kpi` binary and golden scores of the shipped schemes.

mod analysis;
mod bad_inputs;
mod cli;
mod exports;
mod fixtures;
mod golden;
mod pay;
