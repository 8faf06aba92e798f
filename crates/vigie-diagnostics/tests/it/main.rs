//! The integration suite of vigie-diagnostics: the questionnaire files checked, and scoring
//! table by table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod files;
mod scoring;
