-- spr-console schema: the audit hash chain (SPEC §3.10). Never edit: add a new migration instead.
-- The Rust step that follows this file fills `hash` for the rows already written.

ALTER TABLE audit ADD COLUMN hash TEXT;

-- `INSERT OR REPLACE` with an old sequence number would rewrite history: refuse any event
-- whose sequence number is not greater than the last (with recursive_triggers on, the
-- REPLACE's delete is refused by audit_no_delete as well).
CREATE TRIGGER audit_seq_only_grows BEFORE INSERT ON audit
WHEN NEW.seq IS NOT NULL AND NEW.seq <= (SELECT COALESCE(MAX(seq), 0) FROM audit)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: an event must have a new sequence number');
END;
