//! One handle over both engines: the store's queries are written once, in the SQL both
//! SQLite and PostgreSQL accept, with `?N` placeholders (rewritten to `$N` for PostgreSQL).
//!
//! An enum rather than a trait object: there are exactly two engines, both synchronous, and
//! the store's functions take a `Db` by value (it is `Copy`), so a query costs one `match`
//! and no boxing; a third engine would be one more arm here, not a change to every caller.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use postgres::types::{IsNull, ToSql as PgToSql, Type, to_sql_checked};

use super::StoreError;

/// Which engine a `Db` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A value crossing into or out of a query.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
}

/// An owned value, for queries whose parameters are built at run time.
#[derive(Clone, Debug, PartialEq)]
pub enum OwnedValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A Rust value that can be a query parameter.
pub trait ToValue {
    /// The value as the engine receives it.
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for i64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}
impl ToValue for i32 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for u32 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for u64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for usize {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}
impl ToValue for OwnedValue {
    fn to_value(&self) -> Value<'_> {
        match self {
            Self::Null => Value::Null,
            Self::Int(i) => Value::Int(*i),
            Self::Real(f) => Value::Real(*f),
            Self::Text(s) => Value::Text(s),
        }
    }
}

/// Parameters of a query: `params![a, b]`.
#[macro_export]
#[doc(hidden)]
macro_rules! __store_params {
    () => { &[] as &[&dyn $crate::store::db::ToValue] };
    ($($x:expr),+ $(,)?) => { &[$(&$x as &dyn $crate::store::db::ToValue),+] as &[&dyn $crate::store::db::ToValue] };
}
pub use crate::__store_params as params;

/// `(?1, ?2), (?3, ?4)`: the VALUES list of a multi-row INSERT of `rows` rows of `columns`
/// values each, numbered in row order.
pub fn values_rows(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
            sql.push_str(&(r * columns + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// Borrows a list of owned values as parameters.
pub fn params_of(values: &[OwnedValue]) -> Vec<&dyn ToValue> {
    values.iter().map(|v| v as &dyn ToValue).collect()
}

/// A Rust value that can be read from a column.
pub trait FromValue: Sized {
    /// Converts the column's value, or says why it cannot.
    fn from_value(v: Value<'_>) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(i),
            other => Err(format!("expected an integer, found {other:?}")),
        }
    }
}
impl FromValue for i32 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        i32::try_from(i64::from_value(v)?).map_err(|e| e.to_string())
    }
}
impl FromValue for u32 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        u32::try_from(i64::from_value(v)?).map_err(|e| e.to_string())
    }
}
impl FromValue for u64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        u64::try_from(i64::from_value(v)?).map_err(|e| e.to_string())
    }
}
impl FromValue for bool {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        Ok(i64::from_value(v)? != 0)
    }
}
impl FromValue for f64 {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Real(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.to_owned()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value<'_>) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One result row, borrowed from the engine.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// The value of column `i` (from 0), whatever its type (for copies between engines).
    pub fn get_owned(&self, i: usize) -> Result<OwnedValue, StoreError> {
        let owned = |v: Value<'_>| match v {
            Value::Null => OwnedValue::Null,
            Value::Int(n) => OwnedValue::Int(n),
            Value::Real(f) => OwnedValue::Real(f),
            Value::Text(s) => OwnedValue::Text(s.to_owned()),
        };
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => OwnedValue::Null,
                    ValueRef::Integer(n) => OwnedValue::Int(n),
                    ValueRef::Real(f) => OwnedValue::Real(f),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        OwnedValue::Text(String::from_utf8_lossy(t).into_owned())
                    }
                })
            }
            Row::Postgres(r) => Ok(owned(pg_value(r, i)?)),
        }
    }

    /// The value of column `i` (from 0) as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, StoreError> {
        let bad = |e: String| StoreError::Other(format!("column {i}: {e}"));
        match self {
            Row::Sqlite(r) => {
                use rusqlite::types::ValueRef;
                let v = r.get_ref(i)?;
                let v = match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Int(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Value::Text(std::str::from_utf8(t).map_err(|e| bad(e.to_string()))?)
                    }
                };
                T::from_value(v).map_err(bad)
            }
            Row::Postgres(r) => T::from_value(pg_value(r, i)?).map_err(bad),
        }
    }
}

fn pg_value<'r>(r: &'r postgres::Row, i: usize) -> Result<Value<'r>, StoreError> {
    let col = r
        .columns()
        .get(i)
        .ok_or_else(|| StoreError::Other(format!("no column {i}")))?;
    let ty = col.type_();
    let v = if *ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if *ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(i)?
            .map(|v| Value::Int(i64::from(v)))
    } else if *ty == Type::INT2 {
        r.try_get::<_, Option<i16>>(i)?
            .map(|v| Value::Int(i64::from(v)))
    } else if *ty == Type::BOOL {
        r.try_get::<_, Option<bool>>(i)?
            .map(|v| Value::Int(i64::from(v)))
    } else if *ty == Type::FLOAT8 {
        r.try_get::<_, Option<f64>>(i)?.map(Value::Real)
    } else if *ty == Type::FLOAT4 {
        r.try_get::<_, Option<f32>>(i)?
            .map(|v| Value::Real(f64::from(v)))
    } else {
        r.try_get::<_, Option<&str>>(i)?.map(Value::Text)
    };
    Ok(v.unwrap_or(Value::Null))
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(i),
            Value::Real(f) => ValueRef::Real(f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl PgToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let wrong = || format!("cannot send {self:?} as {ty}").into();
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => {
                if *ty == Type::INT8 {
                    i.to_sql(ty, out)
                } else if *ty == Type::INT4 {
                    i32::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::INT2 {
                    i16::try_from(i)?.to_sql(ty, out)
                } else if *ty == Type::BOOL {
                    (i != 0).to_sql(ty, out)
                } else if *ty == Type::FLOAT8 {
                    (i as f64).to_sql(ty, out)
                } else if is_text(ty) {
                    i.to_string().as_str().to_sql(ty, out)
                } else {
                    Err(wrong())
                }
            }
            Value::Real(f) => {
                if *ty == Type::FLOAT8 {
                    f.to_sql(ty, out)
                } else {
                    Err(wrong())
                }
            }
            Value::Text(s) => {
                if is_text(ty) {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                } else {
                    Err(wrong())
                }
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    *ty == Type::TEXT
        || *ty == Type::VARCHAR
        || *ty == Type::BPCHAR
        || *ty == Type::NAME
        || *ty == Type::UNKNOWN
        || ty.name() == "citext"
}

/// A PostgreSQL connection with its prepared statements.
pub struct PgConn {
    pub(super) client: RefCell<postgres::Client>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Inside a write transaction: reads of a user row lock it (`FOR UPDATE`).
    pub(super) writing: Cell<bool>,
}

impl PgConn {
    pub(super) fn new(client: postgres::Client) -> Self {
        Self {
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
            writing: Cell::new(false),
        }
    }

    pub(super) fn statement(&self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.borrow_mut().prepare(&pg_sql(sql))?;
        let mut cache = self.statements.borrow_mut();
        if cache.len() > 256 {
            cache.clear();
        }
        cache.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    fn query(&self, sql: &str, params: &[&dyn ToValue]) -> Result<Vec<postgres::Row>, StoreError> {
        let stmt = self.statement(sql)?;
        let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
        let refs: Vec<&(dyn PgToSql + Sync)> =
            values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
        Ok(self.client.borrow_mut().query(&stmt, &refs)?)
    }

    fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
        let refs: Vec<&(dyn PgToSql + Sync)> =
            values.iter().map(|v| v as &(dyn PgToSql + Sync)).collect();
        Ok(self.client.borrow_mut().execute(&stmt, &refs)?)
    }
}

/// `?N` (and bare `?`) placeholders become PostgreSQL's `$N`; quoted text is left alone.
pub fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    let mut next = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                if digits.is_empty() {
                    next += 1;
                    digits = next.to_string();
                }
                out.push('$');
                out.push_str(&digits);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A connection to either engine, for reads and (inside `Store::immediate`) writes.
#[derive(Clone, Copy)]
pub enum Db<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a PgConn),
}

impl<'a> Db<'a> {
    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs one statement; returns how many rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> Result<u64, StoreError> {
        match self {
            Db::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let n = c
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(values.iter()))?;
                Ok(n as u64)
            }
            Db::Postgres(p) => p.execute(sql, params),
        }
    }

    /// Runs an `INSERT` and returns the new row's `id`.
    pub fn insert(&self, sql: &str, params: &[&dyn ToValue]) -> Result<i64, StoreError> {
        match self {
            // SQLite has the new row's id at hand; RETURNING would cost a result row per
            // insert (an import ran 3.7× slower with it).
            Db::Sqlite(c) => {
                self.execute(sql, params)?;
                Ok(c.last_insert_rowid())
            }
            Db::Postgres(_) => {
                let sql = format!("{sql} RETURNING id");
                self.query_row(&sql, params, |r| r.get(0))
            }
        }
    }

    /// Runs several statements with no parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Db::Postgres(p) => Ok(p.client.borrow_mut().batch_execute(sql)?),
        }
    }

    /// Every row of a query, each mapped by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Db::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row::Sqlite(r))?);
                }
                Ok(out)
            }
            Db::Postgres(p) => p
                .query(sql, params)?
                .iter()
                .map(|r| f(&Row::Postgres(r)))
                .collect(),
        }
    }

    /// The first row of a query mapped by `f`, or `None` when there is none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Db::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(r) => f(&Row::Sqlite(r)).map(Some),
                    None => Ok(None),
                }
            }
            Db::Postgres(p) => match p.query(sql, params)?.first() {
                Some(r) => f(&Row::Postgres(r)).map(Some),
                None => Ok(None),
            },
        }
    }

    /// The first row of a query mapped by `f`; no row is an error.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, params, f)?
            .ok_or_else(|| StoreError::Other("the query returned no row".into()))
    }

    /// Calls `f` on each row as it arrives (an export of a million rows holds one at a
    /// time). `f` must not query this `Db`: the engine is busy streaming.
    pub fn for_each<E: From<StoreError>>(
        &self,
        sql: &str,
        params: &[&dyn ToValue],
        mut f: impl FnMut(&Row<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Db::Sqlite(c) => {
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let mut stmt = c.prepare_cached(sql).map_err(StoreError::from)?;
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(values.iter()))
                    .map_err(StoreError::from)?;
                while let Some(r) = rows.next().map_err(StoreError::from)? {
                    f(&Row::Sqlite(r))?;
                }
                Ok(())
            }
            Db::Postgres(p) => {
                use postgres::fallible_iterator::FallibleIterator;
                let stmt = p.statement(sql)?;
                let values: Vec<Value<'_>> = params.iter().map(|p| p.to_value()).collect();
                let mut client = p.client.borrow_mut();
                let mut rows = client
                    .query_raw(&stmt, values.iter())
                    .map_err(StoreError::from)?;
                while let Some(r) = rows.next().map_err(StoreError::from)? {
                    f(&Row::Postgres(&r))?;
                }
                Ok(())
            }
        }
    }

    /// Whether a write transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        match self {
            Db::Sqlite(c) => !c.is_autocommit(),
            Db::Postgres(p) => p.writing.get(),
        }
    }

    /// Runs `f` inside a write transaction: the caller's when one is open, else one of its
    /// own (`BEGIN IMMEDIATE` on SQLite, the writers' lock on PostgreSQL), committed if `f`
    /// returns `Ok`.
    pub fn in_write<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.in_transaction() {
            return f(*self);
        }
        let begin = match self {
            Db::Sqlite(_) => "BEGIN IMMEDIATE".to_owned(),
            Db::Postgres(_) => super::postgres::begin_write(),
        };
        self.execute_batch(&begin)?;
        if let Db::Postgres(p) = self {
            p.writing.set(true);
        }
        let out = f(*self);
        if let Db::Postgres(p) = self {
            p.writing.set(false);
        }
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        match (out, self.execute_batch(end)) {
            (Ok(v), Ok(())) => Ok(v),
            (Ok(_), Err(e)) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(e.into())
            }
            (Err(e), _) => Err(e),
        }
    }

    /// Runs `f` reading one snapshot of the data (pages of an export agree with each other
    /// even while another console writes); nothing is written.
    pub fn in_snapshot<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.in_transaction() {
            return f(*self);
        }
        self.execute_batch(match self {
            Db::Sqlite(_) => "BEGIN DEFERRED",
            Db::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })?;
        let out = f(*self);
        let end = self.execute_batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let v = out?;
        end?;
        Ok(v)
    }

    /// `FOR UPDATE OF alias` on PostgreSQL inside a write, so that a row read to be changed
    /// is locked until the transaction ends (exact counts across seats); nothing on SQLite,
    /// whose write transactions already hold the whole file.
    pub fn lock_rows(&self, alias: &str) -> String {
        match self {
            Db::Postgres(p) if p.writing.get() => format!(" FOR UPDATE OF {alias}"),
            _ => String::new(),
        }
    }

    /// `COLLATE NOCASE` on SQLite (where an index is declared with it); PostgreSQL's `citext`
    /// columns already compare without case.
    pub fn nocase(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => " COLLATE NOCASE",
            Db::Postgres(_) => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::pg_sql;

    #[test]
    fn placeholders_become_dollar_numbers_outside_quotes() {
        assert_eq!(
            pg_sql("SELECT a FROM t WHERE b = ?1 AND c LIKE '?x' AND d = ?12 OR e = ?"),
            "SELECT a FROM t WHERE b = $1 AND c LIKE '?x' AND d = $12 OR e = $1"
        );
    }
}
