//! The pages speak French first, English too, through the presentation layer's catalogues
//! (`vigie-report`, Fluent, with real plural rules), the same the worker's e-mails use.

pub use vigie_report::i18n::{Lang, Tr};
