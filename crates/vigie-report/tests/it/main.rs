//! The integration suite of vigie-report, as one test binary: the catalogues of both languages,
//! the charts, the PDF read back by poppler, templates rendering with the translator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod catalogues;
mod charts;
mod pdf;
mod templates;
