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
pub use uuid::Uuid;

/// A random (version 4) uuid from 16 random bytes the caller drew.
pub fn uuid_from_random(bytes: [u8; 16]) -> Uuid {
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
