//! The integration suite of vigie-scan, as one test binary: the network-namespace lab (as root),
//! its benchmark against nmap (ignored unless asked: `benches/run.sh`), and the Recog import.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod bench_lab;
mod lab;
mod lab_scan;
mod recog_import;
