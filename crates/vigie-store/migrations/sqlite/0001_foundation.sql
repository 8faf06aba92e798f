-- Vigie foundation schema (SQLite). Timestamps are UTC unix seconds; flags are 0/1 integers
-- so that the one query codebase decodes them identically on both backends.
CREATE TABLE ghts (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    support_structure_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE structures (
    id INTEGER PRIMARY KEY,
    finess_et TEXT NOT NULL UNIQUE,
    finess_ej TEXT,
    name TEXT NOT NULL,
    long_name TEXT NOT NULL DEFAULT '',
    name_search TEXT NOT NULL DEFAULT '',
    category_code TEXT NOT NULL DEFAULT '',
    category_label TEXT NOT NULL DEFAULT '',
    aggregate_code TEXT NOT NULL DEFAULT '',
    legal_family TEXT NOT NULL DEFAULT 'unknown',
    sector TEXT NOT NULL DEFAULT 'other',
    address TEXT NOT NULL DEFAULT '',
    postal_line TEXT NOT NULL DEFAULT '',
    department_code TEXT NOT NULL,
    region_code TEXT NOT NULL,
    ght_id INTEGER REFERENCES ghts(id) ON DELETE SET NULL,
    phone TEXT,
    siret TEXT,
    ose INTEGER NOT NULL DEFAULT 0,
    esr INTEGER NOT NULL DEFAULT 0,
    overseas INTEGER NOT NULL DEFAULT 0,
    is_demo INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'manual',
    finess_updated_on TEXT,
    import_hash TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX structures_region ON structures(region_code, name_search);
CREATE INDEX structures_ght ON structures(ght_id, name_search);
CREATE INDEX structures_name ON structures(name_search);
CREATE INDEX structures_category ON structures(category_code);
CREATE INDEX structures_department ON structures(department_code);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (structure_id, role)
);

CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    attested_by TEXT NOT NULL,
    attested_at INTEGER NOT NULL,
    is_demo INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (structure_id, kind, value)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    region_code TEXT,
    ght_id INTEGER REFERENCES ghts(id) ON DELETE SET NULL,
    locale TEXT NOT NULL DEFAULT 'fr',
    totp_secret TEXT,
    totp_enabled INTEGER NOT NULL DEFAULT 0,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE user_structures (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    structure_id INTEGER NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, structure_id)
);
CREATE INDEX user_structures_structure ON user_structures(structure_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_passed INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    success INTEGER NOT NULL DEFAULT 1,
    ip TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_action ON audit_log(action, at);
CREATE INDEX audit_actor ON audit_log(actor_user_id, at);
-- Append-only: the database itself refuses to change or remove an audit record.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    dedup_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at INTEGER NOT NULL,
    locked_by TEXT,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX jobs_ready ON jobs(status, run_at, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
