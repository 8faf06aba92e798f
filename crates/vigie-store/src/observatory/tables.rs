//! The observatory's tables, for backups.

use crate::archive::{Table, Ty::I, Ty::S};

pub(crate) const TABLES: &[Table] = &[Table {
    name: "observatory_history",
    has_serial_id: true,
    columns: &[
        ("id", I),
        ("external_id", S),
        ("declared_at", I),
        ("utc_offset", I),
        ("occurred_at", I),
        ("detected_at", I),
        ("region_code", S),
        ("sector", S),
        ("origin", S),
        ("incident_type", S),
        ("state", S),
        ("care_impact", S),
        ("operations_impact", S),
        ("support_requested", I),
        ("major", I),
        ("support_given", I),
        ("imported_at", I),
        ("imported_by", S),
    ],
}];
