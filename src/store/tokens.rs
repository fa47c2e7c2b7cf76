//! The tokens table: hashes only, with their validity and how each one ended.

use rusqlite::{Connection, params};

use super::optional;
use crate::core::CoreError;

/// A stored token (its hash, never the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub hash: String,
    pub address: String,
    pub sent_at: String,
    pub expires_at: String,
    /// `live`, `used` or `invalidated`.
    pub state: String,
    /// `pending`, `sent` or `failed`.
    pub delivery: String,
}

/// The user's latest token, whatever its state.
pub fn latest(c: &Connection, user_id: i64) -> Result<Option<TokenRow>, CoreError> {
    optional(c.query_row(
        "SELECT id, user_id, hash, address, sent_at, expires_at, state, delivery
         FROM tokens WHERE user_id = ?1 ORDER BY id DESC LIMIT 1",
        [user_id],
        |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                hash: r.get(2)?,
                address: r.get(3)?,
                sent_at: r.get(4)?,
                expires_at: r.get(5)?,
                state: r.get(6)?,
                delivery: r.get(7)?,
            })
        },
    ))
}

/// Invalidates every live token of the user; `why` says what ended them.
pub fn invalidate_live(c: &Connection, user_id: i64, why: &str) -> Result<usize, CoreError> {
    Ok(c
        .prepare_cached(
            "UPDATE tokens SET state = 'invalidated', ended_by = ?2 WHERE user_id = ?1 AND state = 'live'",
        )?
        .execute(params![user_id, why])?)
}

/// Stores a new live token whose delivery is pending; returns its id.
pub fn insert(
    c: &Connection,
    user_id: i64,
    hash: &str,
    address: &str,
    sent_at: &str,
    expires_at: &str,
) -> Result<i64, CoreError> {
    c.execute(
        "INSERT INTO tokens (user_id, hash, address, sent_at, expires_at, state, delivery)
         VALUES (?1, ?2, ?3, ?4, ?5, 'live', 'pending')",
        params![user_id, hash, address, sent_at, expires_at],
    )?;
    Ok(c.last_insert_rowid())
}

/// Records the delivery's result; a failed one also invalidates the token.
pub fn set_delivery(c: &Connection, id: i64, delivered: bool) -> Result<(), CoreError> {
    if delivered {
        c.execute("UPDATE tokens SET delivery = 'sent' WHERE id = ?1", [id])?;
    } else {
        c.execute(
            "UPDATE tokens SET delivery = 'failed', state = 'invalidated', ended_by = 'delivery_failed' WHERE id = ?1",
            [id],
        )?;
    }
    Ok(())
}

/// Marks a token used.
pub fn mark_used(c: &Connection, id: i64) -> Result<(), CoreError> {
    c.execute(
        "UPDATE tokens SET state = 'used', ended_by = 'reset' WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Tokens delivered (or being delivered) to the user since `since` — for the hourly limit.
pub fn delivered_since(c: &Connection, user_id: i64, since: &str) -> Result<u32, CoreError> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM tokens WHERE user_id = ?1 AND sent_at > ?2 AND delivery != 'failed'",
        params![user_id, since],
        |r| r.get(0),
    )?)
}

/// Invalidates the user's live tokens that went to an address no longer among `contacts`
/// (compared case-insensitively); returns how many ended.
pub fn invalidate_live_not_to(
    c: &Connection,
    user_id: i64,
    contacts: &[&str],
    why: &str,
) -> Result<usize, CoreError> {
    let mut ended = 0;
    let live: Vec<(i64, String)> = {
        let mut stmt =
            c.prepare("SELECT id, address FROM tokens WHERE user_id = ?1 AND state = 'live'")?;
        stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (id, address) in live {
        if !contacts
            .iter()
            .any(|k| k.eq_ignore_ascii_case(address.trim()))
        {
            ended += c.execute(
                "UPDATE tokens SET state = 'invalidated', ended_by = ?2 WHERE id = ?1",
                params![id, why],
            )?;
        }
    }
    Ok(ended)
}

/// Invalidates every live token of the provider's users; returns how many ended.
pub fn invalidate_live_of_provider(
    c: &Connection,
    provider_id: i64,
    why: &str,
) -> Result<usize, CoreError> {
    Ok(c.execute(
        "UPDATE tokens SET state = 'invalidated', ended_by = ?2
         WHERE state = 'live' AND user_id IN (SELECT id FROM users WHERE provider_id = ?1)",
        params![provider_id, why],
    )?)
}

/// The audit words for live tokens that an event ended (empty when none did).
pub fn ended_words(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; its live password token ended".to_owned(),
        n => format!("; {n} live password tokens ended"),
    }
}
