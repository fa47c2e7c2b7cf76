//! The PostgreSQL engine (SPEC §3.16): connecting (TLS through rustls, the password from the
//! URL, `PGPASSWORD` or `~/.pgpass`), refusing databases that are not ours, versioned
//! migrations in `spr_schema`, and write transactions that keep counts exact across seats.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};

use super::StoreError;
use super::db::{Db, PgConn};

/// Append-only migrations: never edit or remove one; add the next at the end.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/0001_initial.sql"),
    include_str!("migrations/postgres/0002_prefix_search.sql"),
];

/// The schema version this build writes into `spr_schema`.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Every writer takes this transaction-scoped lock first: writes are serialised across
/// seats as `BEGIN IMMEDIATE` serialises them on a file, so the audit chain never forks and
/// no two seats interleave a read-then-write. ("SPRC" in ASCII.)
const WRITERS_LOCK: i64 = 0x5350_5243;

/// The statements that open a write transaction.
pub(super) fn begin_write() -> String {
    format!("BEGIN; SELECT pg_advisory_xact_lock({WRITERS_LOCK})")
}

/// How a database is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// It must hold spr-console's tables; an older schema is migrated.
    Existing,
    /// As `Existing`, but spr-console's tables are created in an empty database.
    CreateIfEmpty,
    /// Only an empty database, whose tables are then created (the target of `db copy`).
    CreateOnlyIfEmpty,
    /// It must hold spr-console's tables at this build's version; nothing is written.
    ReadOnly,
}

/// The URL with any password taken out, for messages and titles.
pub fn redacted_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!(
                "{}{}@{}{}",
                &url[..scheme_end + 3],
                user,
                &authority[at + 1..],
                &rest[authority_end..]
            )
        }
        None => url.to_owned(),
    }
}

/// What the URL asks of TLS, taken out of it before the client parses it (libpq's
/// `verify-ca`, `verify-full` and `sslrootcert` are not the client's words).
struct TlsWish {
    mode: SslMode,
    root_cert: Option<PathBuf>,
}

fn split_tls_options(url: &str) -> (String, TlsWish) {
    let mut wish = TlsWish {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let Some(q) = url.find('?') else {
        return (url.to_owned(), wish);
    };
    let mut kept = Vec::new();
    for pair in url[q + 1..].split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => {
                wish.mode = match v {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    _ => SslMode::Require,
                }
            }
            "sslrootcert" => wish.root_cert = Some(PathBuf::from(v)),
            _ => kept.push(pair),
        }
    }
    let mut base = url[..q].to_owned();
    if !kept.is_empty() {
        base.push('?');
        base.push_str(&kept.join("&"));
    }
    (base, wish)
}

fn host_of(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

/// The password from `~/.pgpass` (or `PGPASSFILE`) for this host, port, database and user,
/// as libpq reads it: the first line that matches, `*` matching anything.
fn pgpass_password(host: &str, port: u16, db: &str, user: &str) -> Option<String> {
    let path = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".pgpass")))?;
    let text = std::fs::read_to_string(path).ok()?;
    let port = port.to_string();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let matches = |f: &str, v: &str| f == "*" || f == v;
        if matches(&fields[0], host)
            && matches(&fields[1], &port)
            && matches(&fields[2], db)
            && matches(&fields[3], user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn tls_connector(wish: &TlsWish) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    match &wish.root_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                StoreError::BadDatabase(format!(
                    "Cannot read the certificate authority file {}: {e}.",
                    path.display()
                ))
            })?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| {
                    StoreError::BadDatabase(format!(
                        "{} is not a PEM certificate: {e}.",
                        path.display()
                    ))
                })?;
                roots.add(cert).map_err(|e| {
                    StoreError::BadDatabase(format!(
                        "{} holds a certificate rustls refuses: {e}.",
                        path.display()
                    ))
                })?;
            }
        }
        None => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::Other(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Connects and opens the database as `mode` says.
pub(super) fn open(url: &str, mode: Mode) -> Result<PgConn, StoreError> {
    let shown = redacted_url(url);
    let (base, wish) = split_tls_options(url);
    let mut config = postgres::Config::from_str(&base).map_err(|e| {
        StoreError::BadDatabase(format!(
            "{shown} is not a PostgreSQL URL this console can use: {e}."
        ))
    })?;
    config.ssl_mode(wish.mode);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    if config.get_application_name().is_none() {
        config.application_name("spr-console");
    }
    let user = config.get_user().map(str::to_owned).unwrap_or_else(|| {
        std::env::var("PGUSER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "postgres".into())
    });
    config.user(&user);
    let db_name = config
        .get_dbname()
        .map(str::to_owned)
        .unwrap_or_else(|| user.clone());
    if config.get_password().is_none() {
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(h)) => h.clone(),
            _ => "localhost".into(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        if let Some(pw) = std::env::var("PGPASSWORD")
            .ok()
            .or_else(|| pgpass_password(&host, port, &db_name, &user))
        {
            config.password(pw);
        }
    }
    let server = host_of(&config);
    let client = if wish.mode == SslMode::Disable {
        config.connect(postgres::NoTls)
    } else {
        config.connect(tls_connector(&wish)?)
    }
    .map_err(|e| {
        let answer = match e.as_db_error() {
            Some(db) => db.message().to_owned(),
            None => {
                // "error connecting to server" says little: add what the OS said.
                let mut words = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    words = format!("{words}: {s}");
                    source = s.source();
                }
                words
            }
        };
        let answer = answer.trim_end_matches('.');
        StoreError::Unreachable(format!(
            "Cannot open the database {db_name} on the PostgreSQL server at {server} as {user}: {answer}."
        ))
    })?;
    let conn = PgConn::new(client);
    prepare(&conn, &shown, mode)?;
    Ok(conn)
}

fn prepare(conn: &PgConn, shown: &str, mode: Mode) -> Result<(), StoreError> {
    let db = Db::Postgres(conn);
    // A stuck writer elsewhere is "busy" after 5 s, as a locked file is.
    // Plans made for each search's own prefix: a generic plan cannot turn `LIKE $1` into an
    // index range, and these queries are cheap to plan.
    db.execute_batch(
        "SET lock_timeout = '5s'; SET client_min_messages = warning; SET plan_cache_mode = force_custom_plan",
    )?;
    let tables: Vec<String> = db.query_map(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        &[],
        |r| r.get(0),
    )?;
    if !tables.is_empty() && mode == Mode::CreateOnlyIfEmpty {
        return Err(StoreError::BadDatabase(format!(
            "{shown} is not empty (it has {} table{}): a copy goes only into an empty database. It was left untouched.",
            tables.len(),
            if tables.len() == 1 { "" } else { "s" }
        )));
    }
    if tables.is_empty() {
        if !matches!(mode, Mode::CreateIfEmpty | Mode::CreateOnlyIfEmpty) {
            return Err(StoreError::BadDatabase(format!(
                "{shown} holds no spr-console database (it has no tables): create one with `spr-console init --db URL`. Nothing was created."
            )));
        }
    } else if !tables.iter().any(|t| t == "spr_schema") {
        return Err(StoreError::BadDatabase(format!(
            "{shown} holds another program's tables, not an spr-console database. It was left untouched."
        )));
    }
    let version = if tables.is_empty() {
        0
    } else {
        db.query_opt("SELECT version FROM spr_schema", &[], |r| r.get::<i64>(0))?
            .unwrap_or(0)
    };
    if version > i64::from(SCHEMA_VERSION) {
        return Err(StoreError::BadDatabase(format!(
            "{shown} was written by a newer spr-console (schema version {version}; this one knows up to {SCHEMA_VERSION}). Update spr-console to open it; it was left untouched."
        )));
    }
    if mode == Mode::ReadOnly {
        if version < i64::from(SCHEMA_VERSION) {
            return Err(StoreError::BadDatabase(format!(
                "{shown} has schema version {version}, older than this spr-console's {SCHEMA_VERSION}: run a command that changes something once to update it. It was left untouched."
            )));
        }
        db.execute_batch("SET default_transaction_read_only = on")?;
        return Ok(());
    }
    if version < i64::from(SCHEMA_VERSION) {
        migrate(conn, shown)?;
    }
    Ok(())
}

/// Applies every migration past `spr_schema.version`, all in one transaction, under the
/// writers' lock (two seats starting at once migrate once).
fn migrate(conn: &PgConn, shown: &str) -> Result<(), StoreError> {
    let db = Db::Postgres(conn);
    db.execute_batch(&begin_write())?;
    let result = (|| {
        let has_schema: bool = db.query_row(
            "SELECT count(*) > 0 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'spr_schema'",
            &[],
            |r| r.get(0),
        )?;
        let current = if has_schema {
            db.query_opt("SELECT version FROM spr_schema", &[], |r| r.get::<i64>(0))?
                .unwrap_or(0)
        } else {
            0
        };
        if current > i64::from(SCHEMA_VERSION) {
            return Err(StoreError::BadDatabase(format!(
                "{shown} was written by a newer spr-console (schema version {current}); it was left untouched."
            )));
        }
        for sql in MIGRATIONS.iter().skip(current as usize) {
            db.execute_batch(sql)?;
        }
        db.execute("DELETE FROM spr_schema", &[])?;
        db.execute(
            "INSERT INTO spr_schema (version) VALUES (?1)",
            super::db::params![SCHEMA_VERSION],
        )?;
        Ok(())
    })();
    finish(conn, result)
}

fn finish<T, E>(conn: &PgConn, result: Result<T, E>) -> Result<T, E>
where
    E: From<StoreError>,
{
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.client.borrow_mut().batch_execute(end);
    match (result, ended) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(StoreError::from(e).into()),
        (Err(e), _) => Err(e),
    }
}

/// Runs `f` in one write transaction: the writers' lock first, then `FOR UPDATE` on each
/// row read to be changed ([`Db::lock_rows`]); committed if `f` returns `Ok`.
pub(super) fn immediate<T, E: From<StoreError>>(
    conn: &mut PgConn,
    f: impl FnOnce(Db<'_>) -> Result<T, E>,
) -> Result<T, E> {
    conn.client
        .get_mut()
        .batch_execute(&begin_write())
        .map_err(StoreError::from)?;
    conn.writing.set(true);
    let result = f(Db::Postgres(conn));
    conn.writing.set(false);
    finish(conn, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_in_a_url_we_print() {
        assert_eq!(
            redacted_url("postgres://spr:s3cret@db.example.org:5432/spr?sslmode=require"),
            "postgres://spr@db.example.org:5432/spr?sslmode=require"
        );
        assert_eq!(redacted_url("postgres://db/spr"), "postgres://db/spr");
    }

    #[test]
    fn libpq_tls_words_are_understood_and_taken_out() {
        let (base, wish) =
            split_tls_options("postgres://h/db?sslmode=verify-full&sslrootcert=/ca.pem&x=1");
        assert_eq!(base, "postgres://h/db?x=1");
        assert_eq!(wish.mode, SslMode::Require);
        assert_eq!(wish.root_cert, Some(PathBuf::from("/ca.pem")));
        let (_, wish) = split_tls_options("postgres://h/db?sslmode=disable");
        assert_eq!(wish.mode, SslMode::Disable);
    }
}
