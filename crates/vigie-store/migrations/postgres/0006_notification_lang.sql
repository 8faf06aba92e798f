-- The outbox renders nothing: each notification keeps its event's payload (a document of
-- vigie_domain::events) and the language of its recipient, and the presentation layer writes the
-- message in that language when the row is delivered or listed. Rows written before keep their
-- subject and bodies and are delivered as they were: they were written in French.
ALTER TABLE notifications ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';
