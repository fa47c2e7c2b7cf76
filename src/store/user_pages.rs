//! The Users table's pages at a million users: the first rows of any search in a few
//! milliseconds, without counting or sorting every match.
//!
//! How many users match is first counted only up to [`COUNT_BOUND`]; that picks the plan:
//! - few matches (at most the bound): SQLite finds them through the NOCASE indexes (a
//!   MULTI-INDEX OR for a search) and sorts them, which is cheap since they are few;
//! - many matches: SQLite walks the providers in code order and each provider's users in
//!   Login Name order (the UNIQUE `(provider_id, login)` index), keeps those that match and
//!   stops after the page. The matches are then dense (more than 0.2 % of 1,000,000), so a
//!   page costs about page ÷ density rows, never a sort. A page past the middle is read
//!   backwards from the end once the exact count is known, so a jump to the end is as cheap
//!   as the first page.
//!
//! With "Admin Locked first" the Admin Locked matches (few, found through the status index)
//! come first, most recently locked first, then every other match by provider and Login Name.
//!
//! Any other order (a header clicked) uses the plain sorted plan: find the matches, sort
//! them, skip to the page. The walks above serve only the default order.

use super::StoreError;
use super::db::{Db, Engine, OwnedValue, params_of};
use super::users::{SELECT, UserFilter, from_row, list_sql, where_clause};
pub use crate::core::model::Matches;
use crate::core::model::{Status, User};

/// The first count stops here: "more than 2,000 users match" until the exact count comes.
/// Counting to 10,000 cost 5.5 ms at 1M users (a row lookup each); 2,000 keeps the first
/// page of any prefix under 5 ms, at the price of walking up to 100,000 rows (about 20 ms)
/// when 2,000 to 10,000 users of a million match (BENCHMARKS.md).
pub const COUNT_BOUND: u64 = 2_000;

/// How many users match, counting no further than `bound`.
pub fn count_bounded(c: Db<'_>, filter: &UserFilter, bound: u64) -> Result<Matches, StoreError> {
    let (clause, args) = where_clause(filter, c.engine(), true);
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT 1 FROM users u{clause} LIMIT {}) AS m",
        bound.saturating_add(1)
    );
    let n: i64 = c.query_row(&sql, &params_of(&args), |r| r.get(0))?;
    let n = u64::try_from(n).unwrap_or(0);
    Ok(if n > bound {
        Matches {
            n: bound,
            exact: false,
        }
    } else {
        Matches { n, exact: true }
    })
}

/// Whether the matches are many enough for the ordered walk (see the module notes).
fn dense(matches: Matches) -> bool {
    !matches.exact || matches.n > COUNT_BOUND
}

/// The Admin Locked part of a "locked first" list, and whether any other status is listed.
fn locked_part(filter: &UserFilter) -> (bool, bool) {
    if !filter.locked_first {
        return (false, true);
    }
    match filter.status {
        None => (true, true),
        Some(Status::AdminLocked) => (true, false),
        Some(_) => (false, true),
    }
}

const FROM_JOIN: &str = "FROM users u JOIN providers p ON p.id = u.provider_id";
/// SQLite's CROSS JOIN keeps the join order (providers, then their users); PostgreSQL plans
/// its own.
fn from_walk(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "FROM providers p CROSS JOIN users u ON u.provider_id = p.id",
        Engine::Postgres => FROM_JOIN,
    }
}

/// The SQL of one part's page, and its arguments (LIMIT and OFFSET last).
fn part_sql(
    engine: Engine,
    filter: &UserFilter,
    locked: Option<bool>,
    walk: bool,
    backwards: bool,
    offset: u64,
    limit: u64,
) -> (String, Vec<OwnedValue>) {
    let mut f = filter.clone();
    if locked.is_some() {
        f.status = None;
    }
    // The locked part: the status index finds the (few) locked users, the search is tested
    // on each. The walk: the provider and Login Name index gives the order.
    let indexed = !walk && locked != Some(true);
    let (mut clause, mut args) = where_clause(&f, engine, indexed);
    let order = match locked {
        Some(true) => {
            clause += " AND u.status = 'admin_locked'";
            " ORDER BY u.locked_at DESC, p.code, u.login"
        }
        Some(false) => {
            clause += match engine {
                Engine::Sqlite => " AND +u.status != 'admin_locked'",
                Engine::Postgres => " AND u.status != 'admin_locked'",
            };
            if backwards {
                " ORDER BY p.code DESC, u.login DESC"
            } else {
                " ORDER BY p.code, u.login"
            }
        }
        None if backwards => " ORDER BY p.code DESC, u.login DESC",
        None => " ORDER BY p.code, u.login",
    };
    if walk && engine == Engine::Postgres {
        // PostgreSQL cannot see that providers in code order, each with its users in Login
        // Name order, is the list's order, and would sort every match. So each provider's
        // first `offset + limit` matches are taken by a LATERAL walk of its (provider_id,
        // login) index, and only those few are sorted.
        let inner_order = if backwards { " DESC" } else { "" };
        let inner = format!(
            "SELECT u.* FROM users u{clause} AND u.provider_id = p.id ORDER BY u.login{inner_order} LIMIT {}",
            offset.saturating_add(limit)
        );
        let select = SELECT.replace(
            FROM_JOIN,
            &format!("FROM providers p CROSS JOIN LATERAL ({inner}) u"),
        );
        args.push(OwnedValue::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        args.push(OwnedValue::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
        let n = args.len();
        return (
            format!("{select}{order} LIMIT ?{} OFFSET ?{n}", n - 1),
            args,
        );
    }
    let select = if walk {
        SELECT.replace(FROM_JOIN, from_walk(engine))
    } else {
        SELECT.to_owned()
    };
    args.push(OwnedValue::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
    args.push(OwnedValue::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let n = args.len();
    (
        format!("{select}{clause}{order} LIMIT ?{} OFFSET ?{n}", n - 1),
        args,
    )
}

fn query(c: Db<'_>, sql: &str, args: Vec<OwnedValue>) -> Result<Vec<User>, StoreError> {
    c.query_map(sql, &params_of(&args), from_row)
}

/// How many Admin Locked users match (the first part of a "locked first" list).
fn locked_count(c: Db<'_>, filter: &UserFilter) -> Result<u64, StoreError> {
    let mut f = filter.clone();
    f.status = None;
    let (clause, args) = where_clause(&f, c.engine(), false);
    let sql = format!("SELECT COUNT(*) FROM users u{clause} AND u.status = 'admin_locked'");
    let n: i64 = c.query_row(&sql, &params_of(&args), |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Rows `offset..offset + limit` of the matches, in the Users table's order.
/// `matches` is what is known of their number (bounded or exact).
pub fn page(
    c: Db<'_>,
    filter: &UserFilter,
    matches: Matches,
    offset: u64,
    limit: u64,
) -> Result<Vec<User>, StoreError> {
    if !filter.sort.is_default() {
        let (sql, args) = list_sql(c.engine(), filter, offset, limit);
        return query(c, &sql, args);
    }
    let walk = dense(matches);
    let (has_locked, has_rest) = locked_part(filter);
    let mut out = Vec::new();
    let mut offset = offset;
    let mut limit = limit;
    let mut rest_total = matches.exact.then_some(matches.n);
    if has_locked {
        let n_locked = locked_count(c, filter)?;
        if offset < n_locked {
            let (sql, args) = part_sql(c.engine(), filter, Some(true), false, false, offset, limit);
            let rows = query(c, &sql, args)?;
            limit = limit.saturating_sub(rows.len() as u64);
            out.extend(rows);
            offset = 0;
        } else {
            offset -= n_locked;
        }
        rest_total = rest_total.map(|n| n.saturating_sub(n_locked));
    }
    if limit == 0 || !has_rest {
        return Ok(out);
    }
    let part = has_locked.then_some(false);
    match rest_total {
        // Deep in a long list: read backwards from the end, the shorter way.
        Some(total) if walk && offset > total / 2 => {
            let end = offset.saturating_add(limit).min(total);
            if end > offset {
                let (sql, args) = part_sql(
                    c.engine(),
                    filter,
                    part,
                    true,
                    true,
                    total - end,
                    end - offset,
                );
                let mut rows = query(c, &sql, args)?;
                rows.reverse();
                out.extend(rows);
            }
        }
        _ => {
            let (sql, args) = part_sql(c.engine(), filter, part, walk, false, offset, limit);
            out.extend(query(c, &sql, args)?);
        }
    }
    Ok(out)
}

/// SQLite's plan for a page, one line a step (for tests and tuning).
pub fn page_plan(
    c: Db<'_>,
    filter: &UserFilter,
    matches: Matches,
    backwards: bool,
) -> Result<Vec<String>, StoreError> {
    let (sql, args) = if filter.sort.is_default() {
        let part = locked_part(filter).0.then_some(false);
        part_sql(c.engine(), filter, part, dense(matches), backwards, 0, 200)
    } else {
        list_sql(c.engine(), filter, 0, 200)
    };
    match c.engine() {
        Engine::Sqlite => c.query_map(
            &format!("EXPLAIN QUERY PLAN {sql}"),
            &params_of(&args),
            |r| r.get(3),
        ),
        Engine::Postgres => c.query_map(&format!("EXPLAIN {sql}"), &params_of(&args), |r| r.get(0)),
    }
}
