//! Supervised sessions in the console (SPEC §3.15), driven headless with egui_kittest.
//!
//! The user's screen is an egui viewport. kittest has one native surface, so egui embeds the
//! viewport as a window inside the console (`Context::embed_viewports`); the same `ui` code
//! draws both, and these tests drive the user's pages in that embedded window.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use spr_console::core::Service;
use spr_console::core::audit::AuditFilter;
use spr_console::core::model::Status;
use spr_console::core::session::SessionEnd;

/// The fields only the user's screen may have (§3.15).
const SECRET_FIELDS: [&str; 5] = [
    "Password",
    "Password Token",
    "New Password",
    "Confirm New Password",
    "Current Password",
];

fn secret_fields_shown(h: &Console) -> Vec<&'static str> {
    SECRET_FIELDS
        .into_iter()
        .filter(|f| {
            [Role::TextInput, Role::PasswordInput]
                .into_iter()
                .any(|role| h.query_by_role_and_label(role, f).is_some())
        })
        .collect()
}

fn session_events(path: &std::path::Path) -> Vec<spr_console::core::audit::AuditEvent> {
    let svc = Service::open(path).unwrap();
    svc.audit_events(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .filter(|e| e.session.is_some())
        .collect()
}

#[test]
fn a_full_supervised_session_on_the_users_screen_names_the_operator_in_every_event() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "INC-4711");
    wait_for(&mut h, "Called back on a number on file");
    wait_for(&mut h, "INC-4711");

    // The operator's window has no field for the user's secrets: hide the user's screen …
    h.get_by_label("Show the user's screen").click();
    h.step();
    h.step();
    assert!(!has(&h, "Forgot Password?"));
    assert_eq!(secret_fields_shown(&h), Vec::<&str>::new());
    // … and show it again: the fields are on the user's screen only.
    h.get_by_label("Show the user's screen").click();
    wait_for(&mut h, "Forgot Password?");
    assert!(secret_fields_shown(&h).contains(&"Password"));

    // The user asks for a token on their own screen.
    click_link(&mut h, "Forgot Password?");
    wait_for(&mut h, "Email/Text");
    fill(&mut h, "Email/Text", "jdoe@example.org");
    enter_in(&mut h, "Email/Text");
    wait_for(
        &mut h,
        "A message containing a password token was sent to jdoe@example.org",
    );
    wait_for(&mut h, "is valid for 4:");
    // The operator sees where it went and when; this is a training database, so the
    // message itself too.
    wait_for(&mut h, "as the user's mailbox shows it");
    let token = token_in_outbox(&path, "jdoe@example.org");

    // A wrong token, then the right one, typed by the user.
    fill(&mut h, "Password Token", "2222-3333");
    fill(&mut h, "New Password", NEW_PW);
    fill(&mut h, "Confirm New Password", NEW_PW);
    click_button(&mut h, "Submit");
    wait_for(&mut h, "2 more incorrect entries are tolerated");
    wait_for(&mut h, "token_incorrect");
    wait_for(&mut h, "1 consecutive");
    fill(&mut h, "Password Token", &token);
    fill(&mut h, "New Password", NEW_PW);
    fill(&mut h, "Confirm New Password", NEW_PW);
    click_button(&mut h, "Submit");
    wait_for(&mut h, "Your password was reset successfully");
    wait_for(&mut h, "used (the password was changed)");
    click_button(&mut h, "Login");
    wait_for(&mut h, "Forgot Password?");
    fill(&mut h, "Password", NEW_PW);
    click_button(&mut h, "Login");
    // The login with the new password ends the session: the reset is done.
    wait_for(&mut h, "the reset is done");
    wait_for(&mut h, "Start a supervised reset");

    let events = session_events(&path);
    let first = &events[0];
    assert_eq!(first.action, "supervised_session_started");
    assert!(first.detail.contains("callback") && first.detail.contains("INC-4711"));
    let flows: Vec<&str> = events
        .iter()
        .filter(|e| e.actor == "user")
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        flows,
        ["reset_request", "reset_complete", "reset_complete", "login"]
    );
    for e in &events {
        assert_eq!(e.supervisor.as_deref(), Some(HELPDESK), "{e:?}");
        assert_eq!(e.session, first.session, "{e:?}");
    }
    let last = events.last().unwrap();
    assert_eq!(last.action, "supervised_session_ended");
    assert!(last.detail.starts_with("reset_done"), "{}", last.detail);
}

#[test]
fn the_session_ends_when_the_console_locks() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    click_button(&mut h, "Lock");
    wait_for(&mut h, "The console is locked");
    wait_until(&mut h, "the session's end", || {
        session_events(&path)
            .iter()
            .any(|e| e.action == "supervised_session_ended")
    });
    let ended = session_events(&path).pop().unwrap();
    assert!(
        ended.detail.starts_with("console_locked"),
        "{}",
        ended.detail
    );
    let svc = Service::open(&path).unwrap();
    let lock = svc.audit_events(&AuditFilter::default()).unwrap();
    assert!(
        lock.iter()
            .any(|e| e.action == "console_lock" && e.actor == ADMIN)
    );
    drop(svc);
    // Unlocking the console is audited too.
    fill(&mut h, "Password", ADMIN_PW);
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as");
    let svc = Service::open(&path).unwrap();
    let events = svc.audit_events(&AuditFilter::default()).unwrap();
    assert_eq!(events.last().unwrap().action, "console_unlock");
    let s = events.iter().find_map(|e| e.session.clone()).unwrap();
    assert_eq!(
        svc.session(&s).unwrap().ended,
        Some(SessionEnd::ConsoleLocked)
    );
}

#[test]
fn hand_over_keeps_the_users_pages_until_the_operators_own_password() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    assert!(h.query_by_role_and_label(Role::Tab, "Audit").is_some());
    click_button(&mut h, "Hand over");
    wait_for(&mut h, "Operator: take the console back");
    // The window is the user's now: no operator view, no tabs.
    assert!(!has(&h, "Operator's view"));
    assert!(h.query_by_role_and_label(Role::Tab, "Audit").is_none());
    assert!(has(&h, "Forgot Password?"));
    // The user asks for a token in the handed-over window; its countdown is live there.
    click_link(&mut h, "Forgot Password?");
    fill(&mut h, "Email/Text", "jdoe@example.org");
    enter_in(&mut h, "Email/Text");
    wait_for(&mut h, "is valid for 4:");
    click_button(&mut h, "Operator: take the console back");
    fill(&mut h, "Operator password", "not-the-operator-password");
    click_button(&mut h, "Take back");
    wait_for(&mut h, "The operator login or password is wrong");
    // Still the user's pages, on the page the user was on.
    assert!(!has(&h, "Operator's view"));
    assert!(has(&h, "Password Token"));
    assert!(h.state().is_handed_over());
    fill(&mut h, "Operator password", HELPDESK_PW);
    click_button(&mut h, "Take back");
    wait_for(&mut h, "Operator's view");
    assert!(!h.state().is_handed_over());
    let svc = Service::open(&path).unwrap();
    let actions: Vec<String> = svc
        .audit_events(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"hand_over".to_owned()));
    assert!(actions.contains(&"take_back".to_owned()));
}

#[test]
fn a_helpdesk_operator_unlocks_on_the_spot_when_the_account_locks_in_the_session() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    // Four wrong passwords on the user's screen (3 tolerated): Admin Locked.
    let tries = |path: &std::path::Path| {
        let u = Service::open(path).unwrap().user("ACME", "jdoe").unwrap();
        (u.failed_attempts, u.status)
    };
    for n in 1..=4 {
        fill(&mut h, "Password", "not-her-password-at-all");
        click_button(&mut h, "Login");
        wait_until(&mut h, "the wrong password counted", || {
            tries(&path).0 >= n || tries(&path).1 == Status::AdminLocked
        });
    }
    wait_for(&mut h, "The account is Admin Locked");
    assert_eq!(
        Service::open(&path)
            .unwrap()
            .user("ACME", "jdoe")
            .unwrap()
            .status,
        Status::AdminLocked
    );
    fill(
        &mut h,
        "Reason for the unlock",
        "caller verified by callback",
    );
    click_button(&mut h, "Unlock");
    wait_for(&mut h, "is unlocked: the user can go on");
    let svc = Service::open(&path).unwrap();
    assert_eq!(svc.user("ACME", "jdoe").unwrap().status, Status::Active);
    let last = svc.audit_events(&AuditFilter::default()).unwrap();
    let unlock = last
        .iter()
        .rev()
        .find(|e| e.action == "user_unlock")
        .unwrap();
    assert_eq!(unlock.actor, HELPDESK);
    assert!(unlock.detail.contains("during supervised session"));
}

#[test]
fn outside_a_training_database_no_outbox_and_the_address_is_masked() {
    let (_dir, path) = world();
    {
        let mut svc = Service::open(&path).unwrap();
        let admin = svc.operator_login(ADMIN, ADMIN_PW).unwrap();
        svc.set_mail_settings(&admin, &spr_console::mail::MailSettings::NotSet)
            .unwrap();
    }
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    assert!(h.query_by_role_and_label(Role::Tab, "Audit").is_some());
    assert!(h.query_by_role_and_label(Role::Tab, "Outbox").is_none());
    assert!(!has(&h, "Training database"));
    start_session(&mut h, "jdoe", "ACME", "");
    click_link(&mut h, "Forgot Password?");
    fill(&mut h, "Email/Text", "jdoe@example.org");
    click_button(&mut h, "Submit");
    // No relay: the operator reads the exact reason.
    wait_for(&mut h, "delivery_failed");
    wait_for(&mut h, "sent to j***@example.org");
    assert!(!has(&h, "as the user's mailbox shows it"));
}

#[test]
fn a_session_starts_from_a_users_row() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    h.get_all_by_label("Users").next().unwrap().click();
    h.step();
    wait_for(&mut h, "users match");
    h.get_by_label("jdoe").click();
    wait_for(&mut h, "Start supervised session…");
    click_button(&mut h, "Start supervised session…");
    // The Reset panel's start form, with the account filled in: say how, and start.
    wait_for(&mut h, "Start a supervised reset");
    assert_eq!(
        h.get_by_label("Login Name").value().as_deref(),
        Some("jdoe")
    );
    h.get_by_label("Photo ID at the desk").click();
    h.step();
    click_button(&mut h, "Start session");
    wait_for(&mut h, "Supervised session S-");
    wait_for(&mut h, "Photo ID at the desk");
}

#[test]
fn signing_out_is_audited_and_ends_the_operators_session() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    h.get_by_role_and_label(Role::Button, "desk (Helpdesk)")
        .click();
    wait_for(&mut h, "Sign out");
    click_button(&mut h, "Sign out");
    wait_for(&mut h, "Sign in to spr-console");
    wait_until(&mut h, "the sign-out in the audit", || {
        Service::open(&path)
            .unwrap()
            .audit_events(&AuditFilter::default())
            .unwrap()
            .iter()
            .any(|e| e.action == "console_sign_out" && e.actor == HELPDESK)
    });
    let ended = session_events(&path).pop().unwrap();
    assert_eq!(ended.action, "supervised_session_ended");
    let svc = Service::open(&path).unwrap();
    let signed_in = svc
        .audit_events(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .any(|e| e.action == "operator_login" && e.outcome == "ok" && e.actor == HELPDESK);
    assert!(signed_in, "the console sign-in is audited");
}
