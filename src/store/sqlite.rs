//! The SQLite engine: opening and refusing files, migrations, transactions, backup copies
//! (SPEC §3.13).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::db::Db;
use super::{StoreError, audit};

/// `PRAGMA application_id` of an spr-console database: "SPRC".
pub const APPLICATION_ID: i32 = 0x5350_5243;
/// How long a connection waits for another's lock before reporting the database busy.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The file name of the default database.
pub const DEFAULT_FILE_NAME: &str = "spr-console.sqlite3";
/// The file name of the demo database, beside the default one.
pub const DEMO_FILE_NAME: &str = "spr-console-demo.sqlite3";

/// A migration's Rust step, run in the migration's transaction after its SQL.
type RustStep = fn(Db<'_>) -> Result<(), StoreError>;

/// One schema step: SQL, then (for a step that must compute values) a Rust function run in
/// the same transaction.
struct Migration {
    sql: &'static str,
    then: Option<RustStep>,
}

/// Append-only migrations: never edit or remove one; add the next at the end.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/0001_initial.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0002_supervised_sessions.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0003_audit_chain.sql"),
        then: Some(audit::fill_chain),
    },
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

/// What the first 100 bytes of a file say about it.
enum FileKind {
    Missing,
    Empty,
    Ours { user_version: i32 },
    BlankSqlite,
    OtherSqlite,
    NotSqlite,
}

fn inspect(path: &Path) -> Result<FileKind, StoreError> {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::Missing),
        Err(e) => {
            return Err(StoreError::BadDatabase(format!(
                "Cannot read {}: {e}.",
                path.display()
            )));
        }
    };
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(StoreError::BadDatabase(format!(
            "{} is a folder, not a database file.",
            path.display()
        )));
    }
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(|e| StoreError::BadDatabase(format!("Cannot read {}: {e}.", path.display())))?;
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

fn missing_error(path: &Path) -> StoreError {
    StoreError::BadDatabase(format!("No database at {}.", path.display()))
}

fn damaged_error(path: &Path, what: &str) -> StoreError {
    StoreError::BadDatabase(format!(
        "{} is damaged ({what}): restore it from a backup copy; the file was left untouched.",
        path.display()
    ))
}

/// Names the file in an error SQLite raised about a damaged database; other errors pass.
pub fn name_damaged_file(e: StoreError, path: &Path) -> StoreError {
    match e {
        StoreError::Damaged(what) => damaged_error(path, &what),
        other => other,
    }
}

/// A `file:` URI for SQLite with the path's special characters escaped.
fn file_uri(path: &Path, params: &str) -> String {
    let mut uri = String::from("file:");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'%' | b'?' | b'#' => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(b as char),
        }
    }
    uri.push('?');
    uri.push_str(params);
    uri
}

/// Whether reading with `immutable=1` is safe: nobody may write the file (no write bit on it
/// or on its folder, so no writer can run) and no WAL holds changes the file lacks.
#[cfg(unix)]
fn immutable_is_safe(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let no_write = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o222 == 0)
            .unwrap_or(false)
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal_empty = fs::metadata(PathBuf::from(wal)).map_or(true, |m| m.len() == 0);
    no_write(path) && no_write(&folder) && wal_empty
}

#[cfg(not(unix))]
fn immutable_is_safe(_path: &Path) -> bool {
    false
}

/// Refuses a file of ours whose schema version this build cannot use: newer, or not positive.
fn known_version(path: &Path, user_version: i32) -> Result<(), StoreError> {
    if user_version > SCHEMA_VERSION {
        Err(newer_error(path, user_version))
    } else if user_version <= 0 {
        Err(damaged_error(
            path,
            &format!("it has tables but schema version {user_version}"),
        ))
    } else {
        Ok(())
    }
}

fn newer_error(path: &Path, v: i32) -> StoreError {
    StoreError::BadDatabase(format!(
        "{} was written by a newer spr-console (schema version {v}; this one knows up to {SCHEMA_VERSION}). Update spr-console to open it; the file was left untouched.",
        path.display()
    ))
}

/// Opens (or creates, mode 0600) the database at `path`, refusing files that are not ours.
pub(super) fn open(path: &Path) -> Result<Connection, StoreError> {
    match inspect(path)? {
        FileKind::NotSqlite => {
            return Err(StoreError::BadDatabase(format!(
                "{} is not an spr-console database (it is not an SQLite file). The file was left untouched.",
                path.display()
            )));
        }
        FileKind::OtherSqlite => {
            return Err(StoreError::BadDatabase(format!(
                "{} is another program's SQLite database, not an spr-console database. The file was left untouched.",
                path.display()
            )));
        }
        FileKind::Ours { user_version } => known_version(path, user_version)?,
        FileKind::Missing => create_private_file(path)?,
        FileKind::Empty | FileKind::BlankSqlite => {}
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::BadDatabase(format!("Cannot open {}: {e}.", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The header can lag behind a WAL that was not checkpointed: ask SQLite itself too.
    let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID && app_id != 0 {
        return Err(StoreError::BadDatabase(format!(
            "{} is another program's SQLite database, not an spr-console database. The file was left untouched.",
            path.display()
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(newer_error(path, version));
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A REPLACE's implicit delete fires the audit's DELETE trigger only with this on.
    conn.pragma_update(None, "recursive_triggers", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Room for the Users panel's search variants beside the bulk writes' statements.
    conn.set_prepared_statement_cache_capacity(64);
    let mut conn = conn;
    migrate(&mut conn, path).map_err(|e| name_damaged_file(e, path))?;
    Ok(conn)
}

/// Opens an existing database for reading only (SPEC §3.13): never creates a file, never
/// changes a byte of it, works on a read-only file or folder. A missing or zero-length
/// file is "No database at PATH"; a damaged one is named in one sentence.
pub(super) fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    match inspect(path)? {
        FileKind::Missing | FileKind::Empty => return Err(missing_error(path)),
        FileKind::NotSqlite => {
            return Err(StoreError::BadDatabase(format!(
                "{} is not an spr-console database (it is not an SQLite file). The file was left untouched.",
                path.display()
            )));
        }
        FileKind::OtherSqlite | FileKind::BlankSqlite => {
            return Err(StoreError::BadDatabase(format!(
                "{} is not an spr-console database. The file was left untouched.",
                path.display()
            )));
        }
        FileKind::Ours { user_version } => known_version(path, user_version)?,
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let probe = |conn: &Connection| -> Result<(i32, i32), StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "query_only", "ON")?;
        let app_id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        Ok((app_id, version))
    };
    let attempt = Connection::open_with_flags(file_uri(path, "mode=ro"), flags)
        .map_err(StoreError::from)
        .and_then(|c| probe(&c).map(|v| (c, v)));
    let (conn, (app_id, version)) = match attempt {
        Ok(ok) => ok,
        // A WAL file that nobody may write cannot get its -shm: read it as immutable,
        // which is safe only when no writer can exist.
        Err(StoreError::Other(_)) if immutable_is_safe(path) => {
            let c = Connection::open_with_flags(file_uri(path, "mode=ro&immutable=1"), flags)
                .map_err(|e| name_damaged_file(e.into(), path))?;
            let v = probe(&c).map_err(|e| name_damaged_file(e, path))?;
            (c, v)
        }
        Err(e @ StoreError::Other(_)) => {
            return Err(StoreError::BadDatabase(format!(
                "Cannot read {}: {}",
                path.display(),
                e.to_string().trim_start_matches("Database error: ")
            )));
        }
        Err(e) => return Err(name_damaged_file(e, path)),
    };
    if app_id != APPLICATION_ID {
        return Err(StoreError::BadDatabase(format!(
            "{} is not an spr-console database. The file was left untouched.",
            path.display()
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(newer_error(path, version));
    }
    if version < SCHEMA_VERSION {
        return Err(StoreError::BadDatabase(format!(
            "{} has schema version {version}, older than this spr-console's {SCHEMA_VERSION}: run a command that changes something (or open the console) once to update it. The file was left untouched.",
            path.display()
        )));
    }
    Ok(conn)
}

/// Applies every migration past `PRAGMA user_version`, all in one transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(newer_error(path, current));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(m.sql)?;
        if let Some(step) = m.then {
            step(Db::Sqlite(&tx))?;
        }
        tx.pragma_update(None, "user_version", i as i32 + 1)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    Ok(())
}

/// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if it returns `Ok`.
pub(super) fn immediate<T, E: From<StoreError>>(
    conn: &mut Connection,
    f: impl FnOnce(Db<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let out = f(Db::Sqlite(&tx))?;
    tx.commit().map_err(StoreError::from)?;
    Ok(out)
}

/// Copies the whole database to `dest` with SQLite's online backup API: into a new
/// owner-only file beside it, then renamed onto it (a symlink there is replaced, not
/// followed; on failure `dest` is left as it was).
pub(super) fn backup_to(
    conn: &Connection,
    dest: &Path,
    mut progress: impl FnMut(i32, i32),
) -> Result<(), StoreError> {
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    create_private_file(&tmp)?;
    let mut copy = || -> Result<(), StoreError> {
        let mut out = Connection::open(&tmp)?;
        {
            let backup = rusqlite::backup::Backup::new(conn, &mut out)?;
            loop {
                let step = backup.step(256)?;
                let p = backup.progress();
                progress(p.pagecount - p.remaining, p.pagecount);
                match step {
                    rusqlite::backup::StepResult::Done => break,
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }
        // One file, no WAL beside it: the copy is complete on its own.
        out.pragma_update(None, "journal_mode", "DELETE")?;
        out.close().map_err(|(_, e)| StoreError::from(e))?;
        fs::rename(&tmp, dest)
            .map_err(|e| StoreError::Other(format!("Cannot write {}: {e}.", dest.display())))
    };
    let result = copy();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates an empty file readable by its owner only (0600 on Unix), with its parent folders.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        fs::create_dir_all(parent).map_err(|e| {
            StoreError::BadDatabase(format!(
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
        .map_err(|e| StoreError::BadDatabase(format!("Cannot create {}: {e}.", path.display())))
}
