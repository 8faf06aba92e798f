#![doc = include_str!("../README.md")]

pub mod history;
pub mod model;
pub mod opendata;
pub mod period;

pub use model::{Grouped, Observatory};
pub use period::{Period, Territory};
