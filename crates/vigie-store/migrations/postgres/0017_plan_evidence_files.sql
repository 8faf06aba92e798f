-- Diagnostics (issue 16, item 3): an action's evidence may be a file as well as a note. The
-- content is never stored in clear: `content` is sealed with the deployment's secret key
-- (XChaCha20-Poly1305, see vigie_store::files), its associated data naming the table and the
-- file's uuid. Its type was judged by its content (vigie_domain::upload); `note` says what it
-- shows, as the person wrote it.
CREATE TABLE plan_action_files (
    id BIGSERIAL PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES plan_actions(id) ON DELETE CASCADE,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX plan_action_files_action ON plan_action_files(action_id, id);
