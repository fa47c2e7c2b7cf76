//! Reads behind the Overview panel (SPEC §5): activity per day and the Admin Locked accounts.

use super::StoreError;
use super::db::{Db, params};

/// Lockouts and completed resets on one UTC day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayCount {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub lockouts: u64,
    pub resets: u64,
}

/// Lockouts and completed resets per UTC day from `since` (RFC 3339) on; days with neither
/// are absent. Reads only the rows of those two actions, through the `audit_at` index.
pub fn daily(c: Db<'_>, since: &str) -> Result<Vec<DayCount>, StoreError> {
    c.query_map(
        "SELECT substr(at, 1, 10),
                COUNT(*) FILTER (WHERE action = 'account_locked'),
                COUNT(*) FILTER (WHERE action = 'reset_complete' AND outcome = 'ok')
         FROM audit
         WHERE at >= ?1 AND action IN ('account_locked', 'reset_complete')
         GROUP BY 1 ORDER BY 1",
        params![since],
        |r| {
            Ok(DayCount {
                day: r.get(0)?,
                lockouts: r.get::<i64>(1)?.max(0) as u64,
                resets: r.get::<i64>(2)?.max(0) as u64,
            })
        },
    )
}

/// One Admin Locked account, as the Overview groups them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockedAccount {
    pub user_id: i64,
    pub provider: String,
    pub login: String,
    /// RFC 3339; `None` for a lock older than the column.
    pub locked_at: Option<String>,
    /// What the last incorrect entry was: `password` or `token`.
    pub cause: Option<String>,
    pub failed_attempts: u32,
}

/// Every Admin Locked account, oldest lock first (the `users_status` index serves it).
pub fn locked(c: Db<'_>) -> Result<Vec<LockedAccount>, StoreError> {
    c.query_map(
        "SELECT u.id, p.code, u.login, u.locked_at, u.lock_cause, u.failed_attempts
         FROM users u JOIN providers p ON p.id = u.provider_id
         WHERE u.status = 'admin_locked'
         ORDER BY u.locked_at, u.id",
        params![],
        |r| {
            Ok(LockedAccount {
                user_id: r.get(0)?,
                provider: r.get(1)?,
                login: r.get(2)?,
                locked_at: r.get(3)?,
                cause: r.get(4)?,
                failed_attempts: r.get::<i64>(5)?.max(0) as u32,
            })
        },
    )
}

/// Users of a provider who can reset on their own today: active, SPR granted, and at least
/// one contact (the provider's own switch is checked by the caller).
pub fn ready(c: Db<'_>, provider_id: i64) -> Result<u64, StoreError> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM users
         WHERE provider_id = ?1 AND status = 'active' AND spr_enabled = 1
           AND (email IS NOT NULL OR text_email IS NOT NULL)",
        params![provider_id],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}
