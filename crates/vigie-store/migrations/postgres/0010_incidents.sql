-- Incidents (issue 14): declarations by the structures, case handling by the CERT and the
-- regional centres, the regulatory clocks each incident owes, its observables, notes, timeline
-- and the people named on it (who alone see TLP:RED and TLP:AMBER+STRICT content).

-- One incident of one structure. Dates are unix seconds (UTC); `time_zone` is the zone the
-- declarant typed them in. `next_deadline` is the earliest deadline of a clock not yet met (with
-- a fixed term), kept by the store for "overdue first".
CREATE TABLE incidents (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft',
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    declarant_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    declarant_name TEXT NOT NULL DEFAULT '',
    declarant_email TEXT NOT NULL DEFAULT '',
    declarant_phone TEXT NOT NULL DEFAULT '',
    occurred_at BIGINT,
    detected_at BIGINT NOT NULL,
    declared_at BIGINT,
    time_zone TEXT NOT NULL DEFAULT 'Europe/Paris',
    state TEXT NOT NULL DEFAULT 'ongoing',
    systems TEXT NOT NULL DEFAULT '',
    sites TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'undetermined',
    incident_type TEXT NOT NULL DEFAULT 'undetermined',
    care_impact TEXT NOT NULL DEFAULT 'none',
    data_availability BIGINT NOT NULL DEFAULT 0,
    data_integrity BIGINT NOT NULL DEFAULT 0,
    data_confidentiality BIGINT NOT NULL DEFAULT 0,
    operations_impact TEXT NOT NULL DEFAULT 'none',
    significant BIGINT NOT NULL DEFAULT 0,
    personal_data BIGINT NOT NULL DEFAULT 0,
    support_requested BIGINT NOT NULL DEFAULT 0,
    cnil_notified_at BIGINT,
    anssi_notified_at BIGINT,
    complaint_filed BIGINT NOT NULL DEFAULT 0,
    tlp TEXT NOT NULL DEFAULT 'amber',
    pap TEXT NOT NULL DEFAULT 'amber',
    severity TEXT,
    severity_rank BIGINT NOT NULL DEFAULT 0,
    major BIGINT NOT NULL DEFAULT 0,
    assignee_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    source_finding_id BIGINT REFERENCES scan_findings(id) ON DELETE SET NULL,
    source_alert_id BIGINT REFERENCES watch_alerts(id) ON DELETE SET NULL,
    next_deadline BIGINT,
    triaged_at BIGINT,
    contained_at BIGINT,
    closed_at BIGINT,
    created_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX incidents_structure ON incidents(structure_id, id);
CREATE INDEX incidents_queue ON incidents(status, next_deadline, id);
CREATE INDEX incidents_deadline ON incidents(next_deadline, id);
CREATE INDEX incidents_severity ON incidents(severity_rank, status, id);

-- The people named on a case: its declarant, its assignees, those a named person added.
CREATE TABLE incident_people (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    UNIQUE (incident_id, user_id)
);
CREATE INDEX incident_people_user ON incident_people(user_id, incident_id);

-- The notifications an incident owes (computed from its facts by vigie-incidents' rules).
CREATE TABLE incident_clocks (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    authority TEXT NOT NULL,
    legal_reference TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    deadline BIGINT NOT NULL,
    without_delay BIGINT NOT NULL DEFAULT 0,
    provisional BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT,
    UNIQUE (incident_id, rule_id)
);
CREATE INDEX incident_clocks_deadline ON incident_clocks(deadline, done_at);

-- What happened on the case, in order.
CREATE TABLE incident_events (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    actor_user_id BIGINT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);

-- Notes: the conversation with the structure, and the analysts' internal notes.
CREATE TABLE incident_notes (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    author TEXT NOT NULL,
    author_user_id BIGINT,
    internal BIGINT NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes(incident_id, id);

-- Observables and indicators of compromise, each with its own TLP.
CREATE TABLE incident_observables (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    uuid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    tlp TEXT NOT NULL,
    is_indicator BIGINT NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    seen_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (incident_id, kind, value)
);

-- A structure's designations as the clocks read them (NIS 2 class, controller of the personal
-- data it holds). Without a row: essential if the structure is an OSE, controller.
CREATE TABLE incident_designations (
    structure_id BIGINT PRIMARY KEY REFERENCES structures(id) ON DELETE CASCADE,
    nis2_entity TEXT,
    data_controller BIGINT NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
