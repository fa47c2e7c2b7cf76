//! SQLite storage: opening and refusing files, migrations, transactions (SPEC §3.13).

pub mod audit;
pub mod bulk;
pub mod messages;
pub mod operators;
pub mod providers;
pub mod sessions;
pub mod settings;
pub mod tokens;
pub mod transfer;
pub mod users;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::core::CoreError;

/// `PRAGMA application_id` of an spr-console database: "SPRC".
pub const APPLICATION_ID: i32 = 0x5350_5243;
/// How long a connection waits for another's lock before reporting the database busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The file name of the default database.
pub const DEFAULT_FILE_NAME: &str = "spr-console.sqlite3";
/// The file name of the demo database, beside the default one.
pub const DEMO_FILE_NAME: &str = "spr-console-demo.sqlite3";

/// Append-only migrations: never edit or remove one; add the next at the end.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_supervised_sessions.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The platform's data directory for spr-console (SPEC §3.13).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("io.github", "spr-console", "spr-console")
        .map(|d| d.data_dir().to_path_buf())
}

/// The default database path, `spr-console.sqlite3` in the platform's data directory.
pub fn default_path() -> Option<PathBuf> {
    default_dir().map(|d| d.join(DEFAULT_FILE_NAME))
}

/// An open spr-console database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// What the first 100 bytes of a file say about it.
enum FileKind {
    Missing,
    Empty,
    Ours { user_version: i32 },
    BlankSqlite,
    OtherSqlite,
    NotSqlite,
}

fn inspect(path: &Path) -> Result<FileKind, CoreError> {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(e) => {
            return Err(CoreError::BadDatabase(format!(
                "Cannot read {}: {e}.",
                path.display()
            )));
        }
    };
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(CoreError::BadDatabase(format!(
            "{} is a folder, not a database file.",
            path.display()
        )));
    }
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(|e| CoreError::BadDatabase(format!("Cannot read {}: {e}.", path.display())))?;
    if header.is_empty() {
        return Ok(FileKind::Empty);
    }
    if header.len() < 100 || &header[..16] != b"SQLite format 3\0" {
        return Ok(FileKind::NotSqlite);
    }
    let be = |at: usize| {
        i32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let (user_version, app_id, pages, schema_cookie) = (be(60), be(68), be(28), be(40));
    Ok(if app_id == APPLICATION_ID {
        FileKind::Ours { user_version }
    } else if app_id == 0 && schema_cookie == 0 && pages <= 1 {
        FileKind::BlankSqlite
    } else {
        FileKind::OtherSqlite
    })
}

fn newer_error(path: &Path, v: i32) -> CoreError {
    CoreError::BadDatabase(format!(
        "{} was written by a newer spr-console (schema version {v}; this one knows up to {SCHEMA_VERSION}). Update spr-console to open it; the file was left untouched.",
        path.display()
    ))
}

impl Store {
    /// Opens (or creates, mode 0600) the database at `path`, refusing files that are not ours.
    pub fn open(path: &Path) -> Result<Self, CoreError> {
        match inspect(path)? {
            FileKind::NotSqlite => {
                return Err(CoreError::BadDatabase(format!(
                    "{} is not an spr-console database (it is not an SQLite file). The file was left untouched.",
                    path.display()
                )));
            }
            FileKind::OtherSqlite => {
                return Err(CoreError::BadDatabase(format!(
                    "{} is another program's SQLite database, not an spr-console database. The file was left untouched.",
                    path.display()
                )));
            }
            FileKind::Ours { user_version } if user_version > SCHEMA_VERSION => {
                return Err(newer_error(path, user_version));
            }
            FileKind::Missing => create_private_file(path)?,
            FileKind::Empty | FileKind::BlankSqlite | FileKind::Ours { .. } => {}
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| CoreError::BadDatabase(format!("Cannot open {}: {e}.", path.display())))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // The header can lag behind a WAL that was not checkpointed: ask SQLite itself too.
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if app_id != APPLICATION_ID && app_id != 0 {
            return Err(CoreError::BadDatabase(format!(
                "{} is another program's SQLite database, not an spr-console database. The file was left untouched.",
                path.display()
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(newer_error(path, version));
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Applies every migration past `PRAGMA user_version`, all in one transaction.
    fn migrate(&mut self) -> Result<(), CoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if current > SCHEMA_VERSION {
            return Err(newer_error(&self.path, current));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i32 + 1)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if it returns `Ok`.
    pub fn immediate<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Copies the whole database to `dest` with SQLite's online backup API.
    pub fn backup_to(
        &self,
        dest: &Path,
        mut progress: impl FnMut(i32, i32),
    ) -> Result<(), CoreError> {
        if dest.exists() {
            fs::remove_file(dest).map_err(|e| {
                CoreError::Internal(format!("Cannot replace {}: {e}.", dest.display()))
            })?;
        }
        create_private_file(dest)?;
        let mut out = Connection::open(dest)?;
        let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)?;
        loop {
            let step = backup.step(256)?;
            let p = backup.progress();
            progress(p.pagecount - p.remaining, p.pagecount);
            match step {
                rusqlite::backup::StepResult::Done => break,
                _ => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        Ok(())
    }
}

/// Creates an empty file readable by its owner only (0600 on Unix), with its parent folders.
fn create_private_file(path: &Path) -> Result<(), CoreError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        fs::create_dir_all(parent).map_err(|e| {
            CoreError::BadDatabase(format!(
                "Cannot create the folder {}: {e}.",
                parent.display()
            ))
        })?;
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map(drop)
        .map_err(|e| CoreError::BadDatabase(format!("Cannot create {}: {e}.", path.display())))
}

/// Maps `QueryReturnedNoRows` to `None`.
pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>, CoreError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
