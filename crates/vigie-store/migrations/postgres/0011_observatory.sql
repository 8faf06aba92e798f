-- The observatory (issue 15): past declarations imported from a CSV (no structure identity), and
-- the indexes that let the observatory count a million declarations in SQL.

-- Covering index of the declarations (never drafts) by declaration time: every count of the
-- observatory reads this index alone, over the period's range.
CREATE INDEX incidents_observatory ON incidents(declared_at, structure_id, origin, incident_type,
    state, care_impact, operations_impact, support_requested, major, occurred_at, detected_at)
    WHERE status <> 'draft';

-- One past declaration, imported: its identifier in the former register, its times (unix
-- seconds; the offset the file gave), its region and kind of structure, its taxonomy and
-- impacts ('unspecified' when the file gave only yes/no), who imported it and when.
CREATE TABLE observatory_history (
    id BIGSERIAL PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    declared_at BIGINT NOT NULL,
    utc_offset BIGINT NOT NULL DEFAULT 0,
    occurred_at BIGINT,
    detected_at BIGINT,
    region_code TEXT NOT NULL,
    sector TEXT NOT NULL,
    origin TEXT NOT NULL,
    incident_type TEXT NOT NULL,
    state TEXT NOT NULL,
    care_impact TEXT NOT NULL,
    operations_impact TEXT NOT NULL,
    support_requested BIGINT NOT NULL DEFAULT 0,
    major BIGINT NOT NULL DEFAULT 0,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE INDEX observatory_history_declared ON observatory_history(declared_at, region_code, sector,
    origin, incident_type, state, care_impact, operations_impact, support_requested, major,
    occurred_at, detected_at);
