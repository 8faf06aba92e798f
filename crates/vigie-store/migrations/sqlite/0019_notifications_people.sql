-- Notifications for people (issue 17): what the outbox tells an account is also kept for it,
-- to read in the application (unread first, marked read one by one or all at once), whatever
-- its e-mail preferences; and which kinds of notification each account wants by e-mail (a kind
-- without a row is wanted: e-mail stays on unless the person turned it off).
CREATE TABLE user_notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    structure_id INTEGER REFERENCES structures(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    link TEXT,
    dedup_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    UNIQUE (user_id, dedup_key)
);
-- The header's unread count and the list, unread first.
CREATE INDEX user_notifications_unread ON user_notifications(user_id, read_at, id);

CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    email INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);
