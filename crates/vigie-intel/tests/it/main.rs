//! The integration suite of vigie-intel, as one test binary: the corpus of real decisions (the
//! records in `../shared/data`), the open product model, matching, and property tests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;
mod corpus;
mod corpus_open;
mod matching;
mod open_model;
mod props;
