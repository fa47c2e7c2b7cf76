//! Supervised sessions (SPEC §3.15): who helped which user, how the caller was verified.

use super::StoreError;
use super::db::{Db, Row, params};

/// One supervised session as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub operator: String,
    pub user_id: i64,
    pub method: String,
    pub note: String,
    pub ticket: Option<String>,
    pub started_at: String,
    pub last_activity_at: String,
    pub reset_done_at: Option<String>,
    pub ended_at: Option<String>,
    pub end_reason: Option<String>,
}

const COLUMNS: &str = "id, operator, user_id, method, note, ticket, started_at, last_activity_at, reset_done_at, ended_at, end_reason";

fn row(r: &Row<'_>) -> Result<SessionRow, StoreError> {
    Ok(SessionRow {
        id: r.get(0)?,
        operator: r.get(1)?,
        user_id: r.get(2)?,
        method: r.get(3)?,
        note: r.get(4)?,
        ticket: r.get(5)?,
        started_at: r.get(6)?,
        last_activity_at: r.get(7)?,
        reset_done_at: r.get(8)?,
        ended_at: r.get(9)?,
        end_reason: r.get(10)?,
    })
}

/// Records a new session.
#[allow(clippy::too_many_arguments)]
pub fn insert(
    c: Db<'_>,
    id: &str,
    operator: &str,
    user_id: i64,
    method: &str,
    note: &str,
    ticket: Option<&str>,
    at: &str,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO supervised_sessions (id, operator, user_id, method, note, ticket, started_at, last_activity_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![id, operator, user_id, method, note, ticket, at],
    )?;
    Ok(())
}

/// The session with this id.
pub fn by_id(c: Db<'_>, id: &str) -> Result<Option<SessionRow>, StoreError> {
    c.query_opt(
        &format!("SELECT {COLUMNS} FROM supervised_sessions WHERE id = ?1"),
        params![id],
        row,
    )
}

/// Sessions of this operator that have not ended.
pub fn open_of(c: Db<'_>, operator: &str) -> Result<Vec<SessionRow>, StoreError> {
    c.query_map(
        &format!(
            "SELECT {COLUMNS} FROM supervised_sessions WHERE operator = ?1 AND ended_at IS NULL ORDER BY started_at"
        ),
        params![operator],
        row,
    )
}

/// Notes activity in the session (the idle limit counts from here).
pub fn touch(c: Db<'_>, id: &str, at: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE supervised_sessions SET last_activity_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Notes that the user's password was changed in the session.
pub fn mark_reset_done(c: Db<'_>, id: &str, at: &str) -> Result<(), StoreError> {
    c.execute(
        "UPDATE supervised_sessions SET reset_done_at = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

/// Ends the session; returns false when it had already ended.
pub fn end(c: Db<'_>, id: &str, at: &str, reason: &str) -> Result<bool, StoreError> {
    Ok(c.execute(
        "UPDATE supervised_sessions SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
        params![id, at, reason],
    )? == 1)
}
