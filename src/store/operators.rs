//! The operators table (console accounts).

use super::StoreError;
use super::db::{Db, params};
use crate::core::model::{Operator, Role};

/// An operator with what login needs.
#[derive(Clone, Debug)]
pub struct OperatorRow {
    pub operator: Operator,
    pub password_hash: String,
    pub failed_attempts: u32,
    pub last_failed_at: Option<String>,
}

/// The operator with this login (case-insensitive).
pub fn find(c: Db<'_>, login: &str) -> Result<Option<OperatorRow>, StoreError> {
    let row = c.query_opt(
        "SELECT id, login, role, password_hash, failed_attempts, last_failed_at FROM operators WHERE login = ?1",
        params![login],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<u32>(4)?,
                r.get::<Option<String>>(5)?,
            ))
        },
    )?;
    row.map(
        |(id, login, role, password_hash, failed_attempts, last_failed_at)| {
            Ok(OperatorRow {
                operator: Operator {
                    id,
                    login,
                    role: role.parse().map_err(StoreError::bad_value)?,
                },
                password_hash,
                failed_attempts,
                last_failed_at,
            })
        },
    )
    .transpose()
}

/// How many operators exist.
pub fn count(c: Db<'_>) -> Result<u64, StoreError> {
    c.query_row("SELECT COUNT(*) FROM operators", params![], |r| r.get(0))
}

/// Every operator, by login.
pub fn all(c: Db<'_>) -> Result<Vec<Operator>, StoreError> {
    c.query_map(
        "SELECT id, login, role FROM operators ORDER BY login",
        params![],
        |r| {
            Ok(Operator {
                id: r.get(0)?,
                login: r.get(1)?,
                role: r.get::<String>(2)?.parse().map_err(StoreError::bad_value)?,
            })
        },
    )
}

/// Adds an operator; returns its id.
pub fn insert(
    c: Db<'_>,
    login: &str,
    role: Role,
    hash: &str,
    now: &str,
) -> Result<i64, StoreError> {
    c.insert(
        "INSERT INTO operators (login, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![login, role.as_str(), hash, now],
    )
}

/// Records a wrong password (for the growing delay) or a success (`None` resets it).
pub fn set_failures(c: Db<'_>, id: i64, n: u32, at: Option<&str>) -> Result<(), StoreError> {
    c.execute(
        "UPDATE operators SET failed_attempts = ?2, last_failed_at = ?3 WHERE id = ?1",
        params![id, n, at],
    )?;
    Ok(())
}
