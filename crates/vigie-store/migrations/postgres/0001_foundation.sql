-- Vigie foundation schema (PostgreSQL). Timestamps are UTC unix seconds; flags are 0/1 integers
-- so that the one query codebase decodes them identically on both backends.
CREATE TABLE ghts (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_code TEXT NOT NULL,
    support_structure_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE structures (
    id BIGSERIAL PRIMARY KEY,
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
    ght_id BIGINT REFERENCES ghts(id) ON DELETE SET NULL,
    phone TEXT,
    siret TEXT,
    ose BIGINT NOT NULL DEFAULT 0,
    esr BIGINT NOT NULL DEFAULT 0,
    overseas BIGINT NOT NULL DEFAULT 0,
    is_demo BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'manual',
    finess_updated_on TEXT,
    import_hash TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX structures_region ON structures(region_code, name_search);
CREATE INDEX structures_ght ON structures(ght_id, name_search);
CREATE INDEX structures_name ON structures(name_search);
CREATE INDEX structures_category ON structures(category_code);
CREATE INDEX structures_department ON structures(department_code);

CREATE TABLE contacts (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    updated_at BIGINT NOT NULL,
    UNIQUE (structure_id, role)
);

CREATE TABLE assets (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    attested_by TEXT NOT NULL,
    attested_at BIGINT NOT NULL,
    is_demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (structure_id, kind, value)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    region_code TEXT,
    ght_id BIGINT REFERENCES ghts(id) ON DELETE SET NULL,
    locale TEXT NOT NULL DEFAULT 'fr',
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT NOT NULL DEFAULT 0,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    disabled BIGINT NOT NULL DEFAULT 0,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (oidc_issuer, oidc_subject)
);

CREATE TABLE user_structures (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    structure_id BIGINT NOT NULL REFERENCES structures(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, structure_id)
);
CREATE INDEX user_structures_structure ON user_structures(structure_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_passed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL DEFAULT '',
    target_id TEXT NOT NULL DEFAULT '',
    success BIGINT NOT NULL DEFAULT 1,
    ip TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_action ON audit_log(action, at);
CREATE INDEX audit_actor ON audit_log(actor_user_id, at);
-- Append-only: the database itself refuses to change or remove an audit record.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    dedup_key TEXT UNIQUE,
    status TEXT NOT NULL DEFAULT 'queued',
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 5,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_ready ON jobs(status, run_at, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
