-- Surveillance of internet exposure: per-structure and per-region settings (off by default), the
-- scans run by the `scan.structure` job, what each scan observed, and the findings with their
-- lifecycle (new, notified, acknowledged, fixed, reopened).

-- One row per structure (structure_id set) or per region (region_code set). No row = off. A
-- structure's own row wins over its region's.
CREATE TABLE surveillance_settings (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER UNIQUE REFERENCES structures(id) ON DELETE CASCADE,
    region_code TEXT UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 0,
    interval_hours INTEGER NOT NULL DEFAULT 168,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((structure_id IS NULL) <> (region_code IS NULL))
);

-- One scan of one structure. `scope` is the snapshot (JSON) of what it was allowed to contact.
CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_user_id INTEGER,
    status TEXT NOT NULL DEFAULT 'queued',
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    scope TEXT NOT NULL DEFAULT '{}',
    ports TEXT NOT NULL DEFAULT '',
    targets_count INTEGER NOT NULL DEFAULT 0,
    open_ports_count INTEGER NOT NULL DEFAULT 0,
    findings_count INTEGER NOT NULL DEFAULT 0,
    new_count INTEGER NOT NULL DEFAULT 0,
    fixed_count INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX scans_structure ON scans(structure_id, id);
CREATE INDEX scans_status ON scans(status, structure_id);

-- What a scan saw on one open port.
CREATE TABLE scan_observations (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
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
    id INTEGER PRIMARY KEY,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    finding_key TEXT NOT NULL,
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
    service TEXT NOT NULL DEFAULT '',
    product TEXT,
    version TEXT,
    severity TEXT NOT NULL,
    severity_rank INTEGER NOT NULL,
    confidence TEXT NOT NULL,
    title_fr TEXT NOT NULL,
    title_en TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '',
    advice_fr TEXT NOT NULL DEFAULT '',
    advice_en TEXT NOT NULL DEFAULT '',
    detail TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    first_seen_scan_id INTEGER,
    last_seen_scan_id INTEGER,
    fixed_in_scan_id INTEGER,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    notified_at INTEGER,
    fixed_at INTEGER,
    reopened_count INTEGER NOT NULL DEFAULT 0,
    triage_note TEXT,
    triaged_by TEXT,
    triaged_at INTEGER,
    UNIQUE (structure_id, finding_key)
);
CREATE INDEX scan_findings_status ON scan_findings(status, severity_rank);
