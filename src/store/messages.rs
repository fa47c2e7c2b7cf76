//! The outbox: messages kept in the database for demos and trainings.

use super::StoreError;
use super::db::{Db, Row, params};
pub use crate::core::model::StoredMessage;

/// Places a message in the outbox.
pub fn insert(
    c: Db<'_>,
    at: &str,
    to: &str,
    subject: Option<&str>,
    body: &str,
) -> Result<i64, StoreError> {
    c.insert(
        "INSERT INTO messages (at, to_addr, subject, body) VALUES (?1, ?2, ?3, ?4)",
        params![at, to, subject, body],
    )
}

fn message(r: &Row<'_>) -> Result<StoredMessage, StoreError> {
    Ok(StoredMessage {
        id: r.get(0)?,
        at: r.get(1)?,
        to: r.get(2)?,
        subject: r.get(3)?,
        body: r.get(4)?,
    })
}

/// The last `n` messages (all when `None`), oldest first.
pub fn last(c: Db<'_>, n: Option<u32>) -> Result<Vec<StoredMessage>, StoreError> {
    let limit = n.map_or(i64::MAX, i64::from);
    c.query_map(
        "SELECT id, at, to_addr, subject, body FROM
           (SELECT * FROM messages ORDER BY id DESC LIMIT ?1) AS m ORDER BY id ASC",
        params![limit],
        message,
    )
}

/// The newest message to this address, if any.
pub fn latest_to(c: Db<'_>, to: &str) -> Result<Option<StoredMessage>, StoreError> {
    Ok(last_to(c, to, 1)?.pop())
}

/// The last `n` messages to this address (case-insensitive), oldest first.
pub fn last_to(c: Db<'_>, to: &str, n: u32) -> Result<Vec<StoredMessage>, StoreError> {
    c.query_map(
        &format!(
            "SELECT id, at, to_addr, subject, body FROM
               (SELECT * FROM messages WHERE to_addr = ?1{} ORDER BY id DESC LIMIT ?2) AS m
             ORDER BY id ASC",
            c.nocase()
        ),
        params![to, n],
        message,
    )
}

/// Empties the outbox (when a training database starts delivering for real); returns how many.
pub fn clear(c: Db<'_>) -> Result<u64, StoreError> {
    c.execute("DELETE FROM messages", params![])
}
