-- spr-console schema, version 2: supervised sessions (SPEC §3.15) and no delivery by default
-- (§3.11). Never edit: add a new migration instead.

-- Flow events of a supervised session name the operator and the session (§3.10).
-- Adding a column rewrites no row, so the append-only triggers are not involved.
ALTER TABLE audit ADD COLUMN supervisor TEXT;
ALTER TABLE audit ADD COLUMN session TEXT;
-- How the caller was verified and the ticket, on every event of the session (§3.15).
ALTER TABLE audit ADD COLUMN verification TEXT;
ALTER TABLE audit ADD COLUMN ticket TEXT;
CREATE INDEX audit_session ON audit (session) WHERE session IS NOT NULL;

CREATE TABLE supervised_sessions (
    id               TEXT PRIMARY KEY,
    operator         TEXT NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    method           TEXT NOT NULL
                     CHECK (method IN ('callback', 'in_person', 'photo_id', 'manager', 'other')),
    note             TEXT NOT NULL DEFAULT '',
    ticket           TEXT,
    started_at       TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    -- Set when the password was changed in the session; the confirming login then ends it.
    reset_done_at    TEXT,
    ended_at         TEXT,
    end_reason       TEXT
                     CHECK (end_reason IS NULL
                            OR end_reason IN ('reset_done', 'ended_by_operator', 'console_locked', 'idle'))
);
CREATE INDEX supervised_sessions_open ON supervised_sessions (operator) WHERE ended_at IS NULL;

-- Until now a database without mail settings delivered to the outbox. A database that already
-- has operators keeps doing so (it becomes a training database, which it was in effect);
-- a new database starts with no delivery until a super admin chooses one.
INSERT INTO settings (key, value)
SELECT 'mail', '{"kind":"outbox"}'
WHERE EXISTS (SELECT 1 FROM operators)
  AND NOT EXISTS (SELECT 1 FROM settings WHERE key = 'mail');
