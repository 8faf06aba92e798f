//! The integration suite of vigie-incidents, as one test binary: the regulatory clocks, table by
//! table, and the exports read by real validators.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod clocks;
mod exports;
