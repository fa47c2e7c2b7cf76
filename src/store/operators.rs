//! The operators table (console accounts).

use rusqlite::{Connection, params};

use super::optional;
use crate::core::CoreError;
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
pub fn find(c: &Connection, login: &str) -> Result<Option<OperatorRow>, CoreError> {
    let row = optional(c.query_row(
        "SELECT id, login, role, password_hash, failed_attempts, last_failed_at FROM operators WHERE login = ?1",
        [login],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        },
    ))?;
    row.map(
        |(id, login, role, password_hash, failed_attempts, last_failed_at)| {
            Ok(OperatorRow {
                operator: Operator {
                    id,
                    login,
                    role: role.parse()?,
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
pub fn count(c: &Connection) -> Result<u64, CoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM operators", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Every operator, by login.
pub fn all(c: &Connection) -> Result<Vec<Operator>, CoreError> {
    let mut stmt = c.prepare("SELECT id, login, role FROM operators ORDER BY login")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, login, role) = row?;
        out.push(Operator {
            id,
            login,
            role: role.parse()?,
        });
    }
    Ok(out)
}

/// Adds an operator; returns its id.
pub fn insert(
    c: &Connection,
    login: &str,
    role: Role,
    hash: &str,
    now: &str,
) -> Result<i64, CoreError> {
    c.execute(
        "INSERT INTO operators (login, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![login, role.as_str(), hash, now],
    )?;
    Ok(c.last_insert_rowid())
}

/// Records a wrong password (for the growing delay) or a success (`None` resets it).
pub fn set_failures(c: &Connection, id: i64, n: u32, at: Option<&str>) -> Result<(), CoreError> {
    c.execute(
        "UPDATE operators SET failed_attempts = ?2, last_failed_at = ?3 WHERE id = ?1",
        params![id, n, at],
    )?;
    Ok(())
}
