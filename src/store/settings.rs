//! Console-wide settings, as JSON values by key.

use rusqlite::{Connection, params};

use super::optional;
use crate::core::CoreError;
use crate::mail::MailSettings;

const MAIL: &str = "mail";

/// The mail settings; a new database starts with none (migration 0002 kept older ones on the outbox).
pub fn mail(c: &Connection) -> Result<MailSettings, CoreError> {
    let raw: Option<String> = optional(c.query_row(
        "SELECT value FROM settings WHERE key = ?1",
        [MAIL],
        |r| r.get(0),
    ))?;
    match raw {
        None => Ok(MailSettings::NotSet),
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            CoreError::Internal(format!("The stored mail settings are unreadable: {e}."))
        }),
    }
}

/// Replaces the mail settings.
pub fn set_mail(c: &Connection, m: &MailSettings) -> Result<(), CoreError> {
    let value = serde_json::to_string(m)
        .map_err(|e| CoreError::Internal(format!("Cannot store the mail settings: {e}.")))?;
    c.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![MAIL, value],
    )?;
    Ok(())
}
