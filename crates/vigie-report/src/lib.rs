#![doc = include_str!("../README.md")]

pub mod email;
pub mod i18n;

pub use i18n::{Lang, Tr};
