//! Storage: the one place that knows an engine. A local SQLite file (the default) or one
//! PostgreSQL database shared by several seats (SPEC §3.13, §3.16), behind one [`Db`] handle
//! with its own [`StoreError`]. The store imports nothing from the core but the model's
//! plain types.

pub mod audit;
pub mod bulk;
pub mod copy;
pub mod db;
pub mod messages;
pub mod operators;
pub mod overview;
pub mod postgres;
pub mod providers;
pub mod sessions;
pub mod settings;
mod sqlite;
pub mod tokens;
pub mod transfer;
pub mod user_pages;
pub mod users;

use std::fmt;
use std::path::{Path, PathBuf};

pub use db::{Db, Engine};
pub use sqlite::{
    APPLICATION_ID, BUSY_TIMEOUT, DEFAULT_FILE_NAME, DEMO_FILE_NAME, SCHEMA_VERSION, default_dir,
    default_path, name_damaged_file,
};

/// How a damaged-file error is marked on its way through the core, so that the command line
/// can name the file ([`name_damaged_file`]).
pub const DAMAGED_PREFIX: &str = "damaged:";

/// What went wrong in the store. Sentences for people are whole; `Other` carries the
/// engine's own words for the log.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the lock past the wait (SQLite's busy timeout).
    #[error("The database is busy: another console or command is writing. Try again.")]
    Busy,
    /// The file is damaged; the words say how (the caller names the file).
    #[error("{DAMAGED_PREFIX}{0}")]
    Damaged(String),
    /// The database cannot be used as it is (not ours, newer, missing): one sentence.
    #[error("{0}")]
    BadDatabase(String),
    /// The server cannot be reached or refused the login: one sentence naming the host.
    #[error("{0}")]
    Unreachable(String),
    /// Anything else the engine reported.
    #[error("Database error: {0}.")]
    Other(String),
}

impl StoreError {
    /// A stored value the model refuses (a damaged or hand-edited row).
    pub fn bad_value(e: impl fmt::Display) -> Self {
        Self::Other(format!("a stored value is not valid: {e}"))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::SqliteFailure(err, _) = &e {
            match err.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => return Self::Busy,
                ErrorCode::NotADatabase => return Self::Damaged("its header is broken".into()),
                ErrorCode::DatabaseCorrupt => {
                    return Self::Damaged("the database disk image is malformed".into());
                }
                _ => {}
            }
        }
        Self::Other(e.to_string())
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        // The server's own message (never the password, which the client does not print).
        use ::postgres::error::SqlState;
        if let Some(code) = e.code()
            && (*code == SqlState::LOCK_NOT_AVAILABLE
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED)
        {
            return Self::Busy;
        }
        match e.as_db_error() {
            Some(db) => Self::Other(db.message().to_owned()),
            None => Self::Other(e.to_string()),
        }
    }
}

/// Where the data lives: a file, or a PostgreSQL database named by a URL.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Server(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a server; anything else is a file path.
    pub fn parse(s: &str) -> Self {
        let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Self::Server(s.to_owned())
        } else {
            Self::File(PathBuf::from(s))
        }
    }

    /// `--db` as given: a `postgres://` URL is a server, anything else a file path (kept
    /// as the OS gave it, even when it is not UTF-8).
    pub fn from_arg(p: &Path) -> Self {
        match p.to_str() {
            Some(s) => Self::parse(s),
            None => Self::File(p.to_path_buf()),
        }
    }

    /// The file, when this is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Self::File(p) => Some(p),
            Self::Server(_) => None,
        }
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Self::File(p.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Self {
        Self::File(p.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Self::File(p)
    }
}

/// A file by its path; a server by its URL without any password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Server(url) => f.write_str(&postgres::redacted_url(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<db::PgConn>),
}

/// An open spr-console database.
pub struct Store {
    conn: Conn,
    location: Location,
    read_only: bool,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .finish()
    }
}

impl Store {
    /// Opens (or creates, mode 0600) the database file at `path`, refusing files that are
    /// not ours.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Conn::Sqlite(sqlite::open(path)?),
            location: Location::File(path.to_path_buf()),
            read_only: false,
        })
    }

    /// Opens an existing database file for reading only (SPEC §3.13).
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Conn::Sqlite(sqlite::open_read_only(path)?),
            location: Location::File(path.to_path_buf()),
            read_only: true,
        })
    }

    /// Opens the database at `location` for reading and writing. A file is created when
    /// missing (as [`Store::open`]); a PostgreSQL database must already hold spr-console's
    /// tables (an empty one is "no spr-console database": see [`Store::create_at`]).
    pub fn open_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(p) => Self::open(p),
            Location::Server(url) => Ok(Self {
                conn: Conn::Postgres(Box::new(postgres::open(url, postgres::Mode::Existing)?)),
                location: location.clone(),
                read_only: false,
            }),
        }
    }

    /// Opens the database at `location`, creating spr-console's tables in an empty
    /// PostgreSQL database (for `init`, `demo` and the console's first run).
    pub fn create_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(p) => Self::open(p),
            Location::Server(url) => Ok(Self {
                conn: Conn::Postgres(Box::new(postgres::open(
                    url,
                    postgres::Mode::CreateIfEmpty,
                )?)),
                location: location.clone(),
                read_only: false,
            }),
        }
    }

    /// Creates spr-console's tables in an empty PostgreSQL database, refusing one that holds
    /// any table (the target of `db copy`).
    pub fn create_empty_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(_) => Err(StoreError::BadDatabase(
                "A copy goes into a PostgreSQL database: give --to postgres://USER@HOST/DB.".into(),
            )),
            Location::Server(url) => Ok(Self {
                conn: Conn::Postgres(Box::new(postgres::open(
                    url,
                    postgres::Mode::CreateOnlyIfEmpty,
                )?)),
                location: location.clone(),
                read_only: false,
            }),
        }
    }

    /// Opens an existing database for reading only: never creates it, never writes to it.
    pub fn open_read_only_at(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::File(p) => Self::open_read_only(p),
            Location::Server(url) => Ok(Self {
                conn: Conn::Postgres(Box::new(postgres::open(url, postgres::Mode::ReadOnly)?)),
                location: location.clone(),
                read_only: true,
            }),
        }
    }

    /// Whether this store was opened for reading only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Where this store's data lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The file this store reads and writes, when it is a file.
    pub fn file(&self) -> Option<&Path> {
        self.location.file()
    }

    /// Which engine holds the data.
    pub fn engine(&self) -> Engine {
        self.conn().engine()
    }

    /// The connection, for reads.
    pub fn conn(&self) -> Db<'_> {
        match &self.conn {
            Conn::Sqlite(c) => Db::Sqlite(c),
            Conn::Postgres(p) => Db::Postgres(p),
        }
    }

    /// Runs `f` in one write transaction, committed if it returns `Ok`: `BEGIN IMMEDIATE` on
    /// SQLite; on PostgreSQL a transaction that takes the writers' lock first and locks each
    /// row it reads to change (`FOR UPDATE`), so counts stay exact across seats.
    pub fn immediate<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite::immediate(c, f),
            Conn::Postgres(p) => postgres::immediate(p, f),
        }
    }

    /// Copies the whole database to the file `dest` (SQLite only: a server has its own
    /// backups, `pg_dump`).
    pub fn backup_to(&self, dest: &Path, progress: impl FnMut(i32, i32)) -> Result<(), StoreError> {
        match &self.conn {
            Conn::Sqlite(c) => sqlite::backup_to(c, dest, progress),
            Conn::Postgres(_) => Err(StoreError::BadDatabase(
                "A backup copy is made from a database file; back up a PostgreSQL database with the server's own tools (pg_dump).".into(),
            )),
        }
    }
}
