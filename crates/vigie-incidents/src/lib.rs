#![doc = include_str!("../README.md")]

pub mod clock;
pub mod incident;
pub mod marking;
pub mod misp;
mod names;
pub mod rules;
pub mod stix;
pub mod taxonomy;

pub use names::UnknownName;
