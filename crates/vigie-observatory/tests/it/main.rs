//! The observatory engine's properties.

mod opendata;
