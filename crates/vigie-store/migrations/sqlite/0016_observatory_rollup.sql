-- The observatory over long ranges (issue 15): counts kept per local month and per local year
-- (the roll-up), the days whose counts may be stale (marked by triggers in the transaction of
-- every write that changes what the observatory counts), and the technical support the CERT
-- gave (a key figure: structures given technical support).

ALTER TABLE incidents ADD COLUMN support_given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN support_given_at INTEGER;
ALTER TABLE observatory_history ADD COLUMN support_given INTEGER NOT NULL DEFAULT 0;

DROP INDEX incidents_observatory;
CREATE INDEX incidents_observatory ON incidents(declared_at, structure_id, origin, incident_type,
    state, care_impact, operations_impact, support_requested, major, occurred_at, detected_at,
    support_given)
    WHERE status <> 'draft';
-- The structures that declared in a period, one seek per structure over long periods.
CREATE INDEX incidents_structure_declared ON incidents(structure_id, declared_at)
    WHERE status <> 'draft';
CREATE INDEX incidents_structure_supported ON incidents(structure_id, declared_at)
    WHERE status <> 'draft' AND support_given = 1;
DROP INDEX observatory_history_declared;
CREATE INDEX observatory_history_declared ON observatory_history(declared_at, region_code, sector,
    origin, incident_type, state, care_impact, operations_impact, support_requested, major,
    occurred_at, detected_at, support_given);

-- UTC days (unix seconds / 86400) of declarations whose roll-up may be stale: the months they
-- meet are counted from the declarations until the roll-up is refreshed.
CREATE TABLE observatory_dirty (day INTEGER PRIMARY KEY);

-- Per local month (year * 12 + month - 1) and per region, GHT (none for imported declarations)
-- and kind of structure: the key counts.
CREATE TABLE observatory_rollup_months (
    start INTEGER NOT NULL,
    region_code TEXT,
    ght_id INTEGER,
    sector TEXT NOT NULL,
    n INTEGER NOT NULL,
    malicious INTEGER NOT NULL,
    care INTEGER NOT NULL,
    ops_none INTEGER NOT NULL,
    support INTEGER NOT NULL,
    major INTEGER NOT NULL,
    ransomware INTEGER NOT NULL
);
CREATE INDEX observatory_rollup_months_cells ON observatory_rollup_months(start, region_code,
    ght_id, sector, n, malicious, care, ops_none, support, major, ransomware);

-- Per local month (span 1) and per local year (span 12, start its January), per region and GHT:
-- one breakdown's cells (dim: week with m = weekday * 24 + hour; type with k1 the origin and k2
-- the type; state, care, operations with k1 the value; detect and declare with m the minutes).
CREATE TABLE observatory_rollup (
    span INTEGER NOT NULL,
    start INTEGER NOT NULL,
    dim TEXT NOT NULL,
    region_code TEXT,
    ght_id INTEGER,
    k1 TEXT NOT NULL,
    k2 TEXT NOT NULL,
    m INTEGER NOT NULL,
    n INTEGER NOT NULL
);
CREATE INDEX observatory_rollup_cells ON observatory_rollup(dim, span, start, region_code, ght_id,
    k1, k2, m, n);

CREATE TRIGGER observatory_incident_insert AFTER INSERT ON incidents
WHEN NEW.declared_at IS NOT NULL AND NEW.status <> 'draft'
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (NEW.declared_at / 86400);
END;

CREATE TRIGGER observatory_incident_update AFTER UPDATE ON incidents
WHEN (OLD.declared_at IS NOT NULL OR NEW.declared_at IS NOT NULL) AND (
    (OLD.status = 'draft') IS NOT (NEW.status = 'draft') OR OLD.declared_at IS NOT NEW.declared_at
    OR OLD.structure_id IS NOT NEW.structure_id OR OLD.origin IS NOT NEW.origin
    OR OLD.incident_type IS NOT NEW.incident_type OR OLD.state IS NOT NEW.state
    OR OLD.care_impact IS NOT NEW.care_impact OR OLD.operations_impact IS NOT NEW.operations_impact
    OR OLD.support_requested IS NOT NEW.support_requested OR OLD.major IS NOT NEW.major
    OR OLD.occurred_at IS NOT NEW.occurred_at OR OLD.detected_at IS NOT NEW.detected_at
    OR OLD.support_given IS NOT NEW.support_given)
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day)
        SELECT OLD.declared_at / 86400 WHERE OLD.declared_at IS NOT NULL;
    INSERT OR IGNORE INTO observatory_dirty (day)
        SELECT NEW.declared_at / 86400 WHERE NEW.declared_at IS NOT NULL;
END;

CREATE TRIGGER observatory_incident_delete AFTER DELETE ON incidents
WHEN OLD.declared_at IS NOT NULL AND OLD.status <> 'draft'
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (OLD.declared_at / 86400);
END;

CREATE TRIGGER observatory_structure_update AFTER UPDATE ON structures
WHEN OLD.region_code IS NOT NEW.region_code OR OLD.ght_id IS NOT NEW.ght_id
    OR OLD.sector IS NOT NEW.sector
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day)
        SELECT DISTINCT declared_at / 86400 FROM incidents
        WHERE structure_id = NEW.id AND status <> 'draft' AND declared_at IS NOT NULL;
END;

CREATE TRIGGER observatory_history_insert AFTER INSERT ON observatory_history
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (NEW.declared_at / 86400);
END;

CREATE TRIGGER observatory_history_update AFTER UPDATE ON observatory_history
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (OLD.declared_at / 86400);
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (NEW.declared_at / 86400);
END;

CREATE TRIGGER observatory_history_delete AFTER DELETE ON observatory_history
BEGIN
    INSERT OR IGNORE INTO observatory_dirty (day) VALUES (OLD.declared_at / 86400);
END;

-- Everything declared so far is counted from the declarations until the first refresh.
INSERT OR IGNORE INTO observatory_dirty (day)
    SELECT DISTINCT declared_at / 86400 FROM incidents
    WHERE declared_at IS NOT NULL AND status <> 'draft'
    UNION SELECT DISTINCT declared_at / 86400 FROM observatory_history;
