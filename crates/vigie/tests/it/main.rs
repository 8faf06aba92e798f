//! The binary's integration tests, in one test binary (one link of sqlx, axum and the engines):
//! worker processes and the job queue, backups, configuration, the demo, e-mail and webhook
//! delivery through a real SMTP server, surveillance scans of loopback services, the watch end to
//! end, and the browser tests in headless Chromium.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cli;
mod common;
mod demo;
mod diagnostics;
mod e2e;
mod notify;
mod observatory;
mod scan_advisories;
mod surveillance;
mod ux_browser;
mod watch_e2e;
