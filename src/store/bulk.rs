//! Bulk inserts (many users in the caller's transaction) and the demo database's marker.

use super::StoreError;
use super::db::{Db, params};
use super::users::{self, NewUser};

/// The settings key that marks a database made by `spr-console demo`.
const DEMO_KEY: &str = "demo";

/// Inserts many users of one provider; the caller holds the transaction around them.
///
/// Only users without a password: an imported or demo user has none yet, so there is no
/// history to write. Returns how many were inserted.
pub fn insert_users_without_password<'a>(
    c: Db<'_>,
    provider_id: i64,
    users: impl IntoIterator<Item = NewUser<'a>>,
    now: &str,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for u in users {
        if u.password_hash.is_some() {
            return Err(StoreError::Other(
                "bulk insert is for users without a password".into(),
            ));
        }
        users::insert(c, provider_id, &u, now)?;
        n += 1;
    }
    Ok(n)
}

/// Marks the database as a demo database (so that `demo` may replace it later).
pub fn mark_demo(c: Db<'_>) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO settings (key, value) VALUES (?1, '1')
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![DEMO_KEY],
    )?;
    Ok(())
}

/// Whether the database was made by `spr-console demo`.
pub fn is_demo(c: Db<'_>) -> Result<bool, StoreError> {
    Ok(c.query_opt(
        "SELECT value FROM settings WHERE key = ?1",
        params![DEMO_KEY],
        |r| r.get::<String>(0),
    )?
    .is_some_and(|v| v == "1"))
}
