//! The providers table.

use super::StoreError;
use super::db::{Db, Row, params};
pub use crate::core::model::ProviderCounts;
use crate::core::model::{Policy, Provider, ProviderCode};

const COLUMNS: &str = "id, code, name, spr_enabled, max_incorrect, token_minutes, min_length, history, max_tokens_per_hour";

fn from_row(r: &Row<'_>) -> Result<Provider, StoreError> {
    let code: String = r.get(1)?;
    Ok(Provider {
        id: r.get(0)?,
        code: ProviderCode::parse(&code).map_err(StoreError::bad_value)?,
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
pub fn by_code(c: Db<'_>, code: &str) -> Result<Option<Provider>, StoreError> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM providers WHERE code = ?1"),
        params![code],
        from_row,
    )
}

/// The provider with this id.
pub fn by_id(c: Db<'_>, id: i64) -> Result<Option<Provider>, StoreError> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM providers WHERE id = ?1"),
        params![id],
        from_row,
    )
}

/// Every provider, by code.
pub fn all(c: Db<'_>) -> Result<Vec<Provider>, StoreError> {
    c.query_map(
        &format!("SELECT {COLUMNS} FROM providers ORDER BY code"),
        params![],
        from_row,
    )
}

/// Adds a provider with the default policy; returns its id.
pub fn insert(c: Db<'_>, code: &ProviderCode, name: &str, now: &str) -> Result<i64, StoreError> {
    c.insert(
        "INSERT INTO providers (code, name, created_at) VALUES (?1, ?2, ?3)",
        params![code.as_str(), name, now],
    )
}

/// Writes SPR enablement and the policy.
pub fn update(c: Db<'_>, p: &Provider) -> Result<(), StoreError> {
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

/// Users (not deleted), SPR enabled, configured, and Admin Locked, for one provider.
pub fn counts(c: Db<'_>, provider_id: i64) -> Result<ProviderCounts, StoreError> {
    c.query_row(
        "SELECT COUNT(*),
                COUNT(*) FILTER (WHERE spr_enabled = 1),
                COUNT(*) FILTER (WHERE email IS NOT NULL OR text_email IS NOT NULL),
                COUNT(*) FILTER (WHERE status = 'admin_locked')
         FROM users WHERE provider_id = ?1 AND status != 'deleted'",
        params![provider_id],
        |r| {
            Ok(ProviderCounts {
                users: r.get(0)?,
                spr_enabled: r.get(1)?,
                configured: r.get(2)?,
                admin_locked: r.get(3)?,
            })
        },
    )
}
