-- The observatory over long ranges (issue 15): counts kept per local month and per local year
-- (the roll-up), the days whose counts may be stale (marked by triggers in the transaction of
-- every write that changes what the observatory counts), and the technical support the CERT
-- gave (a key figure: structures given technical support).

ALTER TABLE incidents ADD COLUMN support_given BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN support_given_at BIGINT;
ALTER TABLE observatory_history ADD COLUMN support_given BIGINT NOT NULL DEFAULT 0;

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
CREATE TABLE observatory_dirty (day BIGINT PRIMARY KEY);

-- Per local month (year * 12 + month - 1) and per region, GHT (none for imported declarations)
-- and kind of structure: the key counts.
CREATE TABLE observatory_rollup_months (
    start BIGINT NOT NULL,
    region_code TEXT,
    ght_id BIGINT,
    sector TEXT NOT NULL,
    n BIGINT NOT NULL,
    malicious BIGINT NOT NULL,
    care BIGINT NOT NULL,
    ops_none BIGINT NOT NULL,
    support BIGINT NOT NULL,
    major BIGINT NOT NULL,
    ransomware BIGINT NOT NULL
);
CREATE INDEX observatory_rollup_months_cells ON observatory_rollup_months(start, region_code,
    ght_id, sector, n, malicious, care, ops_none, support, major, ransomware);

-- Per local month (span 1) and per local year (span 12, start its January), per region and GHT:
-- one breakdown's cells (dim: week with m = weekday * 24 + hour; type with k1 the origin and k2
-- the type; state, care, operations with k1 the value; detect and declare with m the minutes).
CREATE TABLE observatory_rollup (
    span BIGINT NOT NULL,
    start BIGINT NOT NULL,
    dim TEXT NOT NULL,
    region_code TEXT,
    ght_id BIGINT,
    k1 TEXT NOT NULL,
    k2 TEXT NOT NULL,
    m BIGINT NOT NULL,
    n BIGINT NOT NULL
);
CREATE INDEX observatory_rollup_cells ON observatory_rollup(dim, span, start, region_code, ght_id,
    k1, k2, m, n);

-- The triggers mark days per statement (a bulk insert marks each day once).
CREATE FUNCTION observatory_mark_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO observatory_dirty (day)
        SELECT DISTINCT declared_at / 86400 FROM new_rows
        WHERE declared_at IS NOT NULL AND status <> 'draft'
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION observatory_mark_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO observatory_dirty (day)
        SELECT DISTINCT declared_at / 86400 FROM old_rows
        WHERE declared_at IS NOT NULL AND status <> 'draft'
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE FUNCTION observatory_mark_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO observatory_dirty (day)
        SELECT DISTINCT d FROM (
            SELECT o.declared_at / 86400 AS o_day, n.declared_at / 86400 AS n_day
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.status = 'draft') IS DISTINCT FROM (n.status = 'draft')
               OR o.declared_at IS DISTINCT FROM n.declared_at
               OR o.structure_id IS DISTINCT FROM n.structure_id
               OR o.origin IS DISTINCT FROM n.origin
               OR o.incident_type IS DISTINCT FROM n.incident_type
               OR o.state IS DISTINCT FROM n.state
               OR o.care_impact IS DISTINCT FROM n.care_impact
               OR o.operations_impact IS DISTINCT FROM n.operations_impact
               OR o.support_requested IS DISTINCT FROM n.support_requested
               OR o.major IS DISTINCT FROM n.major
               OR o.occurred_at IS DISTINCT FROM n.occurred_at
               OR o.detected_at IS DISTINCT FROM n.detected_at
               OR o.support_given IS DISTINCT FROM n.support_given
        ) c CROSS JOIN LATERAL (VALUES (c.o_day), (c.n_day)) v(d)
        WHERE d IS NOT NULL
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER observatory_incident_insert AFTER INSERT ON incidents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION observatory_mark_inserted();
CREATE TRIGGER observatory_incident_update AFTER UPDATE ON incidents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION observatory_mark_updated();
CREATE TRIGGER observatory_incident_delete AFTER DELETE ON incidents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION observatory_mark_deleted();

CREATE FUNCTION observatory_mark_structure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.region_code IS DISTINCT FROM NEW.region_code OR OLD.ght_id IS DISTINCT FROM NEW.ght_id
       OR OLD.sector IS DISTINCT FROM NEW.sector THEN
        INSERT INTO observatory_dirty (day)
            SELECT DISTINCT declared_at / 86400 FROM incidents
            WHERE structure_id = NEW.id AND status <> 'draft' AND declared_at IS NOT NULL
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER observatory_structure_update AFTER UPDATE ON structures
    FOR EACH ROW EXECUTE FUNCTION observatory_mark_structure();

CREATE FUNCTION observatory_mark_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO observatory_dirty (day) VALUES (OLD.declared_at / 86400) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO observatory_dirty (day) VALUES (NEW.declared_at / 86400) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER observatory_history_change AFTER INSERT OR UPDATE OR DELETE ON observatory_history
    FOR EACH ROW EXECUTE FUNCTION observatory_mark_history();

-- Everything declared so far is counted from the declarations until the first refresh.
INSERT INTO observatory_dirty (day)
    SELECT declared_at / 86400 FROM incidents
    WHERE declared_at IS NOT NULL AND status <> 'draft'
    UNION SELECT declared_at / 86400 FROM observatory_history;
