//! Long bulk work with progress and Cancel (issue 12): bulk SPR and an incident's unlock
//! report progress every `BULK_STEP` users, and a cancel in the middle of the batch, after
//! hundreds of real writes, rolls the whole batch back. A real SQLite file with the demo.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use spr_console::core::audit::AuditFilter;
use spr_console::core::error::CoreError;
use spr_console::core::model::{Status, UserFilter};
use spr_console::core::service::{BULK_STEP, CANCELLED};
use spr_console::core::{Service, demo};

fn database(users: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.sqlite3");
    demo::create(&path, users).unwrap();
    (dir, path)
}

fn count(svc: &Service, f: UserFilter) -> u64 {
    svc.count_users(&f).unwrap()
}

fn events(svc: &Service) -> usize {
    svc.audit_events(&AuditFilter::default()).unwrap().len()
}

#[test]
fn a_cancel_midway_through_bulk_spr_leaves_every_user_and_the_audit_log_as_they_were() {
    let (_dir, path) = database(1_500);
    let mut svc = Service::open(&path).unwrap();
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    let enabled = UserFilter {
        spr_enabled: Some(true),
        ..UserFilter::default()
    };
    let before = count(&svc, enabled.clone());
    assert!(before > 500, "{before}");
    let events_before = events(&svc);

    // Cancelled once 300 users are done: their changes were written, then rolled back.
    let cancel = AtomicBool::new(false);
    let seen = Cell::new(Vec::new());
    let mut progress = |done: u64, total: u64| {
        let mut s = seen.take();
        s.push((done, total));
        seen.set(s);
        if done >= 300 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let r = svc.set_spr_matching_with(&op, &UserFilter::default(), false, &mut progress, &cancel);
    assert!(
        matches!(&r, Err(CoreError::Invalid(m)) if m == CANCELLED),
        "{r:?}"
    );
    assert_eq!(count(&svc, enabled.clone()), before, "nothing changed");
    assert_eq!(events(&svc), events_before, "no audit row either");
    let seen = seen.take();
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        [0, 100, 200, 300],
        "every {BULK_STEP} users"
    );

    // Not cancelled: it runs to the end and says so.
    let cancel = AtomicBool::new(false);
    let last = Cell::new((0, 0));
    let n = svc
        .set_spr_matching_with(
            &op,
            &UserFilter::default(),
            false,
            &mut |d, t| last.set((d, t)),
            &cancel,
        )
        .unwrap();
    assert_eq!(n as u64, before);
    assert_eq!(last.get().0, last.get().1, "progress ends at the total");
    assert_eq!(count(&svc, enabled), 0);
}

#[test]
fn a_cancel_midway_through_an_incident_unlock_leaves_every_account_locked() {
    let (_dir, path) = database(1_000);
    let mut svc = Service::open(&path).unwrap();
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    let ids = svc
        .store()
        .conn()
        .query_map(
            "SELECT id FROM users WHERE login LIKE 'user%' ORDER BY id",
            &[],
            |r| r.get::<i64>(0),
        )
        .unwrap();
    assert_eq!(ids.len(), 1_000);
    // Seeding only: lock them all (as a token-guessing night would).
    for id in &ids {
        spr_console::store::users::set_status(
            svc.store().conn(),
            *id,
            Status::AdminLocked,
            5,
            Some("2026-12-01T02:00:00Z"),
            Some("token"),
        )
        .unwrap();
    }
    let locked = UserFilter {
        status: Some(Status::AdminLocked),
        ..UserFilter::default()
    };
    let before = count(&svc, locked.clone());
    let events_before = events(&svc);
    let cancel = AtomicBool::new(false);
    let mut progress = |done: u64, _| {
        if done >= 500 {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let r = svc.unlock_accounts_with(&op, &ids, "checking first", &mut progress, &cancel);
    assert!(
        matches!(&r, Err(CoreError::Invalid(m)) if m == CANCELLED),
        "{r:?}"
    );
    assert_eq!(count(&svc, locked), before, "every account still locked");
    assert_eq!(events(&svc), events_before, "no audit row either");
}

#[test]
fn a_cancel_midway_through_an_import_adds_no_user_and_no_event() {
    let (dir, path) = database(0);
    let mut svc = Service::open(&path).unwrap();
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    let csv = dir.path().join("many.csv");
    let mut text = String::from("login,first,last,email,text_email,spr\n");
    for i in 0..20_000 {
        text.push_str(&format!("imp{i:05},First,Last,imp{i:05}@example.org,,on\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let (users_before, events_before) = (count(&svc, UserFilter::default()), events(&svc));
    let cancel = AtomicBool::new(false);
    let reports = Cell::new(0);
    // The operator presses Cancel once the first rows have been written.
    let result = svc.import_users_file_with(
        &op,
        demo::PROVIDER,
        &csv,
        |done, _| {
            if done > 0 {
                reports.set(reports.get() + 1);
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    );
    match result {
        Err(spr_console::core::transfer::ImportError::Core(CoreError::Invalid(m))) => {
            assert_eq!(m, CANCELLED)
        }
        other => panic!("expected the import to be cancelled, got {other:?}"),
    }
    assert!(reports.get() >= 1, "the cancel came mid-import");
    assert_eq!(count(&svc, UserFilter::default()), users_before);
    assert_eq!(
        events(&svc),
        events_before,
        "no event for a cancelled import"
    );
}
