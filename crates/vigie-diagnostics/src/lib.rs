#![doc = include_str!("../README.md")]

pub mod questionnaire;
pub mod scoring;

pub use questionnaire::{
    Answer, Choice, Effort, Library, Question, Questionnaire, Recommendation, Text, Theme,
    ValidationError,
};
pub use scoring::{compare, score, Answers, Measure, Score, ThemeComparison, ThemeScore};

/// How many recommendations are the priority measures of a diagnostic.
pub const PRIORITY_MEASURES: usize = 6;
