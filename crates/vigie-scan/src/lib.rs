#![doc = include_str!("../README.md")]

pub mod cli;
pub mod discovery;
pub mod findings;
pub mod liveness;
pub mod medical;
pub mod net;
pub mod output;
pub mod platform;
pub mod ports;
pub mod probe;
pub mod rules;
pub mod scan;
pub mod scope;
pub mod syn;
pub mod targets;
pub mod tls;
pub mod versions;
pub mod wire;

pub use discovery::{DiscoveryOptions, PortResult, PortState};
pub use findings::{diff, Finding, FindingKind, ScanDiff, Severity};
pub use liveness::{GivenUp, HostState, HostStatus, LivenessOptions};
pub use net::RateLimits;
pub use ports::PortSet;
pub use probe::{ProbeOptions, Service};
pub use rules::RuleSet;
pub use scan::{scan, DiscoveryMethod, ScanRequest, ScanResult};
pub use scope::{DeclaredAsset, Scope, ScopeError};
