-- Surveillance of internet exposure: per-structure and per-region settings (off by default), the
-- scans run by the `scan.structure` job, what each scan observed, and the findings with their
-- lifecycle (new, notified, acknowledged, fixed, reopened).

-- One row per structure (structure_id set) or per region (region_code set). No row = off. A
-- structure's own row wins over its region's.
CREATE TABLE surveillance_settings (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT UNIQUE REFERENCES structures(id) ON DELETE CASCADE,
    region_code TEXT UNIQUE,
    enabled BIGINT NOT NULL DEFAULT 0,
    interval_hours BIGINT NOT NULL DEFAULT 168,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((structure_id IS NULL) <> (region_code IS NULL))
);

-- One scan of one structure. `scope` is the snapshot (JSON) of what it was allowed to contact.
CREATE TABLE scans (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_user_id BIGINT,
    status TEXT NOT NULL DEFAULT 'queued',
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    scope TEXT NOT NULL DEFAULT '{}',
    ports TEXT NOT NULL DEFAULT '',
    targets_count BIGINT NOT NULL DEFAULT 0,
    open_ports_count BIGINT NOT NULL DEFAULT 0,
    findings_count BIGINT NOT NULL DEFAULT 0,
    new_count BIGINT NOT NULL DEFAULT 0,
    fixed_count BIGINT NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX scans_structure ON scans(structure_id, id);
CREATE INDEX scans_status ON scans(status, structure_id);

-- What a scan saw on one open port.
CREATE TABLE scan_observations (
    id BIGSERIAL PRIMARY KEY,
    scan_id BIGINT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    port BIGINT NOT NULL,
    service TEXT NOT NULL DEFAULT '',
    product TEXT,
    version TEXT,
    cpe TEXT,
    tls TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    finding_kinds TEXT NOT NULL DEFAULT ''
);
CREATE INDEX scan_observations_scan ON scan_observations(scan_id, address, port);

-- A finding of a structure, identified across scans by `finding_key` (address:port:type).
CREATE TABLE scan_findings (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    finding_key TEXT NOT NULL,
    address TEXT NOT NULL,
    port BIGINT NOT NULL,
    service TEXT NOT NULL DEFAULT '',
    product TEXT,
    version TEXT,
    severity TEXT NOT NULL,
    severity_rank BIGINT NOT NULL,
    confidence TEXT NOT NULL,
    title_fr TEXT NOT NULL,
    title_en TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    advice_fr TEXT NOT NULL DEFAULT '',
    advice_en TEXT NOT NULL DEFAULT '',
    detail TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    first_seen_scan_id BIGINT,
    last_seen_scan_id BIGINT,
    fixed_in_scan_id BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    notified_at BIGINT,
    fixed_at BIGINT,
    reopened_count BIGINT NOT NULL DEFAULT 0,
    triage_note TEXT,
    triaged_by TEXT,
    triaged_at BIGINT,
    UNIQUE (structure_id, finding_key)
);
CREATE INDEX scan_findings_status ON scan_findings(status, severity_rank);
