//! The Users table's pages at a million users: the first rows of any search in a few
//! milliseconds, without counting or sorting every match.
//!
//! How many users match is first counted only up to [`COUNT_BOUND`]; that picks the plan:
//! - few matches (at most the bound): SQLite finds them through the NOCASE indexes (a
//!   MULTI-INDEX OR for a search) and sorts them, which is cheap since they are few;
//! - many matches: SQLite walks the providers in code order and each provider's users in
//!   Login Name order (the UNIQUE `(provider_id, login)` index), keeps those that match and
//!   stops after the page. The matches are then dense (more than 0.2 % of 1,000,000), so a
//!   page costs about page ÷ density rows, never a sort. With the exact count come the
//!   list's signposts ([`anchors`]: every 2,048th row's Provider Code and Login Name), and a
//!   page anywhere is read from the signpost before it, an index seek and a short skip; a
//!   page past the middle without them is read backwards from the end, so a jump to the end
//!   is as cheap as the first page.
//!
//! With "Admin Locked first" the Admin Locked matches (few, found through the status index)
//! come first, most recently locked first, then every other match by provider and Login Name.
//!
//! Any other order (a header clicked) uses the plain sorted plan: find the matches, sort
//! them, skip to the page. The walks above serve only the default order.

use super::StoreError;
use super::db::{Db, Engine, OwnedValue, params_of};
use super::users::{SELECT, UserFilter, from_row, list_sql, where_clause};
pub use crate::core::model::{Anchors, Matches};
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

/// Rows between the signposts of a long list ([`anchors`]): a page anywhere is read from the
/// signpost before it, skipping fewer than this many rows (about 0.3 ms) where a page in the
/// middle of a million rows skipped half a million (68 ms, five frames).
pub const ANCHOR_EVERY: u64 = 2_048;

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

/// The WHERE clause of one part of the list: the Admin Locked matches (`Some(true)`), the
/// others (`Some(false)`), or every match (`None`).
fn part_where(
    engine: Engine,
    filter: &UserFilter,
    locked: Option<bool>,
    indexed: bool,
) -> (String, Vec<OwnedValue>) {
    let mut f = filter.clone();
    if locked.is_some() {
        f.status = None;
    }
    let (mut clause, args) = where_clause(&f, engine, indexed);
    match locked {
        Some(true) => clause += " AND u.status = 'admin_locked'",
        Some(false) => {
            clause += match engine {
                Engine::Sqlite => " AND +u.status != 'admin_locked'",
                Engine::Postgres => " AND u.status != 'admin_locked'",
            }
        }
        None => {}
    }
    (clause, args)
}

/// Where a walk starts when it is read from a signpost ([`Anchors`]).
#[derive(Clone, Copy)]
enum Start<'a> {
    /// At the top.
    Top,
    /// In the provider with this code, at this Login Name.
    At { code: &'a str, login: &'a str },
    /// In the providers after the one with this code.
    After { code: &'a str },
}

impl Start<'_> {
    /// Narrows `clause` to the rows from this start on, in the walk's order (which compares
    /// Login Names without case, as the indexes hold them).
    fn narrow(self, clause: &mut String, args: &mut Vec<OwnedValue>) {
        match self {
            Start::Top => {}
            Start::At { code, login } => {
                args.push(OwnedValue::Text(code.to_owned()));
                args.push(OwnedValue::Text(login.to_owned()));
                let n = args.len();
                *clause += &format!(" AND p.code = ?{} AND u.login >= ?{n}", n - 1);
            }
            Start::After { code } => {
                args.push(OwnedValue::Text(code.to_owned()));
                *clause += &format!(" AND p.code > ?{}", args.len());
            }
        }
    }
}

/// The SQL of one part's page, and its arguments (LIMIT and OFFSET last).
#[allow(clippy::too_many_arguments)]
fn part_sql(
    engine: Engine,
    filter: &UserFilter,
    locked: Option<bool>,
    walk: bool,
    backwards: bool,
    start: Start<'_>,
    offset: u64,
    limit: u64,
) -> (String, Vec<OwnedValue>) {
    // The locked part: the status index finds the (few) locked users, the search is tested
    // on each. The walk: the provider and Login Name index gives the order.
    let indexed = !walk && locked != Some(true);
    let (mut clause, mut args) = part_where(engine, filter, locked, indexed);
    start.narrow(&mut clause, &mut args);
    let order = match locked {
        Some(true) => " ORDER BY u.locked_at DESC, p.code, u.login",
        _ if backwards => " ORDER BY p.code DESC, u.login DESC",
        _ => " ORDER BY p.code, u.login",
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
    page_with(c, filter, matches, None, offset, limit)
}

/// As [`page`], read from the signpost before `offset` when `anchors` (from [`anchors`] for
/// this filter, on the data as it is now) has one: a page deep in a million rows then costs
/// what the first page does, instead of a walk past every row above it.
pub fn page_with(
    c: Db<'_>,
    filter: &UserFilter,
    matches: Matches,
    anchors: Option<&Anchors>,
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
    let e = c.engine();
    if has_locked {
        let n_locked = locked_count(c, filter)?;
        if offset < n_locked {
            let (sql, args) = part_sql(
                e,
                filter,
                Some(true),
                false,
                false,
                Start::Top,
                offset,
                limit,
            );
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
    let signpost = anchors.filter(|a| walk && a.every > 0).and_then(|a| {
        let k = offset / a.every;
        let key = a.keys.get(usize::try_from(k.checked_sub(1)?).ok()?)?;
        Some((key, offset - k * a.every))
    });
    match (signpost, rest_total) {
        (Some(((code, login), skip)), total)
            if total.is_none_or(|t| t.saturating_sub(offset + limit) >= skip) =>
        {
            out.extend(from_signpost(c, filter, part, code, login, skip, limit)?);
        }
        // Deep in a long list: read backwards from the end, the shorter way.
        (_, Some(total)) if walk && offset > total / 2 => {
            let end = offset.saturating_add(limit).min(total);
            if end > offset {
                let (sql, args) = part_sql(
                    e,
                    filter,
                    part,
                    true,
                    true,
                    Start::Top,
                    total - end,
                    end - offset,
                );
                let mut rows = query(c, &sql, args)?;
                rows.reverse();
                out.extend(rows);
            }
        }
        _ => {
            let (sql, args) = part_sql(e, filter, part, walk, false, Start::Top, offset, limit);
            out.extend(query(c, &sql, args)?);
        }
    }
    Ok(out)
}

/// `limit` rows of the walk from `skip` rows past the signpost (`code`, `login`): first in
/// the signpost's provider from its Login Name on, then in the providers after it. Each step
/// is an index seek, so the cost does not grow with the depth of the page.
fn from_signpost(
    c: Db<'_>,
    filter: &UserFilter,
    part: Option<bool>,
    code: &str,
    login: &str,
    skip: u64,
    limit: u64,
) -> Result<Vec<User>, StoreError> {
    let e = c.engine();
    let at = Start::At { code, login };
    let (sql, args) = part_sql(e, filter, part, true, false, at, skip, limit);
    let mut rows = query(c, &sql, args)?;
    let got = rows.len() as u64;
    if got == limit {
        return Ok(rows);
    }
    // The signpost's provider ran out: how many of its rows were skipped, then the rest of
    // the skip and the page in the providers after it.
    let skipped = if got > 0 {
        skip
    } else {
        let (mut clause, mut args) = part_where(e, filter, part, false);
        at.narrow(&mut clause, &mut args);
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 {}{clause} LIMIT {skip}) AS m",
            from_walk(e)
        );
        let n: i64 = c.query_row(&sql, &params_of(&args), |r| r.get(0))?;
        u64::try_from(n).unwrap_or(0)
    };
    let after = Start::After { code };
    let (sql, args) = part_sql(
        e,
        filter,
        part,
        true,
        false,
        after,
        skip - skipped,
        limit - got,
    );
    rows.extend(query(c, &sql, args)?);
    Ok(rows)
}

/// The exact number of matches and the list's signposts every `every` rows (see
/// [`Anchors`]). Where signposts serve (the default order, a part of the list that is walked)
/// the walk that reads them also counts the rows it passes, so the matches are not counted a
/// second time; otherwise the count alone, and no signposts.
pub fn count_and_anchors(
    c: Db<'_>,
    filter: &UserFilter,
    every: u64,
) -> Result<(u64, Anchors), StoreError> {
    let (has_locked, has_rest) = locked_part(filter);
    if !filter.sort.is_default() || every == 0 || !has_rest {
        let keys = Vec::new();
        return Ok((super::users::count(c, filter)?, Anchors { every, keys }));
    }
    let (walked, anchors) = walk_signposts(c, filter, every)?;
    let locked = if has_locked {
        locked_count(c, filter)?
    } else {
        0
    };
    Ok((walked + locked, anchors))
}

/// The signposts of `filter`'s list every `every` rows (see [`count_and_anchors`]).
pub fn anchors(c: Db<'_>, filter: &UserFilter, every: u64) -> Result<Anchors, StoreError> {
    Ok(count_and_anchors(c, filter, every)?.1)
}

/// Reads the Login Name of every row of the walk once, provider by provider in index order;
/// returns how many rows it passed and every `every`th one's key.
fn walk_signposts(
    c: Db<'_>,
    filter: &UserFilter,
    every: u64,
) -> Result<(u64, Anchors), StoreError> {
    let e = c.engine();
    let part = locked_part(filter).0.then_some(false);
    let (clause, mut args) = part_where(e, filter, part, false);
    args.push(OwnedValue::Int(0));
    let n = args.len();
    let sql = format!(
        "SELECT u.login {}{clause} AND p.id = ?{n} ORDER BY u.login",
        from_walk(e)
    );
    let providers: Vec<(i64, String)> =
        c.query_map("SELECT id, code FROM providers ORDER BY code", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let mut keys = Vec::new();
    let mut row = 0u64;
    for (id, code) in providers {
        if filter.provider_id.is_some_and(|p| p != id) {
            continue;
        }
        args[n - 1] = OwnedValue::Int(id);
        c.for_each(&sql, &params_of(&args), |r| -> Result<(), StoreError> {
            if row > 0 && row.is_multiple_of(every) {
                keys.push((code.clone(), r.get(0)?));
            }
            row += 1;
            Ok(())
        })?;
    }
    Ok((row, Anchors { every, keys }))
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
        part_sql(
            c.engine(),
            filter,
            part,
            dense(matches),
            backwards,
            Start::Top,
            0,
            200,
        )
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
