//! The outbox: messages kept in the database for demos and trainings.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::core::CoreError;

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredMessage {
    #[serde(skip)]
    pub id: i64,
    pub at: String,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

/// Places a message in the outbox.
pub fn insert(
    c: &Connection,
    at: &str,
    to: &str,
    subject: Option<&str>,
    body: &str,
) -> Result<i64, CoreError> {
    c.execute(
        "INSERT INTO messages (at, to_addr, subject, body) VALUES (?1, ?2, ?3, ?4)",
        params![at, to, subject, body],
    )?;
    Ok(c.last_insert_rowid())
}

/// The last `n` messages (all when `None`), oldest first.
pub fn last(c: &Connection, n: Option<u32>) -> Result<Vec<StoredMessage>, CoreError> {
    let limit = n.map_or(-1, i64::from);
    let mut stmt = c.prepare(
        "SELECT id, at, to_addr, subject, body FROM
           (SELECT * FROM messages ORDER BY id DESC LIMIT ?1) ORDER BY id ASC",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(StoredMessage {
            id: r.get(0)?,
            at: r.get(1)?,
            to: r.get(2)?,
            subject: r.get(3)?,
            body: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest message to this address, if any.
pub fn latest_to(c: &Connection, to: &str) -> Result<Option<StoredMessage>, CoreError> {
    Ok(last_to(c, to, 1)?.pop())
}

/// The last `n` messages to this address (case-insensitive), oldest first.
pub fn last_to(c: &Connection, to: &str, n: u32) -> Result<Vec<StoredMessage>, CoreError> {
    let mut stmt = c.prepare(
        "SELECT id, at, to_addr, subject, body FROM
           (SELECT * FROM messages WHERE to_addr = ?1 COLLATE NOCASE ORDER BY id DESC LIMIT ?2)
         ORDER BY id ASC",
    )?;
    let rows = stmt.query_map(params![to, n], |r| {
        Ok(StoredMessage {
            id: r.get(0)?,
            at: r.get(1)?,
            to: r.get(2)?,
            subject: r.get(3)?,
            body: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Empties the outbox (when a training database starts delivering for real); returns how many.
pub fn clear(c: &Connection) -> Result<usize, CoreError> {
    Ok(c.execute("DELETE FROM messages", [])?)
}
