-- One limiter for every secret a person types (password, second-factor code, the current
-- password of the account page). Failures are counted per subject and per source:
--   subject 'login:<e-mail as typed, normalised>' and source = the client's address (an IPv6
--   address counts by its /64): a wrong password locks that address out of that name only, so a
--   stranger cannot keep a real account locked, and unknown names lock exactly like known ones;
--   subject 'mfa:<user id>' and source '*': wrong second-factor codes lock the account's second
--   factor for everyone (only someone who passed the password can make them).
-- A lock that follows another within a day lasts twice as long (up to 64 times the lockout).
-- Rows are short-lived (purged with the expired sessions) and are not archived.
CREATE TABLE auth_failures (
    subject TEXT NOT NULL,
    source TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    first_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    -- Locks in a row (each one twice as long as the one before, up to 64 times the lockout time);
    -- forgotten a day after the last lock ended.
    locks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (subject, source)
);
CREATE INDEX auth_failures_first ON auth_failures(first_at);

-- Wrong secrets typed within one session (second-factor codes while it is pending, the current
-- password of the account page): the session ends at the limit.
ALTER TABLE sessions ADD COLUMN secret_failures BIGINT NOT NULL DEFAULT 0;
