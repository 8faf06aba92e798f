//! The accounts' tables, for backups. Sessions are not archived: a restored deployment starts
//! with everyone signed out.

use crate::archive::{Table, Ty::I, Ty::S};

/// In restore order (memberships and tokens refer to users).
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "users",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("email", S),
            ("display_name", S),
            ("password_hash", S),
            ("role", S),
            ("region_code", S),
            ("ght_id", I),
            ("locale", S),
            ("totp_secret", S),
            ("totp_enabled", I),
            ("totp_last_step", I),
            ("failed_logins", I),
            ("locked_until", I),
            ("must_change_password", I),
            ("disabled", I),
            ("oidc_issuer", S),
            ("oidc_subject", S),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "user_structures",
        has_serial_id: false,
        columns: &[("user_id", I), ("structure_id", I)],
    },
    Table {
        name: "api_tokens",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("user_id", I),
            ("name", S),
            ("prefix", S),
            ("token_hash", S),
            ("created_at", I),
            ("expires_at", I),
            ("last_used_at", I),
            ("revoked", I),
        ],
    },
];
