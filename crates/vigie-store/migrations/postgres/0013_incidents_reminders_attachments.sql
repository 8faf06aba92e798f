-- Incidents (issue 14), second part: reminders before the regulatory deadlines.

-- When the reminder of a clock was queued (kept across recomputations while its deadline stays).
ALTER TABLE incident_clocks ADD COLUMN reminded_at BIGINT;

-- Files attached to a case (issue 14, item 3). The content is never stored in clear: `content`
-- is sealed with the deployment's secret key (XChaCha20-Poly1305, see vigie_store::secrets),
-- its associated data naming the column and the attachment's uuid. Its type was judged by its
-- content (vigie_incidents::attachment); `tlp` is its own marking (by default the incident's).
CREATE TABLE incident_attachments (
    id BIGSERIAL PRIMARY KEY,
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    tlp TEXT NOT NULL,
    content TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX incident_attachments_incident ON incident_attachments(incident_id, id);

-- The queues read a page along an index in the page's order (see Store::incident_queue): the
-- overdue ones of a severity by deadline, and the others of a status or a severity newest first.
DROP INDEX incidents_severity;
CREATE INDEX incidents_severity ON incidents(severity_rank, next_deadline, id);
CREATE INDEX incidents_severity_id ON incidents(severity_rank, id);
CREATE INDEX incidents_status_id ON incidents(status, id);
