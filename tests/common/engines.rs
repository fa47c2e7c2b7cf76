//! The two engines of SPEC §3.16 under the same tests: a SQLite file in a temp dir, or a fresh
//! PostgreSQL database per test on the server that `SPR_TEST_POSTGRES_URL` names
//! (`scripts/test.sh` starts a throwaway one and sets it).
//!
//! A PostgreSQL test without that variable FAILS, saying how to set it; with
//! `SPR_TEST_SKIP_POSTGRES=1` it prints `SKIPPED: …` to stderr and returns. It never passes
//! silently.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use std::sync::Arc;

use spr_console::core::Service;
use spr_console::core::clock::SystemClock;
use spr_console::core::hashing::Hasher;
use spr_console::store::{Location, Store};
use tempfile::TempDir;

/// The variable that names the test server, as `postgres://USER@HOST:PORT/DB`.
pub const POSTGRES_URL_VAR: &str = "SPR_TEST_POSTGRES_URL";
/// Set to 1 to skip the PostgreSQL variants (each says so on stderr).
pub const SKIP_POSTGRES_VAR: &str = "SPR_TEST_SKIP_POSTGRES";

/// One test's database: a file of its own, or a database of its own on the test server.
pub enum TestDb {
    /// `spr.sqlite3` in a temp dir that goes with the value.
    Sqlite { dir: TempDir, path: PathBuf },
    /// Database `name` on the server, created for this test and dropped with the value.
    Postgres {
        /// The server's URL as the variable gives it (its database is where we connect to
        /// create and drop ours).
        server: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    /// A path to a new SQLite file in a fresh temp dir (the file does not exist yet).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("spr.sqlite3");
        TestDb::Sqlite { dir, path }
    }

    /// A new empty database on the test server; `None` (after saying SKIPPED) only when
    /// `SPR_TEST_SKIP_POSTGRES=1`. Panics, saying how to fix it, when the server is not named.
    pub fn postgres() -> Option<TestDb> {
        let server = postgres_server()?;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "spr_t_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        psql(&server, &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("creating test database {name} on {server}: {e}"));
        let url = url_with_database(&server, &name);
        Some(TestDb::Postgres { server, name, url })
    }

    /// A second fresh database on the same engine, for a story that needs more than one.
    pub fn another(&self) -> TestDb {
        match self {
            TestDb::Sqlite { .. } => TestDb::sqlite(),
            TestDb::Postgres { .. } => {
                TestDb::postgres().expect("the server named a moment ago is still named")
            }
        }
    }

    /// Which engine, for messages: `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        match self {
            TestDb::Sqlite { .. } => "sqlite",
            TestDb::Postgres { .. } => "postgres",
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }

    /// What `--db` (or `SPR_CONSOLE_DB`) takes: the file's path or the database's URL.
    pub fn db_arg(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => path.to_str().expect("a UTF-8 temp path").to_owned(),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    /// The SQLite file. Only tests about files call this; on PostgreSQL it fails the test.
    pub fn path(&self) -> &Path {
        match self {
            TestDb::Sqlite { path, .. } => path,
            TestDb::Postgres { url, .. } => panic!("{url} is a PostgreSQL database, not a file"),
        }
    }

    /// Opens the store on this database as the console does: a new file, or an empty
    /// PostgreSQL database, gets its schema.
    pub fn open_store(&self) -> Store {
        Store::create_at(&self.location())
            .unwrap_or_else(|e| panic!("opening the {} store {self:?}: {e}", self.engine()))
    }

    /// Where the console would open this database.
    pub fn location(&self) -> Location {
        Location::parse(&self.db_arg())
    }

    /// A service on this database as `Service::open` makes one: the system clock and the
    /// real hashing parameters.
    pub fn open_service(&self) -> Service {
        Service::new(self.open_store(), Arc::new(SystemClock), Hasher::default())
    }

    /// Runs statements on this database directly (not through spr-console): how a test
    /// damages or inspects what the program keeps. Panics with the engine's error.
    pub fn execute(&self, sql: &str) {
        if let Err(e) = self.try_execute(sql) {
            panic!("{} refused {sql:?}: {e}", self.engine());
        }
    }

    /// [`TestDb::execute`], giving the engine's refusal back as text.
    pub fn try_execute(&self, sql: &str) -> Result<(), String> {
        match self {
            TestDb::Sqlite { path, .. } => {
                let c = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                c.execute_batch(sql).map_err(|e| e.to_string())
            }
            TestDb::Postgres { url, .. } => psql(url, sql).map(|_| ()),
        }
    }

    /// The rows of one query, each value as text: NULL is "", booleans are "1"/"0" on both
    /// engines (SQLite keeps them as integers).
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            TestDb::Sqlite { path, .. } => {
                sqlite_rows(path, sql).unwrap_or_else(|e| panic!("sqlite refused {sql:?}: {e}"))
            }
            TestDb::Postgres { url, .. } => {
                let out =
                    psql(url, sql).unwrap_or_else(|e| panic!("postgres refused {sql:?}: {e}"));
                // psql -A -t prints nothing at all for no rows, and one line per row.
                if out.is_empty() {
                    return Vec::new();
                }
                let out = out.strip_suffix('\n').unwrap_or(&out);
                out.split(RECORD_SEP)
                    .map(|row| {
                        row.split(FIELD_SEP)
                            .map(|v| match v {
                                "t" => "1".to_owned(),
                                "f" => "0".to_owned(),
                                v => v.to_owned(),
                            })
                            .collect()
                    })
                    .collect()
            }
        }
    }

    /// The one value of a query that returns one row of one column.
    pub fn value(&self, sql: &str) -> String {
        let rows = self.query(sql);
        assert!(
            rows.len() == 1 && rows[0].len() == 1,
            "{sql:?} gave {rows:?}, not one value"
        );
        rows[0][0].clone()
    }

    /// Fails the test unless spr-console's schema is in this database. A binary that took a
    /// `postgres://` URL for a file name would otherwise pass a PostgreSQL story on a file.
    pub fn assert_holds_spr_console(&self) {
        match self {
            TestDb::Sqlite { path, .. } => {
                assert!(path.is_file(), "no database file at {}", path.display());
            }
            TestDb::Postgres { url, .. } => {
                let tables = self.tables();
                assert!(
                    tables.iter().any(|t| t == "spr_schema") && tables.iter().any(|t| t == "audit"),
                    "{url} holds no spr-console schema (tables: {tables:?})"
                );
            }
        }
    }

    /// The names of the tables in this database (user tables, sorted).
    pub fn tables(&self) -> Vec<String> {
        let sql = match self {
            TestDb::Sqlite { .. } => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            TestDb::Postgres { .. } => {
                "SELECT table_name FROM information_schema.tables \
                 WHERE table_schema = 'public' ORDER BY table_name"
            }
        };
        self.query(sql)
            .into_iter()
            .map(|mut r| r.remove(0))
            .collect()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { server, name, .. } = self {
            // Best effort: the throwaway cluster goes anyway; FORCE ends a console left open.
            let _ = psql(
                server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestDb({})", self.db_arg())
    }
}

/// The server the PostgreSQL variants use, or `None` after printing SKIPPED when they are
/// skipped on purpose. Panics when the server is simply missing: a PostgreSQL test must not
/// pass because nobody started a server.
pub fn postgres_server() -> Option<String> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var(SKIP_POSTGRES_VAR).as_deref() == Ok("1") => {
            // Straight to the process's stderr: the test harness would swallow eprintln!
            // of a passing test, and a skip must be seen.
            let line = format!(
                "SKIPPED: {} ({SKIP_POSTGRES_VAR}=1)\n",
                std::thread::current().name().unwrap_or("a PostgreSQL test")
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            None
        }
        _ => panic!(
            "\n\n  This is the PostgreSQL variant of a test and {POSTGRES_URL_VAR} is not set.\n  \
             Run the suite with scripts/test.sh (it starts a throwaway server), or start one:\n    \
             eval \"$(scripts/pg-test-server.sh start)\"   # later: scripts/pg-test-server.sh stop\n  \
             or name your own: {POSTGRES_URL_VAR}=postgres://USER@HOST:PORT/DB (a role with \
             CREATEDB).\n  To skip these tests on purpose: {SKIP_POSTGRES_VAR}=1.\n"
        ),
    }
}

/// `url` with its database replaced by `name`, keeping its query (`?sslmode=…`).
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

const FIELD_SEP: char = '\x1f';
const RECORD_SEP: char = '\x1e';

/// Runs SQL with the `psql` client (Debian's postgresql-client, which the server package
/// brings); stdout on success, psql's words on failure. No psqlrc, stop at the first error.
pub fn psql(url: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .arg("-F")
        .arg(FIELD_SEP.to_string())
        .arg("-R")
        .arg(RECORD_SEP.to_string())
        .arg("-d")
        .arg(url)
        .arg("-c")
        .arg(sql)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("psql could not run ({e}); install postgresql-client"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

fn sqlite_rows(path: &Path, sql: &str) -> rusqlite::Result<Vec<Vec<String>>> {
    use rusqlite::types::ValueRef;
    let c = rusqlite::Connection::open(path)?;
    let mut stmt = c.prepare(sql)?;
    let n = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(n);
        for i in 0..n {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(v) => v.to_string(),
                ValueRef::Real(v) => v.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
            });
        }
        out.push(values);
    }
    Ok(out)
}

/// What names a database for `--db`: a [`TestDb`], or a plain path for file-only tests.
pub trait DbArg {
    fn db_arg_os(&self) -> OsString;
}

impl DbArg for TestDb {
    fn db_arg_os(&self) -> OsString {
        self.db_arg().into()
    }
}

impl DbArg for Path {
    fn db_arg_os(&self) -> OsString {
        self.as_os_str().to_owned()
    }
}

impl DbArg for PathBuf {
    fn db_arg_os(&self) -> OsString {
        self.as_os_str().to_owned()
    }
}

impl DbArg for str {
    fn db_arg_os(&self) -> OsString {
        self.into()
    }
}

impl DbArg for String {
    fn db_arg_os(&self) -> OsString {
        self.into()
    }
}

impl<T: DbArg + ?Sized> DbArg for &T {
    fn db_arg_os(&self) -> OsString {
        (**self).db_arg_os()
    }
}

/// Runs each named test, a `fn NAME(db: TestDb)`, once per engine:
/// `engines!(a_story, another);` makes the tests `a_story::sqlite` and `a_story::postgres`.
/// The bodies stay plain functions so that rustfmt and the compiler's messages reach them.
// Each test file is its own crate; not all of them parametrise.
#[allow(unused_macros)]
macro_rules! engines {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::common::engines::TestDb::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(db) = $crate::common::engines::TestDb::postgres() {
                    super::$name(db);
                }
            }
        }
    )+};
}
#[allow(unused_imports)]
pub(crate) use engines;
