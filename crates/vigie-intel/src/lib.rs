#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod catalog;
pub mod cli;
pub mod cpe;
pub mod feeds;
pub mod ingest;
pub mod inventory;
pub mod matching;
pub mod model;
pub mod names;
pub mod parse;
pub mod product;
pub mod scan;
pub mod version;

pub use catalog::{Catalog, Product};
pub use cpe::Cpe;
pub use ingest::Corpus;
pub use matching::{
    Confidence, Decision, EolFinding, Finding, InventoryItem, Matcher, Priority, ProductRef,
    ThreatContext,
};
pub use model::{Advisory, Source};
pub use parse::ParseError;
pub use version::{compare, Scheme, Version};
