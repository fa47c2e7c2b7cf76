//! Issue 10 on the real service over each engine (a SQLite file, a PostgreSQL database): one
//! answer per flow for every refusal SPEC says must look alike, live tokens that end with what
//! they depend on; and, on SQLite files only, the audit chain's migration of an old file and
//! the audited backup to a file (SPEC §3.2, §3.3, §3.5, §3.7, §3.10).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::*;
use spr_console::core::audit::AuditFilter;
use spr_console::core::error::password_reset_error_text;
use spr_console::core::model::{Role, Status};
use spr_console::core::service::{INVALID_TOKEN, LOGIN_FAILED, ProviderChanges};
use spr_console::core::{CoreError, Reason};

/// The reason and the words of a refusal.
fn refused<T: std::fmt::Debug>(r: Result<T, CoreError>) -> (Reason, String) {
    match r {
        Err(CoreError::Refused(refusal)) => (refusal.reason, refusal.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn last_event(w: &World) -> spr_console::core::audit::AuditEvent {
    w.svc
        .audit_events(&AuditFilter {
            newest_first: true,
            limit: Some(1),
            ..Default::default()
        })
        .unwrap()
        .remove(0)
}

fn set_status(w: &World, status: &str) {
    w.db.execute(&format!(
        "UPDATE users SET status = '{status}' WHERE login = 'jdoe'"
    ));
}

fn provider_spr(w: &mut World, on: bool) {
    let a = w.admin.clone();
    w.svc
        .update_provider(
            &a,
            "ACME",
            &ProviderChanges {
                spr_enabled: Some(on),
                ..Default::default()
            },
        )
        .unwrap();
}

fn user_spr(w: &mut World, on: bool) {
    let a = w.admin.clone();
    let id = w.svc.user("ACME", "jdoe").unwrap().id;
    w.svc.set_spr_for(&a, &[id], on).unwrap();
}

fn login_gives_one_message_for_every_failure_and_the_status_only_after_a_right_password(
    db: TestDb,
) {
    let mut w = world_on(db, 5);
    let cases: Vec<(&str, &str, &str, Reason)> = vec![
        ("NOPE", "jdoe", USER_PW, Reason::UnknownAccount),
        ("ACME", "ghost", USER_PW, Reason::UnknownAccount),
        (
            "ACME",
            "jdoe",
            "wrong-password-here",
            Reason::PasswordIncorrect,
        ),
    ];
    for (code, login, pw, reason) in cases {
        let (r, message) = refused(w.svc.login(code, login, pw));
        assert_eq!((r, message.as_str()), (reason, LOGIN_FAILED));
        assert_eq!(last_event(&w).reason.as_deref(), Some(reason.code()));
    }
    for (status, reason, right_words) in [
        (
            "admin_locked",
            Reason::AccountAdminLocked,
            "This account is Admin Locked: ask your administrator to unlock it.",
        ),
        (
            "deactivated",
            Reason::AccountDeactivated,
            "This account is Deactivated: ask your administrator.",
        ),
        ("deleted", Reason::AccountDeleted, LOGIN_FAILED),
    ] {
        set_status(&w, status);
        let before = w.svc.user("ACME", "jdoe").unwrap().failed_attempts;
        let (r, message) = refused(w.svc.login("ACME", "jdoe", "wrong-password-here"));
        assert_eq!((r, message.as_str()), (reason, LOGIN_FAILED), "{status}");
        let (r, message) = refused(w.svc.login("ACME", "jdoe", USER_PW));
        assert_eq!((r, message.as_str()), (reason, right_words), "{status}");
        assert_eq!(last_event(&w).reason.as_deref(), Some(reason.code()));
        let after = w.svc.user("ACME", "jdoe").unwrap().failed_attempts;
        assert_eq!(
            before, after,
            "a check on an account that is not active changes nothing"
        );
    }
}

fn the_verify_step_tells_nothing_before_a_right_password(db: TestDb) {
    let mut w = world_on(db, 5);
    let wrong = "wrong-password-here";
    // Wrong password: one message whatever the account.
    let (r, m) = refused(w.svc.configure_verify("ACME", "ghost", wrong));
    assert_eq!((r, m.as_str()), (Reason::UnknownAccount, LOGIN_FAILED));
    let (r, m) = refused(w.svc.configure_verify("ACME", "jdoe", wrong));
    assert_eq!((r, m.as_str()), (Reason::PasswordIncorrect, LOGIN_FAILED));
    provider_spr(&mut w, false);
    let (_, m) = refused(w.svc.configure_verify("ACME", "jdoe", wrong));
    assert_eq!(m, LOGIN_FAILED);
    // A right password is told that SPR is off, with the exact reason audited.
    let (r, m) = refused(w.svc.configure_verify("ACME", "jdoe", USER_PW));
    assert_eq!(r, Reason::ProviderSprDisabled);
    assert_ne!(m, LOGIN_FAILED);
    provider_spr(&mut w, true);
    user_spr(&mut w, false);
    let (_, m) = refused(w.svc.configure_verify("ACME", "jdoe", wrong));
    assert_eq!(m, LOGIN_FAILED);
    let (r, _) = refused(w.svc.configure_verify("ACME", "jdoe", USER_PW));
    assert_eq!(r, Reason::UserSprDisabled);
    user_spr(&mut w, true);
    for (status, reason) in [
        ("admin_locked", Reason::AccountAdminLocked),
        ("deactivated", Reason::AccountDeactivated),
        ("deleted", Reason::AccountDeleted),
    ] {
        set_status(&w, status);
        let (r, m) = refused(w.svc.configure_verify("ACME", "jdoe", wrong));
        assert_eq!((r, m.as_str()), (reason, LOGIN_FAILED), "{status}");
    }
}

fn every_forgot_password_refusal_says_the_same_words(db: TestDb) {
    let mut w = world_on(db, 5);
    let generic = password_reset_error_text();
    let mut seen = Vec::new();
    let mut check = |w: &mut World, login: &str, code: &str, addr: &str, reason: Reason| {
        let (r, m) = refused(w.svc.request_token(login, code, addr));
        assert_eq!(r, reason);
        assert_eq!(m, generic, "{reason}");
        seen.push(reason);
    };
    check(
        &mut w,
        "ghost",
        "ACME",
        "jdoe@example.org",
        Reason::UnknownAccount,
    );
    check(
        &mut w,
        "jdoe",
        "ACME",
        "other@example.org",
        Reason::UnknownAccount,
    );
    provider_spr(&mut w, false);
    check(
        &mut w,
        "jdoe",
        "ACME",
        "jdoe@example.org",
        Reason::ProviderSprDisabled,
    );
    provider_spr(&mut w, true);
    user_spr(&mut w, false);
    check(
        &mut w,
        "jdoe",
        "ACME",
        "jdoe@example.org",
        Reason::UserSprDisabled,
    );
    user_spr(&mut w, true);
    w.db.execute("UPDATE users SET email = NULL, text_email = NULL");
    check(
        &mut w,
        "jdoe",
        "ACME",
        "jdoe@example.org",
        Reason::SprNotConfigured,
    );
    w.db.execute("UPDATE users SET email = 'jdoe@example.org'");
    for (status, reason) in [
        ("admin_locked", Reason::AccountAdminLocked),
        ("deactivated", Reason::AccountDeactivated),
        ("deleted", Reason::AccountDeleted),
    ] {
        set_status(&w, status);
        check(&mut w, "jdoe", "ACME", "jdoe@example.org", reason);
    }
    set_status(&w, "active");
    let a = w.admin.clone();
    w.svc
        .update_provider(
            &a,
            "ACME",
            &ProviderChanges {
                max_tokens_per_hour: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    w.svc
        .request_token("jdoe", "ACME", "jdoe@example.org")
        .unwrap();
    check(
        &mut w,
        "jdoe",
        "ACME",
        "jdoe@example.org",
        Reason::RateLimited,
    );
    assert_eq!(seen.len(), 9, "every reason code of SPEC §3.3");
}

/// Every reason Resend and Change Password share answers with the one invalid-token message.
fn resend_and_change_password_give_one_message_for_every_invalid_token(db: TestDb) {
    type Setup = fn(&mut World);
    let cases: Vec<(&str, Reason, Setup)> = vec![
        ("no token yet", Reason::NoActiveToken, |_| {}),
        ("expired", Reason::TokenExpired, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            w.clock.advance(Duration::minutes(6));
        }),
        ("used", Reason::NoActiveToken, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            let t = last_token(&w.svc);
            w.svc
                .complete_reset("ACME", "jdoe", &t, NEW_PW, NEW_PW)
                .unwrap();
        }),
        ("admin locked", Reason::AccountAdminLocked, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            set_status(w, "admin_locked");
        }),
        ("deactivated", Reason::AccountDeactivated, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            set_status(w, "deactivated");
        }),
        ("deleted", Reason::AccountDeleted, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            set_status(w, "deleted");
        }),
        ("provider SPR off", Reason::ProviderSprDisabled, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            w.db.execute("UPDATE providers SET spr_enabled = 0");
        }),
        ("user SPR off", Reason::UserSprDisabled, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            w.db.execute("UPDATE users SET spr_enabled = 0");
        }),
        ("address no longer a contact", Reason::NoActiveToken, |w| {
            w.svc
                .request_token("jdoe", "ACME", "jdoe@example.org")
                .unwrap();
            w.db.execute("UPDATE users SET email = 'new@example.org'");
        }),
    ];
    for (what, reason, setup) in &cases {
        for flow in ["resend", "complete"] {
            let mut w = world_on(db.another(), 5);
            setup(&mut w);
            let r = if flow == "resend" {
                w.svc.resend("ACME", "jdoe")
            } else {
                w.svc
                    .complete_reset("ACME", "jdoe", "2345-6789", NEW_PW, NEW_PW)
                    .map(|_| spr_console::core::service::FlowOk {
                        message: String::new(),
                    })
            };
            let (r, m) = refused(r);
            assert_eq!(r, *reason, "{flow}, {what}");
            assert_eq!(m, INVALID_TOKEN, "{flow}, {what}");
            assert_eq!(last_event(&w).reason.as_deref(), Some(reason.code()));
            // Whatever the reason, no live token is left behind.
            let id = w.svc.user("ACME", "jdoe").unwrap().id;
            let state = w.svc.token_info(id).unwrap().map(|t| t.state.to_string());
            assert!(
                state
                    .as_deref()
                    .is_none_or(|s| s != "live" || *reason == Reason::TokenExpired),
                "{flow}, {what}: {state:?}"
            );
        }
    }
    // An unknown account too.
    let mut w = world_on(db, 5);
    let (r, m) = refused(w.svc.resend("ACME", "ghost"));
    assert_eq!((r, m.as_str()), (Reason::UnknownAccount, INVALID_TOKEN));
    let (r, m) = refused(
        w.svc
            .complete_reset("ACME", "ghost", "2345-6789", NEW_PW, NEW_PW),
    );
    assert_eq!((r, m.as_str()), (Reason::UnknownAccount, INVALID_TOKEN));
}

fn token_state(w: &World) -> String {
    let id = w.svc.user("ACME", "jdoe").unwrap().id;
    w.svc.token_info(id).unwrap().unwrap().state.to_string()
}

fn a_live_token_ends_with_its_contact_or_with_self_password_reset(db: TestDb) {
    type End = fn(&mut World);
    let ends: Vec<(&str, End)> = vec![
        ("contact changed by an operator", |w| {
            let a = w.admin.clone();
            let id = w.svc.user("ACME", "jdoe").unwrap().id;
            w.svc
                .set_contacts(&a, id, Some("other@example.org"), None)
                .unwrap();
        }),
        ("contact removed by the user", |w| {
            w.svc
                .configure("ACME", "jdoe", USER_PW, Some(""), None)
                .unwrap();
        }),
        ("provider SPR off", |w| provider_spr(w, false)),
        ("user SPR off", |w| user_spr(w, false)),
        ("deactivate", |w| {
            let a = w.admin.clone();
            let id = w.svc.user("ACME", "jdoe").unwrap().id;
            w.svc.deactivate(&a, id).unwrap();
        }),
        ("delete", |w| {
            let a = w.admin.clone();
            let id = w.svc.user("ACME", "jdoe").unwrap().id;
            w.svc.delete(&a, id).unwrap();
        }),
    ];
    for (what, end) in ends {
        let mut w = world_on(db.another(), 5);
        w.svc
            .request_token("jdoe", "ACME", "jdoe@example.org")
            .unwrap();
        assert_eq!(token_state(&w), "live");
        end(&mut w);
        assert_eq!(token_state(&w), "invalidated", "{what}");
        assert!(
            last_event(&w).detail.contains("token ended"),
            "{what}: {}",
            last_event(&w).detail
        );
    }
    // A change that keeps the address the token went to leaves it live.
    let mut w = world_on(db, 5);
    w.svc
        .request_token("jdoe", "ACME", "jdoe@example.org")
        .unwrap();
    w.svc
        .configure("ACME", "jdoe", USER_PW, None, Some("5559876543@vtext.com"))
        .unwrap();
    assert_eq!(token_state(&w), "live");
    // Resend goes only to an address that is still a contact.
    let a = w.admin.clone();
    let id = w.svc.user("ACME", "jdoe").unwrap().id;
    w.svc.set_contacts(&a, id, Some(""), None).unwrap();
    let (r, _) = refused(w.svc.resend("ACME", "jdoe"));
    assert_eq!(r, Reason::NoActiveToken);
    let sent_to: Vec<String> = w
        .svc
        .outbox(None)
        .unwrap()
        .into_iter()
        .map(|m| m.to)
        .collect();
    assert_eq!(
        sent_to,
        vec!["jdoe@example.org".to_owned()],
        "nothing resent"
    );
}

// SQLite only: it migrates a file of the first schema (PostgreSQL starts at its own first).
#[test]
fn the_chain_migration_fills_hashes_for_events_written_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite3");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("../src/store/migrations/0001_initial.sql"))
            .unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1; PRAGMA application_id = 1397772867;
             INSERT INTO audit (at, actor, action, outcome, detail) VALUES
               ('2026-01-01T00:00:00.000Z', 'root', 'init', 'ok', 'first'),
               ('2026-01-01T00:00:01.000Z', 'user', 'login', 'denied', 'second'),
               ('2026-01-01T00:00:02.000Z', 'root', 'provider_add', 'ok', 'third');",
        )
        .unwrap();
    }
    let svc = spr_console::core::Service::open(&path).unwrap();
    let report = svc.audit_verify().unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(report.events, 3);
    let events = svc.audit_events(&AuditFilter::default()).unwrap();
    assert_eq!(events[2].hash, report.head);
    assert_eq!(events[0].detail, "first");
    // The UPDATE trigger is back after the migration.
    let c = rusqlite::Connection::open(&path).unwrap();
    assert!(
        c.execute("UPDATE audit SET detail = 'x' WHERE seq = 1", [])
            .is_err()
    );
}

// SQLite only: a backup is a copy of the file, and its rules are about files.
#[test]
fn a_backup_is_for_super_admins_audited_owner_only_and_never_onto_the_database() {
    use std::os::unix::fs::PermissionsExt;
    let mut w = world(5);
    let a = w.admin.clone();
    let desk = w
        .svc
        .add_operator(&a, "desk", Role::Helpdesk, "violet-Copper-stream-77")
        .unwrap();
    let dest = w.path().with_file_name("copy.sqlite3");
    assert!(matches!(
        w.svc.backup(&desk, &dest, |_, _| {}),
        Err(CoreError::Forbidden(_))
    ));
    assert!(!dest.exists());
    let db = w.path().to_path_buf();
    assert!(w.svc.backup(&a, &db, |_, _| {}).is_err());
    let mut wal = db.clone().into_os_string();
    wal.push("-wal");
    assert!(
        w.svc
            .backup(&a, std::path::Path::new(&wal), |_, _| {})
            .is_err()
    );
    w.svc.backup(&a, &dest, |_, _| {}).unwrap();
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let e = last_event(&w);
    assert_eq!((e.action.as_str(), e.actor.as_str()), ("backup", "root"));
    let copy = spr_console::core::Service::open_read_only(&dest).unwrap();
    assert_eq!(copy.user("ACME", "jdoe").unwrap().status, Status::Active);
    assert!(copy.audit_verify().unwrap().ok);
}

engines!(
    login_gives_one_message_for_every_failure_and_the_status_only_after_a_right_password,
    the_verify_step_tells_nothing_before_a_right_password,
    every_forgot_password_refusal_says_the_same_words,
    resend_and_change_password_give_one_message_for_every_invalid_token,
    a_live_token_ends_with_its_contact_or_with_self_password_reset,
);
