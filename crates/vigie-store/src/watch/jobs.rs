//! The watch's jobs: ingesting a document, queueing the weekly bulletins.

use serde::{Deserialize, Serialize};

use crate::jobs::JobSpec;

/// `watch.ingest` `{"path": "/data/kev.json"}` or `{"url": "https://…"}`: ingests a file, a
/// folder (one document at a time) or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ingest {
    Path(String),
    Url(String),
}

impl JobSpec for Ingest {
    const NAME: &'static str = "watch.ingest";
}

/// `watch.bulletin` `{}` or `{"week": "2026-W47"}`: queues the bulletins of a week (by default
/// the one that just ended). One copy queued at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bulletin {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<String>,
}

impl JobSpec for Bulletin {
    const NAME: &'static str = "watch.bulletin";

    fn dedup_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payloads are today's, which queued jobs and the binary's handlers read.
    #[test]
    fn payloads_keep_their_shape() {
        let json = |v: serde_json::Result<String>| v.expect("json");
        assert_eq!(
            json(serde_json::to_string(&Ingest::Path("/d/kev.json".into()))),
            r#"{"path":"/d/kev.json"}"#
        );
        assert_eq!(
            json(serde_json::to_string(&Ingest::Url("https://x/y".into()))),
            r#"{"url":"https://x/y"}"#
        );
        assert_eq!(json(serde_json::to_string(&Bulletin::default())), "{}");
        assert_eq!(
            json(serde_json::to_string(&Bulletin {
                week: Some("2026-W47".into())
            })),
            r#"{"week":"2026-W47"}"#
        );
        let back: Ingest = serde_json::from_str(r#"{"path":"/d"}"#).expect("path");
        assert_eq!(back, Ingest::Path("/d".into()));
    }
}
