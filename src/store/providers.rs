//! The providers table.

use rusqlite::{Connection, Row, params};

use super::optional;
use crate::core::CoreError;
use crate::core::model::{Policy, Provider, ProviderCode};

const COLUMNS: &str = "id, code, name, spr_enabled, max_incorrect, token_minutes, min_length, history, max_tokens_per_hour";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Provider> {
    let code: String = r.get(1)?;
    Ok(Provider {
        id: r.get(0)?,
        code: ProviderCode::parse(&code).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?,
        name: r.get(2)?,
        spr_enabled: r.get(3)?,
        policy: Policy {
            max_incorrect: r.get(4)?,
            token_minutes: r.get(5)?,
            min_length: r.get(6)?,
            history: r.get(7)?,
            max_tokens_per_hour: r.get(8)?,
        },
    })
}

/// The provider with this code (case-insensitive), if any.
pub fn by_code(c: &Connection, code: &str) -> Result<Option<Provider>, CoreError> {
    optional(c.query_row(
        &format!("SELECT {COLUMNS} FROM providers WHERE code = ?1"),
        [code],
        from_row,
    ))
}

/// The provider with this id.
pub fn by_id(c: &Connection, id: i64) -> Result<Option<Provider>, CoreError> {
    optional(c.query_row(
        &format!("SELECT {COLUMNS} FROM providers WHERE id = ?1"),
        [id],
        from_row,
    ))
}

/// Every provider, by code.
pub fn all(c: &Connection) -> Result<Vec<Provider>, CoreError> {
    let mut stmt = c.prepare(&format!("SELECT {COLUMNS} FROM providers ORDER BY code"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds a provider with the default policy; returns its id.
pub fn insert(
    c: &Connection,
    code: &ProviderCode,
    name: &str,
    now: &str,
) -> Result<i64, CoreError> {
    c.execute(
        "INSERT INTO providers (code, name, created_at) VALUES (?1, ?2, ?3)",
        params![code.as_str(), name, now],
    )?;
    Ok(c.last_insert_rowid())
}

/// Writes SPR enablement and the policy.
pub fn update(c: &Connection, p: &Provider) -> Result<(), CoreError> {
    c.execute(
        "UPDATE providers SET name = ?2, spr_enabled = ?3, max_incorrect = ?4, token_minutes = ?5,
         min_length = ?6, history = ?7, max_tokens_per_hour = ?8 WHERE id = ?1",
        params![
            p.id,
            p.name,
            p.spr_enabled,
            p.policy.max_incorrect,
            p.policy.token_minutes,
            p.policy.min_length,
            p.policy.history,
            p.policy.max_tokens_per_hour
        ],
    )?;
    Ok(())
}

/// Counts at a glance for the Provider panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProviderCounts {
    pub users: u64,
    pub spr_enabled: u64,
    pub configured: u64,
    pub admin_locked: u64,
}

/// Users (not deleted), SPR enabled, configured, and Admin Locked, for one provider.
pub fn counts(c: &Connection, provider_id: i64) -> Result<ProviderCounts, CoreError> {
    Ok(c.query_row(
        "SELECT COUNT(*),
                COALESCE(SUM(spr_enabled), 0),
                COALESCE(SUM(email IS NOT NULL OR text_email IS NOT NULL), 0),
                COALESCE(SUM(status = 'admin_locked'), 0)
         FROM users WHERE provider_id = ?1 AND status != 'deleted'",
        [provider_id],
        |r| {
            Ok(ProviderCounts {
                users: r.get::<_, i64>(0)? as u64,
                spr_enabled: r.get::<_, i64>(1)? as u64,
                configured: r.get::<_, i64>(2)? as u64,
                admin_locked: r.get::<_, i64>(3)? as u64,
            })
        },
    )?)
}
