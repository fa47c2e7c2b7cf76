//! The desktop console driven headless with egui_kittest: the real app, the real worker
//! thread and argon2, on a temporary database file.

// The helpers below are test code too: a failed unwrap there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use spr_console::core::Service;
use spr_console::ui::ConsoleApp;

#[test]
fn first_start_on_an_empty_database_asks_for_and_creates_the_first_super_admin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.sqlite3");
    let mut h = console(&path);
    wait_for(&mut h, "Welcome to spr-console");
    fill(&mut h, "Super admin login", "boss");
    fill(&mut h, "Password", "short");
    fill(&mut h, "Confirm password", "short");
    click_button(&mut h, "Create super admin");
    // A new database delivers nothing until a way is chosen (§3.11).
    wait_for(&mut h, "Choose how password tokens are delivered");
    h.get_by_label_contains("Keep them in the outbox").click();
    h.step();
    click_button(&mut h, "Create super admin");
    wait_for(&mut h, "The operator password is not accepted");
    fill(&mut h, "Password", ADMIN_PW);
    fill(&mut h, "Confirm password", ADMIN_PW);
    enter_in(&mut h, "Confirm password");
    wait_for(&mut h, "Super admin boss created");
    wait_for(&mut h, "boss (Super Admin)");
    let ops = Service::open(&path).unwrap().operators().unwrap();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].login, "boss");
    assert!(ops[0].is_super_admin());
    assert!(Service::open(&path).unwrap().is_training().unwrap());
    wait_for(&mut h, "Training database: messages are not delivered");
    // With no provider yet, the Provider panel says what to do next.
    wait_for(&mut h, "No provider yet");
}

#[test]
fn operator_login_refuses_a_wrong_password_slows_repeated_tries_and_accepts_the_right_one() {
    let (_dir, path) = world();
    let mut h = console(&path);
    wait_for(&mut h, "Sign in to spr-console");
    fill(&mut h, "Operator", ADMIN);
    fill(&mut h, "Password", "not-the-password");
    enter_in(&mut h, "Password");
    wait_for(&mut h, "The operator login or password is wrong");
    assert!(h.state().operator().is_none());
    // Three more wrong tries: the service now asks for a growing wait, shown as a countdown.
    for _ in 0..3 {
        fill(&mut h, "Password", "still-not-the-password");
        let start = Instant::now();
        loop {
            h.step();
            let node = h.get_by_role_and_label(Role::Button, "Sign in");
            if !node.accesskit_node().is_disabled() {
                break;
            }
            assert!(start.elapsed() < PATIENCE, "Sign in stayed disabled");
            std::thread::sleep(Duration::from_millis(20));
        }
        click_button(&mut h, "Sign in");
        // The refusal and the next wait are read back before the next try.
        settle(&mut h);
    }
    wait_for(&mut h, "before trying again");
    assert!(
        h.get_by_role_and_label(Role::Button, "Sign in")
            .accesskit_node()
            .is_disabled(),
        "Sign in waits out the delay"
    );
    fill(&mut h, "Password", ADMIN_PW);
    // The countdown ends by itself; then the right password signs in.
    let start = Instant::now();
    while h
        .get_by_role_and_label(Role::Button, "Sign in")
        .accesskit_node()
        .is_disabled()
    {
        assert!(start.elapsed() < PATIENCE, "the countdown never ended");
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as trainer");
    assert_eq!(h.state().operator().unwrap().login, ADMIN);
    wait_for(&mut h, "trainer (Super Admin)");
}

/// The number the Provider panel shows just above a count's caption ("1" over "Admin
/// Locked"), read from the screen as an operator reads it.
#[track_caller]
fn count_above(h: &Console, caption: &str) -> u64 {
    let under = h.get_by_label(caption).rect();
    // A Label node keeps its text in `value` (AccessKit).
    h.query_all_by(|n| {
        n.role() == Role::Label
            && n.value()
                .is_some_and(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()))
    })
    .filter(|n| {
        let r = n.rect();
        r.max.y <= under.min.y + 1.0 && r.min.x < under.max.x && r.max.x > under.min.x
    })
    .max_by(|a, b| a.rect().max.y.total_cmp(&b.rect().max.y))
    .and_then(|n| n.accesskit_node().value()?.parse().ok())
    .unwrap_or_else(|| panic!("no count shows above \"{caption}\""))
}

#[test]
fn super_admin_enables_spr_and_sets_the_lockout_threshold_in_the_provider_panel() {
    let (_dir, path) = world();
    {
        let mut svc = Service::open(&path).unwrap();
        let admin = svc.operator_login(ADMIN, ADMIN_PW).unwrap();
        svc.add_provider(&admin, "BETA", "Beta Homes").unwrap();
        // mlopez is Admin Locked in ACME: the 4th wrong password with 3 tolerated.
        for _ in 0..4 {
            let _refused = svc.login("ACME", "mlopez", "not-her-password");
        }
        assert_eq!(
            svc.user("ACME", "mlopez").unwrap().status.as_str(),
            "admin_locked"
        );
    }
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    wait_for(
        &mut h,
        "An account is Admin Locked on the 4th consecutive wrong password or token.",
    );
    // Counts at a glance: ACME has two users, one of them Admin Locked.
    assert_eq!(count_above(&h, "Admin Locked"), 1);
    assert_eq!(count_above(&h, "SPR enabled"), 2);
    h.get_by_label("BETA — Beta Homes").click();
    h.step();
    wait_for(&mut h, "Beta Homes");
    wait_for(
        &mut h,
        "An account is Admin Locked on the 6th consecutive wrong password or token.",
    );
    // BETA's own counts: nobody there, so nobody locked.
    assert_eq!(count_above(&h, "Admin Locked"), 0);
    assert_eq!(count_above(&h, "SPR enabled"), 0);

    h.get_by_label("Self Password Reset enabled for this provider")
        .click();
    h.step();
    let provider = |path: &Path| Service::open(path).unwrap().provider("BETA").unwrap();
    wait_until(&mut h, "SPR enabled for BETA", || {
        provider(&path).spr_enabled
    });

    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "3",
    );
    // The words follow the value as it is typed.
    wait_for(
        &mut h,
        "An account is Admin Locked on the 4th consecutive wrong password or token.",
    );
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "500",
    );
    wait_for(&mut h, "Enter a whole number from 1 to 100.");
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "3",
    );
    click_button(&mut h, "Save policy");
    wait_until(&mut h, "max_incorrect saved as 3", || {
        provider(&path).policy.max_incorrect == 3
    });
    wait_for(&mut h, "Saved provider BETA.");
    assert!(provider(&path).spr_enabled);
}

#[test]
fn settings_step_verifies_the_current_password_then_updates_email_and_text_address() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    start_session(&mut h, "mlopez", "ACME", "");
    click_button(&mut h, "Settings step");
    wait_for(&mut h, "Current Password");
    fill(&mut h, "Current Password", "not-her-password");
    click_button(&mut h, "Verify");
    // SPEC §3.2: nothing about the account is told before a right password.
    wait_for(
        &mut h,
        "Login failed: the Login Name, Provider Code or password is wrong.",
    );
    wait_for(&mut h, "password_incorrect");

    fill(&mut h, "Current Password", USER_PW);
    enter_in(&mut h, "Current Password");
    wait_for(&mut h, "Your password was verified.");
    wait_for(&mut h, "Phone/Text Message Email");
    fill(&mut h, "Email", "maria@example.org");
    fill(&mut h, "Phone number (10 digits)", "(555) 123-4567");
    click_button(&mut h, "Fill in Phone/Text Message Email");
    let text = h
        .get_by_role_and_label(Role::TextInput, "Phone/Text Message Email")
        .value()
        .unwrap_or_default();
    assert!(text.starts_with("5551234567@"), "{text}");
    // The user's screen is a smaller window here: bring the button into view first.
    h.get_by_role_and_label(Role::Button, "Update")
        .scroll_to_me();
    h.step();
    click_button(&mut h, "Update");
    wait_for(
        &mut h,
        "Your Self Password Reset configuration was updated.",
    );
    let u = Service::open(&path)
        .unwrap()
        .user("ACME", "mlopez")
        .unwrap();
    assert_eq!(u.email.unwrap().as_str(), "maria@example.org");
    assert_eq!(u.text_email.unwrap().as_str(), text);
    assert_eq!(u.failed_attempts, 0, "a right password resets the counter");
}

#[test]
fn helpdesk_operator_finds_no_policy_enable_or_mail_controls() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    wait_for(&mut h, "desk (Helpdesk)");
    wait_for(&mut h, "ACME — Acme Care");
    // The values are there to read …
    wait_for(
        &mut h,
        "An account is Admin Locked on the 4th consecutive wrong password or token.",
    );
    wait_for(&mut h, "Only a super admin can change the policy.");
    // … but no control that a helpdesk operator may not use.
    for f in spr_console::core::model::POLICY_FIELDS {
        assert!(
            h.query_by_role_and_label(Role::TextInput, f.label)
                .is_none(),
            "{} is editable",
            f.label
        );
    }
    for gone in [
        "Self Password Reset enabled for this provider",
        "Save policy",
        "Add provider…",
        "Save mail settings",
        "Send test message",
        "SMTP relay",
    ] {
        assert!(h.query_by_label(gone).is_none(), "{gone} is shown");
    }
    // The supervised reset is theirs to run.
    start_session(&mut h, "jdoe", "ACME", "");
    wait_for(&mut h, "Forgot Password?");
}

#[test]
fn console_locks_itself_after_idle_time_and_by_the_lock_button() {
    let (_dir, path) = world();
    let mut h = console_with(ConsoleApp::new(&path).with_idle_limit(Duration::from_secs(2)));
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    // No input: stepping (no events) until the 2 s idle limit passes locks the console.
    wait_for(&mut h, "The console locked itself after idle time");
    assert!(h.state().operator().is_none());
    // The login is kept; the password must be typed again.
    assert_eq!(h.get_by_label("Operator").value().as_deref(), Some(ADMIN));
    fill(&mut h, "Password", ADMIN_PW);
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as trainer");
    click_button(&mut h, "Lock");
    wait_for(&mut h, "The console is locked.");
    assert!(h.state().operator().is_none());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_a_sentence_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "these are my notes, not a database, and they stay as they are\n".repeat(4),
    )
    .unwrap();
    let mut h = console(&path);
    wait_for(&mut h, "The database cannot be used");
    wait_for(&mut h, "is not an spr-console database");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("these are my notes")
    );
}
