//! Console-wide settings, as JSON values by key.

use super::StoreError;
use super::db::{Db, params};
use crate::mail::MailSettings;

const MAIL: &str = "mail";

/// The mail settings; a new database starts with none (migration 0002 kept older ones on the outbox).
pub fn mail(c: Db<'_>) -> Result<MailSettings, StoreError> {
    let raw: Option<String> = c.query_opt(
        "SELECT value FROM settings WHERE key = ?1",
        params![MAIL],
        |r| r.get(0),
    )?;
    match raw {
        None => Ok(MailSettings::NotSet),
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            StoreError::Other(format!("The stored mail settings are unreadable: {e}."))
        }),
    }
}

/// Replaces the mail settings.
pub fn set_mail(c: Db<'_>, m: &MailSettings) -> Result<(), StoreError> {
    let value = serde_json::to_string(m)
        .map_err(|e| StoreError::Other(format!("Cannot store the mail settings: {e}.")))?;
    c.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![MAIL, value],
    )?;
    Ok(())
}
