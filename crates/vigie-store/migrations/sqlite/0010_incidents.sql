-- Incidents (issue 14): declarations by the structures, case handling by the CERT and the
-- regional centres, the regulatory clocks each incident owes, its observables, notes, timeline
-- and the people named on it (who alone see TLP:RED and TLP:AMBER+STRICT content).

-- One incident of one structure. Dates are unix seconds (UTC); `time_zone` is the zone the
-- declarant typed them in. `next_deadline` is the earliest deadline of a clock not yet met (with
-- a fixed term), kept by the store for "overdue first".
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'draft',
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    declarant_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    declarant_name TEXT NOT NULL DEFAULT '',
    declarant_email TEXT NOT NULL DEFAULT '',
    declarant_phone TEXT NOT NULL DEFAULT '',
    occurred_at INTEGER,
    detected_at INTEGER NOT NULL,
    declared_at INTEGER,
    time_zone TEXT NOT NULL DEFAULT 'Europe/Paris',
    state TEXT NOT NULL DEFAULT 'ongoing',
    systems TEXT NOT NULL DEFAULT '',
    sites TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'undetermined',
    incident_type TEXT NOT NULL DEFAULT 'undetermined',
    care_impact TEXT NOT NULL DEFAULT 'none',
    data_availability INTEGER NOT NULL DEFAULT 0,
    data_integrity INTEGER NOT NULL DEFAULT 0,
    data_confidentiality INTEGER NOT NULL DEFAULT 0,
    operations_impact TEXT NOT NULL DEFAULT 'none',
    significant INTEGER NOT NULL DEFAULT 0,
    personal_data INTEGER NOT NULL DEFAULT 0,
    support_requested INTEGER NOT NULL DEFAULT 0,
    cnil_notified_at INTEGER,
    anssi_notified_at INTEGER,
    complaint_filed INTEGER NOT NULL DEFAULT 0,
    tlp TEXT NOT NULL DEFAULT 'amber',
    pap TEXT NOT NULL DEFAULT 'amber',
    severity TEXT,
    severity_rank INTEGER NOT NULL DEFAULT 0,
    major INTEGER NOT NULL DEFAULT 0,
    assignee_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    source_finding_id INTEGER REFERENCES scan_findings(id) ON DELETE SET NULL,
    source_alert_id INTEGER REFERENCES watch_alerts(id) ON DELETE SET NULL,
    next_deadline INTEGER,
    triaged_at INTEGER,
    contained_at INTEGER,
    closed_at INTEGER,
    created_by_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX incidents_structure ON incidents(structure_id, id);
CREATE INDEX incidents_queue ON incidents(status, next_deadline, id);
CREATE INDEX incidents_deadline ON incidents(next_deadline, id);
CREATE INDEX incidents_severity ON incidents(severity_rank, status, id);

-- The people named on a case: its declarant, its assignees, those a named person added.
CREATE TABLE incident_people (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    UNIQUE (incident_id, user_id)
);
CREATE INDEX incident_people_user ON incident_people(user_id, incident_id);

-- The notifications an incident owes (computed from its facts by vigie-incidents' rules).
CREATE TABLE incident_clocks (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    authority TEXT NOT NULL,
    legal_reference TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    deadline INTEGER NOT NULL,
    without_delay INTEGER NOT NULL DEFAULT 0,
    provisional INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    UNIQUE (incident_id, rule_id)
);
CREATE INDEX incident_clocks_deadline ON incident_clocks(deadline, done_at);

-- What happened on the case, in order.
CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_user_id INTEGER,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);

-- Notes: the conversation with the structure, and the analysts' internal notes.
CREATE TABLE incident_notes (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    author TEXT NOT NULL,
    author_user_id INTEGER,
    internal INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE INDEX incident_notes_incident ON incident_notes(incident_id, id);

-- Observables and indicators of compromise, each with its own TLP.
CREATE TABLE incident_observables (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    uuid TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    tlp TEXT NOT NULL,
    is_indicator INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    seen_at INTEGER,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (incident_id, kind, value)
);

-- A structure's designations as the clocks read them (NIS 2 class, controller of the personal
-- data it holds). Without a row: essential if the structure is an OSE, controller.
CREATE TABLE incident_designations (
    structure_id INTEGER PRIMARY KEY REFERENCES structures(id) ON DELETE CASCADE,
    nis2_entity TEXT,
    data_controller INTEGER NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
