//! The tokens table: hashes only, with their validity and how each one ended.

use super::StoreError;
use super::db::{Db, params};
use crate::core::model::TokenState;

/// A stored token (its hash, never the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub hash: String,
    pub address: String,
    pub sent_at: String,
    pub expires_at: String,
    pub state: TokenState,
    /// `pending`, `sent` or `failed`.
    pub delivery: String,
}

/// The user's latest token, whatever its state.
pub fn latest(c: Db<'_>, user_id: i64) -> Result<Option<TokenRow>, StoreError> {
    c.query_opt(
        "SELECT id, user_id, hash, address, sent_at, expires_at, state, delivery
         FROM tokens WHERE user_id = ?1 ORDER BY id DESC LIMIT 1",
        params![user_id],
        |r| {
            Ok(TokenRow {
                id: r.get(0)?,
                user_id: r.get(1)?,
                hash: r.get(2)?,
                address: r.get(3)?,
                sent_at: r.get(4)?,
                expires_at: r.get(5)?,
                state: r
                    .get::<String>(6)?
                    .parse()
                    .map_err(|e| super::users::conversion(6, e))?,
                delivery: r.get(7)?,
            })
        },
    )
}

/// Invalidates every live token of the user; `why` says what ended them.
pub fn invalidate_live(c: Db<'_>, user_id: i64, why: &str) -> Result<usize, StoreError> {
    Ok(c.execute(
        "UPDATE tokens SET state = 'invalidated', ended_by = ?2 WHERE user_id = ?1 AND state = 'live'",
        params![user_id, why],
    )? as usize)
}

/// Stores a new live token whose delivery is pending; returns its id.
pub fn insert(
    c: Db<'_>,
    user_id: i64,
    hash: &str,
    address: &str,
    sent_at: &str,
    expires_at: &str,
) -> Result<i64, StoreError> {
    c.insert(
        "INSERT INTO tokens (user_id, hash, address, sent_at, expires_at, state, delivery)
         VALUES (?1, ?2, ?3, ?4, ?5, 'live', 'pending')",
        params![user_id, hash, address, sent_at, expires_at],
    )
}

/// Records the delivery's result; a failed one also invalidates the token.
pub fn set_delivery(c: Db<'_>, id: i64, delivered: bool) -> Result<(), StoreError> {
    if delivered {
        c.execute(
            "UPDATE tokens SET delivery = 'sent' WHERE id = ?1",
            params![id],
        )?;
    } else {
        c.execute(
            "UPDATE tokens SET delivery = 'failed', state = 'invalidated', ended_by = 'delivery_failed' WHERE id = ?1",
            params![id],
        )?;
    }
    Ok(())
}

/// Marks a token used.
pub fn mark_used(c: Db<'_>, id: i64) -> Result<(), StoreError> {
    c.execute(
        "UPDATE tokens SET state = 'used', ended_by = 'reset' WHERE id = ?1",
        params![id],
    )?;
    Ok(())
}

/// Tokens delivered (or being delivered) to the user since `since` — for the hourly limit.
pub fn delivered_since(c: Db<'_>, user_id: i64, since: &str) -> Result<u32, StoreError> {
    c.query_row(
        "SELECT COUNT(*) FROM tokens WHERE user_id = ?1 AND sent_at > ?2 AND delivery != 'failed'",
        params![user_id, since],
        |r| r.get(0),
    )
}

/// Invalidates the user's live tokens that went to an address no longer among `contacts`
/// (compared case-insensitively); returns how many ended.
pub fn invalidate_live_not_to(
    c: Db<'_>,
    user_id: i64,
    contacts: &[&str],
    why: &str,
) -> Result<usize, StoreError> {
    let mut ended = 0;
    let live: Vec<(i64, String)> = c.query_map(
        "SELECT id, address FROM tokens WHERE user_id = ?1 AND state = 'live'",
        params![user_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (id, address) in live {
        if !contacts
            .iter()
            .any(|k| k.eq_ignore_ascii_case(address.trim()))
        {
            ended += c.execute(
                "UPDATE tokens SET state = 'invalidated', ended_by = ?2 WHERE id = ?1",
                params![id, why],
            )? as usize;
        }
    }
    Ok(ended)
}

/// Invalidates every live token of the provider's users; returns how many ended.
pub fn invalidate_live_of_provider(
    c: Db<'_>,
    provider_id: i64,
    why: &str,
) -> Result<usize, StoreError> {
    Ok(c.execute(
        "UPDATE tokens SET state = 'invalidated', ended_by = ?2
         WHERE state = 'live' AND user_id IN (SELECT id FROM users WHERE provider_id = ?1)",
        params![provider_id, why],
    )? as usize)
}

/// The audit words for live tokens that an event ended (empty when none did).
pub fn ended_words(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "; its live password token ended".to_owned(),
        n => format!("; {n} live password tokens ended"),
    }
}
