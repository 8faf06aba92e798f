#![doc = include_str!("../README.md")]

pub mod address_policy;
pub mod events;
pub mod extract;
pub mod finess;
pub mod geo;
pub mod ght;
pub mod problem;
pub mod role;
pub mod structure;
pub mod upload;
