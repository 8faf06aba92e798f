//! The integration suite of vigie-web, as one test binary (one link of sqlx and axum instead of
//! one per file): the real server on a free loopback port, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod account;
mod common;
mod dashboard;
mod evidence;
mod exposure;
mod hardening;
mod inbox;
mod incidents;
mod login;
mod matrix;
mod observatory;
mod oidc;
mod openapi;
mod pages;
mod search;
mod ux;
mod watch;
