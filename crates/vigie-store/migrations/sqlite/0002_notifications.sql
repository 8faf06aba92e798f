-- Notifications: what Vigie tells people (e-mail) and systems (webhooks), kept as an outbox.
-- A notification row is written in the same transaction as the event that causes it (a new
-- finding, a new alert), and one `notify.deliver` job per row sends it, with the queue's retries.

-- Webhooks receive the events of a territory: national (all three references NULL), one region,
-- one GHT or one structure. `events` is a comma-separated list of event prefixes ('*' = all).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    region_code TEXT,
    ght_id INTEGER REFERENCES ghts(id) ON DELETE CASCADE,
    structure_id INTEGER REFERENCES structures(id) ON DELETE CASCADE,
    events TEXT NOT NULL DEFAULT '*',
    active INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_region ON webhooks(region_code);
CREATE INDEX webhooks_ght ON webhooks(ght_id);
CREATE INDEX webhooks_structure ON webhooks(structure_id);

-- One row per (event, channel, recipient). `dedup_key` names the event (for example
-- 'watch.alert:42' or 'scan.finding:17:new'): the same event never reaches the same recipient twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    structure_id INTEGER REFERENCES structures(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    webhook_id INTEGER REFERENCES webhooks(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    payload TEXT NOT NULL DEFAULT '{}',
    link TEXT,
    dedup_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    UNIQUE (dedup_key, channel, recipient)
);
CREATE INDEX notifications_structure ON notifications(structure_id, created_at);
CREATE INDEX notifications_status ON notifications(status, created_at);
