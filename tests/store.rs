//! Storage (SPEC §3.13): files that are not ours are refused and left untouched; migrations.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::fs;

use spr_console::store::StoreError;
use spr_console::store::{SCHEMA_VERSION, Store};

fn refused(path: &std::path::Path) -> String {
    match Store::open(path) {
        Err(StoreError::BadDatabase(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_garbage_file_is_refused_and_left_byte_for_byte_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.sqlite3");
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    fs::write(&p, &bytes).unwrap();
    let m = refused(&p);
    assert!(m.contains("not an spr-console database"), "{m}");
    assert_eq!(fs::read(&p).unwrap(), bytes);
    assert!(!dir.path().join("notes.sqlite3-wal").exists());
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
            .unwrap();
    }
    let before = fs::read(&p).unwrap();
    let m = refused(&p);
    assert!(m.contains("another program"), "{m}");
    assert_eq!(fs::read(&p).unwrap(), before);
}

#[test]
fn a_newer_schema_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spr.sqlite3");
    drop(Store::open(&p).unwrap());
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let before = fs::read(&p).unwrap();
    let m = refused(&p);
    assert!(m.contains("newer spr-console"), "{m}");
    assert_eq!(fs::read(&p).unwrap(), before);
}

#[test]
fn migrating_twice_changes_nothing_and_sets_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("spr.sqlite3");
    drop(Store::open(&p).unwrap());
    let s = Store::open(&p).unwrap();
    let v: i32 = s
        .conn()
        .query_row("PRAGMA user_version", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let mode: String = s
        .conn()
        .query_row("PRAGMA journal_mode", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i32 = s
        .conn()
        .query_row("PRAGMA foreign_keys", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn an_empty_file_becomes_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("empty.sqlite3");
    fs::write(&p, b"").unwrap();
    Store::open(&p).unwrap();
}

#[cfg(unix)]
#[test]
fn a_new_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/dir/spr.sqlite3");
    let s = Store::open(&p).unwrap();
    let mode: String = s
        .conn()
        .query_row("PRAGMA journal_mode", &[], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // A write while the store is open: SQLite keeps the -wal (and -shm) file beside the
    // database until the last connection closes, so both must exist and be private now.
    s.conn()
        .execute_batch("CREATE TABLE scratch (x); DROP TABLE scratch;")
        .unwrap();
    for f in ["spr.sqlite3", "spr.sqlite3-wal", "spr.sqlite3-shm"] {
        let path = dir.path().join("sub/dir").join(f);
        assert!(
            path.exists(),
            "{f} does not exist: the check would prove nothing"
        );
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
}

#[test]
fn a_search_keystroke_uses_the_indexes_not_a_scan_of_users() {
    use spr_console::store::users::{UserFilter, count_plan};
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("spr.sqlite3")).unwrap();
    let filter = UserFilter {
        search: Some("smi".into()),
        ..UserFilter::default()
    };
    let plan = count_plan(s.conn(), &filter).unwrap();
    assert!(
        plan.iter().all(|step| !step.starts_with("SCAN u")),
        "a full scan of users: {plan:?}"
    );
    for index in [
        "users_login",
        "users_first",
        "users_last",
        "users_email",
        "users_text_email",
    ] {
        assert!(
            plan.iter().any(|step| step.contains(index)),
            "{index} unused: {plan:?}"
        );
    }
}
