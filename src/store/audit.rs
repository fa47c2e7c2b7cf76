//! The append-only audit table (the database refuses UPDATE and DELETE through triggers).

use rusqlite::{Connection, params};

use crate::core::CoreError;
use crate::core::audit::{AuditEvent, AuditFilter, NewEvent};

/// Appends one event.
pub fn append(c: &Connection, at: &str, e: &NewEvent) -> Result<(), CoreError> {
    c.execute(
        "INSERT INTO audit (at, actor, action, provider, login, outcome, reason, detail,
                            supervisor, session)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            at,
            e.actor,
            e.action,
            e.provider,
            e.login,
            e.outcome,
            e.reason,
            e.detail,
            e.supervisor,
            e.session
        ],
    )?;
    Ok(())
}

fn where_clause(f: &AuditFilter) -> (String, Vec<String>) {
    let mut sql = String::from(" WHERE 1=1");
    let mut args = Vec::new();
    let mut add = |cond: &str, v: &Option<String>, args: &mut Vec<String>| {
        if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            args.push(v.to_owned());
            sql += &format!(" AND {cond} ?{}", args.len());
            if cond.starts_with("provider") || cond.starts_with("login") {
                sql += " COLLATE NOCASE";
            }
        }
    };
    add("provider = ", &f.provider, &mut args);
    add("login = ", &f.login, &mut args);
    add("action = ", &f.action, &mut args);
    add("outcome = ", &f.outcome, &mut args);
    add("session = ", &f.session, &mut args);
    add("at >= ", &f.since, &mut args);
    add("at < ", &f.until, &mut args);
    (sql, args)
}

/// Events matching the filter, in the order they were written (or newest first).
pub fn list(c: &Connection, f: &AuditFilter) -> Result<Vec<AuditEvent>, CoreError> {
    let (clause, args) = where_clause(f);
    let order = if f.newest_first { "DESC" } else { "ASC" };
    let limit = f.limit.map_or(-1, i64::from);
    let offset = f.offset.unwrap_or(0);
    let sql = format!(
        "SELECT seq, at, actor, action, provider, login, outcome, reason, detail, supervisor, session
         FROM audit{clause}
         ORDER BY seq {order} LIMIT {limit} OFFSET {offset}"
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(AuditEvent {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            provider: r.get(4)?,
            login: r.get(5)?,
            outcome: r.get(6)?,
            reason: r.get(7)?,
            detail: r.get(8)?,
            supervisor: r.get(9)?,
            session: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many events match the filter.
pub fn count(c: &Connection, f: &AuditFilter) -> Result<u64, CoreError> {
    let (clause, args) = where_clause(f);
    Ok(c.query_row(
        &format!("SELECT COUNT(*) FROM audit{clause}"),
        rusqlite::params_from_iter(args),
        |r| r.get::<_, i64>(0),
    )? as u64)
}
