//! `db copy --to URL` (SPEC §3.16): a SQLite database copied into an empty PostgreSQL one,
//! row for row (ids, sequence numbers and chain hashes unchanged), then checked: the same
//! users, the same events, the same chain head. Nothing is audited on either side, so the
//! two chains stay equal.

use super::db::{Db, Engine, OwnedValue, params, params_of, values_rows};
use super::{Store, StoreError};

/// The tables in an order that satisfies their references, with the columns both engines
/// share; `true` when the table's `id` comes from an identity sequence on PostgreSQL.
const TABLES: &[(&str, &str, bool)] = &[
    (
        "providers",
        "id, code, name, spr_enabled, max_incorrect, token_minutes, min_length, history, max_tokens_per_hour, created_at",
        true,
    ),
    (
        "users",
        "id, provider_id, login, first, last, password_hash, status, spr_enabled, email, text_email, failed_attempts, locked_at, lock_cause, created_at",
        true,
    ),
    ("password_history", "id, user_id, hash, set_at", true),
    (
        "tokens",
        "id, user_id, hash, address, sent_at, expires_at, state, delivery, ended_by",
        true,
    ),
    (
        "operators",
        "id, login, role, password_hash, failed_attempts, last_failed_at, created_at",
        true,
    ),
    (
        "audit",
        "seq, at, actor, action, provider, login, outcome, reason, detail, supervisor, session, verification, ticket, hash",
        false,
    ),
    ("messages", "id, at, to_addr, subject, body", true),
    ("settings", "key, value", false),
    (
        "supervised_sessions",
        "id, operator, user_id, method, note, ticket, started_at, last_activity_at, reset_done_at, ended_at, end_reason",
        false,
    ),
];

/// Rows per INSERT: one round trip for many rows (a million users copy in minutes, not hours).
const BATCH: usize = 200;

/// What a copy moved and found equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyReport {
    /// Rows copied, table by table.
    pub tables: Vec<(String, u64)>,
    /// Events in the audit log of both.
    pub events: u64,
    /// The chain head both end on.
    pub head: String,
}

/// Copies every row of `from` (a file) into `to` (an empty PostgreSQL database whose tables
/// were just made), in one transaction on `to`, then checks the copy. `progress(table, rows)`
/// is called as it goes.
pub fn copy(
    from: &Store,
    to: &mut Store,
    mut progress: impl FnMut(&str, u64),
) -> Result<CopyReport, StoreError> {
    if from.engine() != Engine::Sqlite || to.engine() != Engine::Postgres {
        return Err(StoreError::BadDatabase(
            "db copy copies a database file into a PostgreSQL database.".into(),
        ));
    }
    let src = from.conn();
    let mut tables = Vec::new();
    to.immediate(|dst| -> Result<(), StoreError> {
        for (table, columns, identity) in TABLES {
            let n_cols = columns.split(',').count();
            let mut batch: Vec<OwnedValue> = Vec::with_capacity(BATCH * n_cols);
            let mut copied = 0u64;
            let order = columns.split(',').next().unwrap_or("1");
            src.for_each(
                &format!("SELECT {columns} FROM {table} ORDER BY {order}"),
                params![],
                |r| -> Result<(), StoreError> {
                    for i in 0..n_cols {
                        batch.push(r.get_owned(i)?);
                    }
                    if batch.len() == BATCH * n_cols {
                        insert_rows(dst, table, columns, n_cols, &batch)?;
                        copied += BATCH as u64;
                        batch.clear();
                        progress(table, copied);
                    }
                    Ok(())
                },
            )?;
            if !batch.is_empty() {
                copied += (batch.len() / n_cols) as u64;
                insert_rows(dst, table, columns, n_cols, &batch)?;
            }
            if *identity {
                // New rows made on the server continue after the copied ids.
                dst.execute_batch(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                ))?;
            }
            progress(table, copied);
            tables.push(((*table).to_owned(), copied));
        }
        Ok(())
    })?;
    // The server's planner knows nothing of the rows until they are analysed; without it a
    // search on the copy scans every user until autovacuum comes round.
    to.conn()
        .execute_batch("ANALYZE providers, users, password_history, tokens, audit")?;
    verify(from.conn(), to.conn(), tables)
}

fn insert_rows(
    dst: Db<'_>,
    table: &str,
    columns: &str,
    n_cols: usize,
    values: &[OwnedValue],
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO {table} ({columns}) VALUES {}",
        values_rows(values.len() / n_cols, n_cols)
    );
    dst.execute(&sql, &params_of(values))?;
    Ok(())
}

/// The same rows in every table (compared column by column, in id order), the same events
/// and the same chain head on both sides.
fn verify(src: Db<'_>, dst: Db<'_>, tables: Vec<(String, u64)>) -> Result<CopyReport, StoreError> {
    for (table, columns, _) in TABLES {
        let n_cols = columns.split(',').count();
        let order = columns.split(',').next().unwrap_or("1");
        let sql = format!("SELECT {columns} FROM {table} ORDER BY {order}");
        let read = |db: Db<'_>| -> Result<Vec<Vec<OwnedValue>>, StoreError> {
            db.query_map(&sql, params![], |r| {
                (0..n_cols).map(|i| r.get_owned(i)).collect()
            })
        };
        let (a, b) = (read(src)?, read(dst)?);
        if a.len() != b.len() {
            return Err(StoreError::Other(format!(
                "the copy's check failed: {table} has {} rows in the file and {} on the server",
                a.len(),
                b.len()
            )));
        }
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            return Err(StoreError::Other(format!(
                "the copy's check failed: row {} of {table} differs",
                i + 1
            )));
        }
    }
    let (a, b) = (super::audit::verify(src)?, super::audit::verify(dst)?);
    if a != b || !b.ok {
        return Err(StoreError::Other(format!(
            "the copy's check failed: the file's audit chain ends at {} ({} events), the server's at {} ({} events)",
            a.head, a.events, b.head, b.events
        )));
    }
    Ok(CopyReport {
        tables,
        events: b.events,
        head: b.head,
    })
}
