//! Supervised sessions (SPEC §3.15), helpdesk unlocks (§3.6) and delivery defaults (§3.11),
//! on the real service over each engine (a SQLite file, a PostgreSQL database).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::*;
use spr_console::core::audit::{AuditEvent, AuditFilter};
use spr_console::core::model::{Operator, Role, Status};
use spr_console::core::session::{SessionEnd, SessionStart, SessionStep, VerificationMethod};
use spr_console::core::{CoreError, Reason};
use spr_console::mail::MailSettings;

fn helpdesk(w: &mut World) -> Operator {
    let a = w.admin.clone();
    w.svc
        .add_operator(&a, "desk", Role::Helpdesk, "violet-Copper-stream-77")
        .unwrap();
    w.svc
        .operator_login("desk", "violet-Copper-stream-77")
        .unwrap()
}

fn callback(ticket: &str) -> SessionStart {
    SessionStart {
        method: VerificationMethod::Callback,
        note: String::new(),
        ticket: ticket.into(),
    }
}

fn session_events(w: &World, id: &str) -> Vec<AuditEvent> {
    w.svc
        .audit_events(&AuditFilter {
            session: Some(id.into()),
            ..Default::default()
        })
        .unwrap()
}

fn reason(r: Result<impl std::fmt::Debug, CoreError>) -> Reason {
    match r {
        Err(CoreError::Refused(refusal)) => refusal.reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn a_supervised_reset_names_the_operator_and_session_on_every_flow_event(db: TestDb) {
    let mut w = world_on(db, 5);
    let desk = helpdesk(&mut w);
    let s = w
        .svc
        .start_session_for(&desk, "acme", "JDOE", &callback("INC-4711"))
        .unwrap();
    let id = s.id.clone();
    assert_eq!(s.method, VerificationMethod::Callback);
    assert_eq!(s.ticket.as_deref(), Some("INC-4711"));
    w.svc
        .in_session(&id, SessionStep::Other, |svc| {
            svc.request_token("jdoe", "ACME", "jdoe@example.org")
        })
        .unwrap();
    let token = last_token(&w.svc);
    let wrong = w.svc.in_session(&id, SessionStep::Complete, |svc| {
        svc.complete_reset("ACME", "jdoe", &wrong_token(&token), NEW_PW, NEW_PW)
    });
    assert_eq!(reason(wrong), Reason::TokenIncorrect);
    w.svc
        .in_session(&id, SessionStep::Complete, |svc| {
            svc.complete_reset("ACME", "jdoe", &token, NEW_PW, NEW_PW)
        })
        .unwrap();
    assert_eq!(w.svc.session(&id).unwrap().ended, None);
    w.svc
        .in_session(&id, SessionStep::Login, |svc| {
            svc.login("ACME", "jdoe", NEW_PW)
        })
        .unwrap();
    // The login that confirms the reset ends the session.
    assert_eq!(
        w.svc.session(&id).unwrap().ended,
        Some(SessionEnd::ResetDone)
    );

    let events = session_events(&w, &id);
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "supervised_session_started",
            "message_sent",
            "reset_request",
            "reset_complete",
            "reset_complete",
            "message_sent",
            "message_sent",
            "login",
            "supervised_session_ended",
        ]
    );
    for e in &events {
        assert_eq!(e.supervisor.as_deref(), Some("desk"), "{e:?}");
        assert_eq!(e.session.as_deref(), Some(id.as_str()), "{e:?}");
        // Every event names how the caller was verified and the ticket (issue 9).
        assert_eq!(e.verification.as_deref(), Some("callback"), "{e:?}");
        assert_eq!(e.ticket.as_deref(), Some("INC-4711"), "{e:?}");
    }
    for e in events.iter().filter(|e| e.action != "message_sent") {
        if e.action.starts_with("supervised_session") {
            assert_eq!(e.actor, "desk");
        } else {
            assert_eq!(e.actor, "user", "flow events stay the person's: {e:?}");
        }
    }
    assert!(
        events[0].detail.contains("callback"),
        "{}",
        events[0].detail
    );
    assert!(
        events[0].detail.contains("INC-4711"),
        "{}",
        events[0].detail
    );
    assert!(events.last().unwrap().detail.starts_with("reset_done"));
    // Outside a session the same flow names nobody.
    w.svc.login("ACME", "jdoe", NEW_PW).unwrap();
    let all = w.svc.audit_events(&AuditFilter::default()).unwrap();
    let last = all.last().unwrap();
    assert_eq!(
        (last.supervisor.clone(), last.session.clone()),
        (None, None)
    );
}

fn a_lock_during_a_session_is_audited_in_it_and_a_helpdesk_unlocks_on_the_spot(db: TestDb) {
    let mut w = world_on(db, 1);
    let desk = helpdesk(&mut w);
    let jdoe = w.svc.user("ACME", "jdoe").unwrap();
    let id = w
        .svc
        .start_session(&desk, jdoe.id, &callback(""))
        .unwrap()
        .id;
    for _ in 0..2 {
        let _ = w.svc.in_session(&id, SessionStep::Login, |svc| {
            svc.login("ACME", "jdoe", "not-the-password-at-all")
        });
    }
    assert_eq!(
        w.svc.user("ACME", "jdoe").unwrap().status,
        Status::AdminLocked
    );
    let events = session_events(&w, &id);
    let lock = events
        .iter()
        .find(|e| e.action == "account_locked")
        .expect("the lock is in the session");
    assert_eq!(lock.supervisor.as_deref(), Some("desk"));
    // The account lock does not end the session: the operator unlocks on the spot.
    assert_eq!(w.svc.session(&id).unwrap().ended, None);
    assert!(matches!(
        w.svc.unlock_in_session(&desk, &id, "  "),
        Err(CoreError::Invalid(_))
    ));
    let u = w
        .svc
        .unlock_in_session(&desk, &id, "caller verified by callback")
        .unwrap();
    assert_eq!((u.status, u.failed_attempts), (Status::Active, 0));
    w.svc
        .in_session(&id, SessionStep::Login, |svc| {
            svc.login("ACME", "jdoe", USER_PW)
        })
        .unwrap();
}

fn a_session_ends_on_console_lock_by_operator_and_after_30_idle_minutes(db: TestDb) {
    let mut w = world_on(db, 5);
    let desk = helpdesk(&mut w);
    let jdoe = w.svc.user("ACME", "jdoe").unwrap();
    let a = w.svc.start_session(&desk, jdoe.id, &callback("")).unwrap();
    let b = w.svc.start_session(&desk, jdoe.id, &callback("")).unwrap();
    assert_eq!(
        w.svc
            .end_sessions_of("desk", SessionEnd::ConsoleLocked)
            .unwrap(),
        2
    );
    assert_eq!(
        w.svc.session(&a.id).unwrap().ended,
        Some(SessionEnd::ConsoleLocked)
    );
    // An ended session runs no more flows.
    assert!(matches!(
        w.svc
            .in_session(&b.id, SessionStep::Other, |svc| svc.resend("ACME", "jdoe")),
        Err(CoreError::Invalid(_))
    ));
    let c = w.svc.start_session(&desk, jdoe.id, &callback("")).unwrap();
    assert!(
        w.svc
            .end_session(&c.id, SessionEnd::EndedByOperator)
            .unwrap()
    );
    assert!(
        !w.svc
            .end_session(&c.id, SessionEnd::EndedByOperator)
            .unwrap()
    );

    let d = w.svc.start_session(&desk, jdoe.id, &callback("")).unwrap();
    w.clock.advance(Duration::minutes(29));
    w.svc
        .in_session(&d.id, SessionStep::Other, |svc| {
            svc.request_token("jdoe", "ACME", "jdoe@example.org")
        })
        .unwrap();
    // Activity restarts the 30 minutes.
    w.clock.advance(Duration::minutes(29));
    assert_eq!(w.svc.check_session(&d.id).unwrap().ended, None);
    w.clock.advance(Duration::minutes(1));
    let r = w
        .svc
        .in_session(&d.id, SessionStep::Other, |svc| svc.resend("ACME", "jdoe"));
    assert!(matches!(r, Err(CoreError::Invalid(_))), "{r:?}");
    assert_eq!(w.svc.session(&d.id).unwrap().ended, Some(SessionEnd::Idle));
    let ended = session_events(&w, &d.id).pop().unwrap();
    assert_eq!(ended.action, "supervised_session_ended");
    assert!(ended.detail.starts_with("idle"), "{}", ended.detail);
}

fn starting_a_session_checks_the_method_note_and_ticket(db: TestDb) {
    let mut w = world_on(db, 5);
    let desk = helpdesk(&mut w);
    let other = |note: &str| SessionStart {
        method: VerificationMethod::Other,
        note: note.into(),
        ticket: String::new(),
    };
    assert!(matches!(
        w.svc.start_session_for(&desk, "ACME", "jdoe", &other("  ")),
        Err(CoreError::Invalid(_))
    ));
    assert!(matches!(
        w.svc
            .start_session_for(&desk, "ACME", "jdoe", &callback(&"T".repeat(65))),
        Err(CoreError::Invalid(m)) if m.contains("64")
    ));
    assert!(matches!(
        w.svc
            .start_session_for(&desk, "ACME", "ghost", &callback("")),
        Err(CoreError::Invalid(_))
    ));
    let s = w
        .svc
        .start_session_for(&desk, "ACME", "jdoe", &other("badge checked by the nurse"))
        .unwrap();
    assert_eq!(s.note, "badge checked by the nurse");
    assert_eq!(s.ticket, None);
    // Nothing refused was written.
    let started = w
        .svc
        .audit_events(&AuditFilter {
            action: Some("supervised_session_started".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(started.len(), 1);
}

fn a_helpdesk_operator_unlocks_with_a_reason(db: TestDb) {
    let mut w = world_on(db, 1);
    let desk = helpdesk(&mut w);
    for _ in 0..2 {
        let _ = w.svc.login("ACME", "jdoe", "not-the-password-at-all");
    }
    let jdoe = w.svc.user("ACME", "jdoe").unwrap();
    assert_eq!(jdoe.status, Status::AdminLocked);
    assert!(matches!(
        w.svc.unlock(&desk, jdoe.id, ""),
        Err(CoreError::Invalid(_))
    ));
    let u = w.svc.unlock(&desk, jdoe.id, "identity checked").unwrap();
    assert_eq!(u.status, Status::Active);
    let all = w.svc.audit_events(&AuditFilter::default()).unwrap();
    let last = all.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("desk", "user_unlock")
    );
}

fn deactivating_and_reactivating_a_locked_account_keeps_it_locked(db: TestDb) {
    let mut w = world_on(db, 1);
    let a = w.admin.clone();
    for _ in 0..2 {
        let _ = w.svc.login("ACME", "jdoe", "not-the-password-at-all");
    }
    let locked = w.svc.user("ACME", "jdoe").unwrap();
    assert_eq!(locked.status, Status::AdminLocked);
    w.clock.advance(Duration::minutes(10));
    let d = w.svc.deactivate(&a, locked.id).unwrap();
    assert_eq!(d.status, Status::Deactivated);
    let r = w.svc.reactivate(&a, locked.id).unwrap();
    assert_eq!(r.status, Status::AdminLocked);
    assert_eq!(r.locked_at, locked.locked_at);
    assert_eq!(r.failed_attempts, locked.failed_attempts);
    assert_eq!(
        reason(w.svc.login("ACME", "jdoe", USER_PW)),
        Reason::AccountAdminLocked
    );
    // Only an unlock clears it.
    let u = w.svc.unlock(&a, locked.id, "checked").unwrap();
    assert_eq!(
        (u.status, u.failed_attempts, u.locked_at),
        (Status::Active, 0, None)
    );
    // An active account comes back active.
    w.svc.deactivate(&a, locked.id).unwrap();
    assert_eq!(
        w.svc.reactivate(&a, locked.id).unwrap().status,
        Status::Active
    );
}

fn a_new_database_has_no_delivery_until_one_is_chosen(db: TestDb) {
    let mut w = world_on(db, 5);
    let a = w.admin.clone();
    // The world chose the outbox; a new database has no delivery at all.
    let fresh_db = w.db.another();
    let mut fresh = fresh_db.open_service();
    assert_eq!(fresh.mail_settings().unwrap(), MailSettings::NotSet);
    assert!(!fresh.is_training().unwrap());
    let root = fresh.init_first_operator("root", ADMIN_PW).unwrap();
    assert!(matches!(fresh.outbox(None), Err(CoreError::Forbidden(_))));
    fresh
        .set_mail_settings(&root, &MailSettings::Outbox)
        .unwrap();
    assert!(fresh.is_training().unwrap());

    // In the world's training database a request lands in the outbox.
    w.svc
        .request_token("jdoe", "ACME", "jdoe@example.org")
        .unwrap();
    assert_eq!(w.svc.outbox(None).unwrap().len(), 1);
    // Leaving the outbox for SMTP empties it (§3.11).
    let smtp = spr_console::mail::smtp::SmtpSettings {
        host: "127.0.0.1".into(),
        port: 9,
        security: spr_console::mail::smtp::Security::None,
        username: None,
        password: None,
        from: "spr@example.org".into(),
        timeout_secs: 1,
        ca_pem: None,
    };
    w.svc
        .set_mail_settings(&a, &MailSettings::Smtp(smtp))
        .unwrap();
    assert!(!w.svc.is_training().unwrap());
    w.svc.set_mail_settings(&a, &MailSettings::Outbox).unwrap();
    assert!(w.svc.outbox(None).unwrap().is_empty());
}

fn a_token_request_without_delivery_fails_with_delivery_failed(db: TestDb) {
    let mut svc = db.open_service();
    let root = svc.init_first_operator("root", ADMIN_PW).unwrap();
    svc.add_provider(&root, "ACME", "Acme").unwrap();
    svc.update_provider(
        &root,
        "ACME",
        &spr_console::core::service::ProviderChanges {
            spr_enabled: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    svc.add_user(
        &root,
        "ACME",
        &spr_console::core::service::UserInput {
            login: "jdoe".into(),
            email: Some("jdoe@example.org".into()),
            spr_enabled: true,
            password: Some(USER_PW.into()),
            ..Default::default()
        },
    )
    .unwrap();
    let r = svc.request_token("jdoe", "ACME", "jdoe@example.org");
    assert_eq!(reason(r), Reason::DeliveryFailed);
    let all = svc.audit_events(&AuditFilter::default()).unwrap();
    let last = all.last().unwrap();
    assert_eq!(last.reason.as_deref(), Some("delivery_failed"));
    assert!(
        last.detail.contains("No mail relay is set up"),
        "{}",
        last.detail
    );
}

fn the_console_audits_sign_in_sign_out_and_opening_another_database(db: TestDb) {
    use spr_console::core::console::{ConsoleEvent, ConsoleSignIn};
    let mut w = world_on(db, 5);
    let before = w.svc.audit_events(&AuditFilter::default()).unwrap().len();
    assert!(
        w.svc
            .console_sign_in("root", "wrong-password-here", &ConsoleSignIn::SignIn)
            .is_err()
    );
    let op = w
        .svc
        .console_sign_in("root", ADMIN_PW, &ConsoleSignIn::SignIn)
        .unwrap();
    let open = w
        .svc
        .start_session_for(&op, "ACME", "jdoe", &callback(""))
        .unwrap();
    w.svc
        .console_event(
            &op,
            &ConsoleEvent::OpenDatabase {
                path: "/tmp/other.sqlite3".into(),
            },
        )
        .unwrap();
    w.svc.console_event(&op, &ConsoleEvent::SignOut).unwrap();
    let events = w.svc.audit_events(&AuditFilter::default()).unwrap();
    let new: Vec<(&str, &str, &str)> = events[before..]
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        new,
        [
            ("root", "operator_login", "denied"),
            ("root", "operator_login", "ok"),
            ("root", "supervised_session_started", "ok"),
            ("root", "supervised_session_ended", "ok"),
            ("root", "database_open", "ok"),
            ("root", "console_sign_out", "ok"),
        ]
    );
    assert!(events.last().unwrap().detail.contains("signed out"));
    // Leaving the database ended the session that was open in it.
    assert_eq!(
        w.svc.session(&open.id).unwrap().ended,
        Some(SessionEnd::EndedByOperator)
    );
    assert!(
        events[events.len() - 2]
            .detail
            .contains("/tmp/other.sqlite3")
    );
}

fn a_session_works_for_its_own_account_only(db: TestDb) {
    let mut w = world_on(db, 5);
    let desk = helpdesk(&mut w);
    let id = w
        .svc
        .start_session_for(&desk, "ACME", "jdoe", &callback(""))
        .unwrap()
        .id;
    w.svc.check_session_account(&id, " acme ", "JDOE").unwrap();
    assert!(matches!(
        w.svc.check_session_account(&id, "ACME", "mlopez"),
        Err(CoreError::Invalid(m)) if m.contains("jdoe")
    ));
}

engines!(
    a_supervised_reset_names_the_operator_and_session_on_every_flow_event,
    a_lock_during_a_session_is_audited_in_it_and_a_helpdesk_unlocks_on_the_spot,
    a_session_ends_on_console_lock_by_operator_and_after_30_idle_minutes,
    starting_a_session_checks_the_method_note_and_ticket,
    a_helpdesk_operator_unlocks_with_a_reason,
    deactivating_and_reactivating_a_locked_account_keeps_it_locked,
    a_new_database_has_no_delivery_until_one_is_chosen,
    a_token_request_without_delivery_fails_with_delivery_failed,
    the_console_audits_sign_in_sign_out_and_opening_another_database,
    a_session_works_for_its_own_account_only,
);
