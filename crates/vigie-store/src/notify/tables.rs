//! The outbox's tables, for backups.

use crate::archive::{Table, Ty::I, Ty::S};

/// In restore order (notifications refer to webhooks; a person's notifications and preferences
/// to their account, restored before by the accounts' tables).
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "webhooks",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("name", S),
            ("url", S),
            ("secret", S),
            ("region_code", S),
            ("ght_id", I),
            ("structure_id", I),
            ("events", S),
            ("active", I),
            ("created_by", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "notifications",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("event", S),
            ("channel", S),
            ("recipient", S),
            ("webhook_id", I),
            ("subject", S),
            ("body_text", S),
            ("body_html", S),
            ("payload", S),
            ("link", S),
            ("dedup_key", S),
            ("lang", S),
            ("status", S),
            ("attempts", I),
            ("last_error", S),
            ("created_at", I),
            ("sent_at", I),
        ],
    },
    Table {
        name: "user_notifications",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("user_id", I),
            ("structure_id", I),
            ("event", S),
            ("payload", S),
            ("link", S),
            ("dedup_key", S),
            ("created_at", I),
            ("read_at", I),
        ],
    },
    Table {
        name: "notification_prefs",
        has_serial_id: false,
        columns: &[("user_id", I), ("kind", S), ("email", I), ("updated_at", I)],
    },
];
