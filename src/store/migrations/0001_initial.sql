-- spr-console schema, version 1. Never edit: add a new migration instead.

CREATE TABLE providers (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name                TEXT NOT NULL,
    spr_enabled         INTEGER NOT NULL DEFAULT 0 CHECK (spr_enabled IN (0, 1)),
    max_incorrect       INTEGER NOT NULL DEFAULT 5 CHECK (max_incorrect BETWEEN 1 AND 100),
    token_minutes       INTEGER NOT NULL DEFAULT 5 CHECK (token_minutes BETWEEN 1 AND 60),
    min_length          INTEGER NOT NULL DEFAULT 15 CHECK (min_length BETWEEN 8 AND 64),
    history             INTEGER NOT NULL DEFAULT 5 CHECK (history BETWEEN 0 AND 24),
    max_tokens_per_hour INTEGER NOT NULL DEFAULT 5 CHECK (max_tokens_per_hour BETWEEN 1 AND 100),
    created_at          TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    provider_id     INTEGER NOT NULL REFERENCES providers(id),
    login           TEXT NOT NULL COLLATE NOCASE,
    first           TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    last            TEXT NOT NULL DEFAULT '' COLLATE NOCASE,
    password_hash   TEXT,
    status          TEXT NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'admin_locked', 'deactivated', 'deleted')),
    spr_enabled     INTEGER NOT NULL DEFAULT 0 CHECK (spr_enabled IN (0, 1)),
    email           TEXT COLLATE NOCASE,
    text_email      TEXT COLLATE NOCASE,
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_at       TEXT,
    lock_cause      TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (provider_id, login)
);
-- NOCASE indexes serve prefix searches of the Users panel without a scan.
CREATE INDEX users_login ON users (login COLLATE NOCASE);
CREATE INDEX users_first ON users (first COLLATE NOCASE);
CREATE INDEX users_last ON users (last COLLATE NOCASE);
CREATE INDEX users_email ON users (email COLLATE NOCASE);
CREATE INDEX users_text_email ON users (text_email COLLATE NOCASE);
CREATE INDEX users_status ON users (status, locked_at);

CREATE TABLE password_history (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES users(id),
    hash     TEXT NOT NULL,
    set_at   TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

-- One row per token made; only its argon2id hash is kept.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    hash        TEXT NOT NULL,
    address     TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('live', 'used', 'invalidated')),
    delivery    TEXT NOT NULL CHECK (delivery IN ('pending', 'sent', 'failed')),
    ended_by    TEXT
);
CREATE INDEX tokens_user ON tokens (user_id, id);

CREATE TABLE operators (
    id              INTEGER PRIMARY KEY,
    login           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role            TEXT NOT NULL CHECK (role IN ('super_admin', 'helpdesk')),
    password_hash   TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    last_failed_at  TEXT,
    created_at      TEXT NOT NULL
);

CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    provider TEXT,
    login    TEXT,
    outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'error')),
    reason   TEXT,
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_provider_login ON audit (provider COLLATE NOCASE, login COLLATE NOCASE, seq);
CREATE INDEX audit_at ON audit (at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- The outbox: the demo mailbox. The one place a token is kept in plain text.
CREATE TABLE messages (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    to_addr   TEXT NOT NULL,
    subject   TEXT,
    body      TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
