#![doc = include_str!("../README.md")]

pub mod chart;
pub mod email;
pub mod i18n;
mod metrics;
pub mod pdf;

pub use chart::{Chart, Table};
pub use i18n::{Lang, Tr};
