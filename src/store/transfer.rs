//! Bulk writes for CSV import: cached statements, so 100,000 rows take a fraction of a second.

use super::StoreError;
use super::db::{Db, params};
pub use crate::core::model::ImportedUser;

/// The id of the provider's user with this Login Name (case-insensitive, as stored), if any.
pub fn existing_user(c: Db<'_>, provider_id: i64, login: &str) -> Result<Option<i64>, StoreError> {
    c.query_opt(
        "SELECT id FROM users WHERE provider_id = ?1 AND login = ?2",
        params![provider_id, login],
        |r| r.get(0),
    )
}

/// Inserts one imported user without a password (they set one through Self Password Reset)
/// and returns its id, or `None` when the provider already has that Login Name: one
/// statement a row, the unique key doing the check (no lookup before each insert).
pub fn insert_imported(
    c: Db<'_>,
    provider_id: i64,
    u: &ImportedUser,
    now: &str,
) -> Result<Option<i64>, StoreError> {
    const INSERT: &str = "INSERT INTO users (provider_id, login, first, last, email, text_email, spr_enabled, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (provider_id, login) DO NOTHING";
    let values = params![
        provider_id,
        u.login,
        u.first,
        u.last,
        u.email,
        u.text_email,
        u.spr_enabled,
        now
    ];
    match c {
        // RETURNING costs SQLite a result row per insert; the row id is at hand anyway.
        Db::Sqlite(conn) => Ok((c.execute(INSERT, values)? == 1).then(|| conn.last_insert_rowid())),
        Db::Postgres(_) => c.query_opt(&format!("{INSERT} RETURNING id"), values, |r| r.get(0)),
    }
}
