//! The append-only, hash-chained audit table (SPEC §3.10). The database refuses UPDATE and
//! DELETE through triggers, and an event whose sequence number is not new.

use super::StoreError;
use super::db::{Db, OwnedValue, Row, params, params_of};
use crate::core::audit::{
    AuditEvent, AuditFilter, CHAIN_START, ChainReport, NewEvent, canonical_form, chain_hash,
    from_hex, to_hex,
};

/// The last event's sequence number and chain hash (the chain's start for an empty log).
fn last_link(c: Db<'_>) -> Result<(i64, [u8; 32]), StoreError> {
    // Cached: bulk changes append one event a user.
    let last: Option<(i64, Option<String>)> = c.query_opt(
        "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match last {
        None => Ok((0, CHAIN_START)),
        Some((seq, hash)) => {
            let hash = hash.as_deref().and_then(from_hex).ok_or_else(|| {
                StoreError::Other(format!(
                    "The audit log is damaged: event {seq} has no valid chain hash. Run `spr-console audit verify`."
                ))
            })?;
            Ok((seq, hash))
        }
    }
}

fn insert_linked(c: Db<'_>, at: &str, e: &NewEvent) -> Result<(), StoreError> {
    let (last_seq, previous) = last_link(c)?;
    let seq = last_seq + 1;
    let canonical = canonical_form(
        seq,
        at,
        &e.actor,
        e.action,
        e.provider.as_deref(),
        e.login.as_deref(),
        e.outcome.as_str(),
        e.reason,
        &e.detail,
        e.supervisor.as_deref(),
        e.session.as_deref(),
        e.verification.as_deref(),
        e.ticket.as_deref(),
    );
    let hash = to_hex(&chain_hash(&previous, &canonical));
    c.execute(
        "INSERT INTO audit (seq, at, actor, action, provider, login, outcome, reason, detail,
                            supervisor, session, verification, ticket, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            seq,
            at,
            e.actor,
            e.action,
            e.provider,
            e.login,
            e.outcome.as_str(),
            e.reason,
            e.detail,
            e.supervisor,
            e.session,
            e.verification,
            e.ticket,
            hash
        ],
    )?;
    Ok(())
}

/// Appends one event, chained to the last. Outside a transaction it takes the write lock
/// first (`BEGIN IMMEDIATE`), so two consoles never chain from the same event.
pub fn append(c: Db<'_>, at: &str, e: &NewEvent) -> Result<(), StoreError> {
    c.in_write(|c| insert_linked(c, at, e))
}

fn stored_event(r: &Row<'_>) -> Result<AuditEvent, StoreError> {
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
        verification: r.get(11)?,
        ticket: r.get(12)?,
        hash: r.get::<Option<String>>(13)?.unwrap_or_default(),
    })
}

const COLUMNS: &str = "seq, at, actor, action, provider, login, outcome, reason, detail, supervisor, session, \
     verification, ticket, hash";

/// Recomputes the whole chain, oldest first: the number of events, the head hash and the
/// first event whose stored hash does not match (SPEC §3.10).
pub fn verify(c: Db<'_>) -> Result<ChainReport, StoreError> {
    let mut previous = CHAIN_START;
    let mut events = 0u64;
    let mut first_bad = None;
    let mut head = to_hex(&CHAIN_START);
    c.for_each(
        &format!("SELECT {COLUMNS} FROM audit ORDER BY seq"),
        params![],
        |r| -> Result<(), StoreError> {
            let e = stored_event(r)?;
            events += 1;
            head = e.hash.clone();
            if first_bad.is_some() {
                return Ok(());
            }
            let expected = chain_hash(&previous, &e.canonical());
            if from_hex(&e.hash) == Some(expected) {
                previous = expected;
            } else {
                first_bad = Some(e.seq);
            }
            Ok(())
        },
    )?;
    Ok(ChainReport {
        events,
        head,
        ok: first_bad.is_none(),
        first_bad,
    })
}

/// Migration 0003's Rust step: fills `hash` for the events written before the chain, in
/// order. The UPDATE trigger is lifted for this one transaction and put back as it was.
pub(crate) fn fill_chain(c: Db<'_>) -> Result<(), StoreError> {
    c.execute_batch("DROP TRIGGER audit_no_update")?;
    let events: Vec<AuditEvent> = c.query_map(
        &format!("SELECT {COLUMNS} FROM audit ORDER BY seq"),
        params![],
        stored_event,
    )?;
    let mut previous = CHAIN_START;
    for e in &events {
        previous = chain_hash(&previous, &e.canonical());
        c.execute(
            "UPDATE audit SET hash = ?1 WHERE seq = ?2",
            params![to_hex(&previous), e.seq],
        )?;
    }
    c.execute_batch(
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
         BEGIN
             SELECT RAISE(ABORT, 'the audit log is append-only');
         END;",
    )?;
    Ok(())
}

fn where_clause(c: Db<'_>, f: &AuditFilter) -> (String, Vec<OwnedValue>) {
    let nocase = c.nocase();
    let mut sql = String::from(" WHERE 1=1");
    let mut args = Vec::new();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    // `cond ?N tail` for each value given.
    let mut add = |cond: &str, v: Option<String>, tail: &str| {
        if let Some(v) = v {
            args.push(OwnedValue::Text(v));
            sql += &format!(" AND {cond} ?{}{tail}", args.len());
        }
    };
    add("provider =", given(&f.provider), nocase);
    add("login =", given(&f.login), nocase);
    match given(&f.action) {
        // `reset_*` is a family of actions: those whose name starts so.
        Some(a) if a.ends_with('*') => add(
            "instr(action,",
            Some(a.trim_end_matches('*').to_owned()),
            ") = 1",
        ),
        a => add("action =", a, ""),
    }
    add("outcome =", given(&f.outcome), "");
    add("session =", given(&f.session), "");
    add("at >=", given(&f.since), "");
    add("at <", given(&f.until), "");
    (sql, args)
}

/// Events matching the filter, in the order they were written (or newest first).
pub fn list(c: Db<'_>, f: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
    let (clause, args) = where_clause(c, f);
    let order = if f.newest_first { "DESC" } else { "ASC" };
    let limit = f.limit.map_or(i64::MAX, i64::from);
    let offset = f.offset.unwrap_or(0);
    let sql = format!(
        "SELECT {COLUMNS} FROM audit{clause}
         ORDER BY seq {order} LIMIT {limit} OFFSET {offset}"
    );
    c.query_map(&sql, &params_of(&args), stored_event)
}

/// The newest event's sequence number, 0 for an empty log (MAX of the primary key: one
/// lookup, cheap enough to poll every second).
pub fn head_seq(c: Db<'_>) -> Result<i64, StoreError> {
    c.query_row("SELECT COALESCE(MAX(seq), 0) FROM audit", params![], |r| {
        r.get(0)
    })
}

/// How many events match the filter.
pub fn count(c: Db<'_>, f: &AuditFilter) -> Result<u64, StoreError> {
    let (clause, args) = where_clause(c, f);
    c.query_row(
        &format!("SELECT COUNT(*) FROM audit{clause}"),
        &params_of(&args),
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_action_family_filters_on_the_start_of_the_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("a.sqlite3")).expect("open");
        let c = store.conn();
        for a in ["reset_request", "reset_complete", "login", "user_unlock"] {
            let e = NewEvent {
                actor: "user".into(),
                action: a,
                ..Default::default()
            };
            append(c, "2026-11-28T09:00:00Z", &e).expect("append");
        }
        let actions = |action: &str| -> Vec<String> {
            let f = AuditFilter {
                action: Some(action.into()),
                ..AuditFilter::default()
            };
            list(c, &f)
                .expect("list")
                .into_iter()
                .map(|e| e.action)
                .collect()
        };
        assert_eq!(actions("reset_*"), ["reset_request", "reset_complete"]);
        assert_eq!(
            actions("reset"),
            Vec::<String>::new(),
            "a bare word matches exactly"
        );
        assert_eq!(actions("login"), ["login"]);
        assert_eq!(actions("user_*"), ["user_unlock"]);
    }
}
