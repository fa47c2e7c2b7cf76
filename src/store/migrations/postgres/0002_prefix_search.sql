-- spr-console schema on PostgreSQL, version 2: the Users panel's prefix search served by
-- indexes. A LIKE on a citext column cannot use its btree index; lower(col) with
-- text_pattern_ops can, whatever the database's collation. Never edit: add a new migration.
CREATE INDEX users_login_prefix ON users (lower(login::text) text_pattern_ops);
CREATE INDEX users_first_prefix ON users (lower(first::text) text_pattern_ops);
CREATE INDEX users_last_prefix ON users (lower(last::text) text_pattern_ops);
CREATE INDEX users_email_prefix ON users (lower(email::text) text_pattern_ops);
CREATE INDEX users_text_email_prefix ON users (lower(text_email::text) text_pattern_ops);
