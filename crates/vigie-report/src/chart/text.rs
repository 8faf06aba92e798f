//! Measuring the charts' text for SVG.

use crate::metrics;

/// Text width for laying out SVG: Helvetica's metrics and some room, since a screen without
/// Helvetica or Arial draws a wider sans-serif (DejaVu Sans is about 10 % wider).
pub(crate) fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    metrics::text_width(s, size, bold) * 1.12
}

/// `s` cut with an ellipsis to fit `width` (with the room [`text_width`] leaves).
pub(crate) fn fit(s: &str, width: f32, size: f32) -> String {
    metrics::fit(s, width, |t| text_width(t, size, false))
}
