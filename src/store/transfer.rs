//! Bulk writes for CSV import: cached statements, so 100,000 rows take a fraction of a second.

use super::StoreError;
use super::db::{Db, params};
use super::users::{self, NewUser};
pub use crate::core::model::ImportedUser;

/// The id of the provider's user with this Login Name (case-insensitive, as stored), if any.
pub fn existing_user(c: Db<'_>, provider_id: i64, login: &str) -> Result<Option<i64>, StoreError> {
    c.query_opt(
        "SELECT id FROM users WHERE provider_id = ?1 AND login = ?2",
        params![provider_id, login],
        |r| r.get(0),
    )
}

/// Inserts one imported user without a password (they set one through Self Password Reset);
/// returns its id.
pub fn insert_imported(
    c: Db<'_>,
    provider_id: i64,
    u: &ImportedUser,
    now: &str,
) -> Result<i64, StoreError> {
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
