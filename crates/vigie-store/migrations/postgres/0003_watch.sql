-- Vulnerability watch: advisories, the records they were built from (hashed for incremental
-- re-ingestion), the product index that finds the inventories an advisory concerns, inventories,
-- alerts and the freshness of each source.

-- One row per CVE id (or other advisory id): the facts used for priorities.
CREATE TABLE watch_advisories (
    id BIGSERIAL PRIMARY KEY,
    ref_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    published TEXT,
    modified TEXT,
    cvss_x10 BIGINT,
    epss_e5 BIGINT,
    kev BIGINT NOT NULL DEFAULT 0,
    kev_date TEXT,
    certfr TEXT NOT NULL DEFAULT '',
    certfr_alert BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX watch_advisories_created ON watch_advisories(created_at);

-- cvss_x10: CVSS base score times 10; epss_e5: EPSS probability times 100000 (integers keep rows
-- identical on both backends and in archives).

-- Each source record as parsed (JSON of the vigie-intel model), with the hash of its content:
-- an unchanged record is skipped at the next ingestion. source: cve, nvd, kev, certfr, eol.
CREATE TABLE watch_records (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    advisory_id BIGINT REFERENCES watch_advisories(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    data TEXT NOT NULL,
    file TEXT,
    ingested_at BIGINT NOT NULL,
    UNIQUE (source, ref_id)
);
CREATE INDEX watch_records_advisory ON watch_records(advisory_id);

-- Product index: which catalogue products an advisory concerns.
CREATE TABLE watch_advisory_products (
    advisory_id BIGINT NOT NULL REFERENCES watch_advisories(id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    PRIMARY KEY (advisory_id, product)
);
CREATE INDEX watch_advisory_products_product ON watch_advisory_products(product);

-- What a structure runs: a catalogue product and a version, where it comes from (form, csv,
-- cyclonedx, scan), where it was seen (location: a host, an appliance name; '' when not said).
CREATE TABLE watch_inventory (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    version TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL,
    exposed BIGINT NOT NULL DEFAULT 0,
    declared_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (structure_id, product, location)
);
CREATE INDEX watch_inventory_product ON watch_inventory(product);

-- Alerts: one per (inventory item, kind, reference). kind: vuln (an advisory) or eol.
CREATE TABLE watch_alerts (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    inventory_id BIGINT REFERENCES watch_inventory(id) ON DELETE SET NULL,
    advisory_id BIGINT REFERENCES watch_advisories(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    product TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    priority BIGINT NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '[]',
    decision TEXT NOT NULL,
    match_source TEXT NOT NULL DEFAULT '',
    confidence TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'new',
    status_reason TEXT,
    auto_closed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    UNIQUE (inventory_id, kind, ref_id)
);
CREATE INDEX watch_alerts_structure ON watch_alerts(structure_id, status);
CREATE INDEX watch_alerts_advisory ON watch_alerts(advisory_id);
CREATE INDEX watch_alerts_created ON watch_alerts(created_at);

-- Freshness of each source.
CREATE TABLE watch_sources (
    source TEXT PRIMARY KEY,
    last_ingest_at BIGINT,
    newest_record TEXT,
    usual_period_days BIGINT NOT NULL,
    records BIGINT NOT NULL DEFAULT 0,
    last_added BIGINT NOT NULL DEFAULT 0,
    last_changed BIGINT NOT NULL DEFAULT 0,
    last_unchanged BIGINT NOT NULL DEFAULT 0,
    last_rejected BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
