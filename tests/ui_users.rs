//! The Users panel and the Audit view through egui_kittest: the whole console on a real
//! database file, its worker thread included, driven the way an operator would.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::ui::{console_sized, has};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use spr_console::core::Service;
use spr_console::core::model::Role;
use spr_console::core::service::UserInput;
use spr_console::ui::ConsoleApp;

const ADMIN: &str = "admin";
const ADMIN_PW: &str = "correct horse battery staple 42";
const DESK: &str = "desk";
const DESK_PW: &str = "violet tangerine umbrella 77";
const USER_PW: &str = "Harbor-Lantern-42-Violet";

/// A database with provider ACME: `zed.smith`, `amy.jones`, `bking` (Admin Locked after
/// wrong passwords) and 40 generated users.
fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ui.sqlite3");
    let mut svc = Service::open(&path).unwrap();
    let admin = svc.init_first_operator(ADMIN, ADMIN_PW).unwrap();
    svc.add_operator(&admin, DESK, Role::Helpdesk, DESK_PW)
        .unwrap();
    svc.add_provider(&admin, "ACME", "Acme Care").unwrap();
    let mut add = |login: &str, first: &str, last: &str, password: bool| {
        svc.add_user(
            &admin,
            "ACME",
            &UserInput {
                login: login.into(),
                first: first.into(),
                last: last.into(),
                email: Some(format!("{login}@example.org")),
                password: password.then(|| USER_PW.to_owned()),
                ..UserInput::default()
            },
        )
        .unwrap();
    };
    add("zed.smith", "Zed", "Smith", false);
    add("amy.jones", "Amy", "Jones", false);
    add("bking", "Bea", "King", true);
    for i in 0..40 {
        add(&format!("gen{i:03}"), "Gen", "Erated", false);
    }
    for _ in 0..6 {
        let _ = svc.login("ACME", "bking", "not the password at all");
    }
    assert_eq!(
        svc.user("ACME", "bking").unwrap().status,
        spr_console::core::model::Status::AdminLocked
    );
    (dir, path)
}

fn harness(path: &std::path::Path) -> Harness<'static, ConsoleApp> {
    console_sized(ConsoleApp::new(path).with_typed_paths(), [1400.0, 900.0])
}

/// Steps frames until `cond` holds (the worker answers on its own thread).
fn settle(
    h: &mut Harness<'_, ConsoleApp>,
    what: &str,
    cond: impl Fn(&Harness<'_, ConsoleApp>) -> bool,
) {
    for _ in 0..500 {
        h.step();
        if cond(h) {
            h.step();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

/// Focuses the field named `label` and types into it.
fn type_into(h: &mut Harness<'_, ConsoleApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

fn sign_in_to_users(path: &std::path::Path, login: &str, pw: &str) -> Harness<'static, ConsoleApp> {
    let mut h = harness(path);
    settle(&mut h, "the sign-in form", |h| {
        h.query_by_label("Operator").is_some()
    });
    type_into(&mut h, "Operator", login);
    type_into(&mut h, "Password", pw);
    h.run_steps(2);
    h.get_by_label("Sign in").click();
    settle(&mut h, "the signed-in console", |h| {
        h.state().operator().is_some()
    });
    // The first "Users" is the top bar's tab (the Provider panel also shows a count).
    h.get_all_by_label("Users").next().unwrap().click();
    settle(&mut h, "the users table", |h| has(h, "users match"));
    h
}

#[test]
fn search_narrows_the_table() {
    let (_dir, path) = database();
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    settle(&mut h, "all 43 users", |h| has(h, "43 users match"));
    assert!(h.query_by_label("amy.jones").is_some());

    type_into(&mut h, "Search", "zed");
    settle(&mut h, "one match", |h| has(h, "1 user matches"));
    assert!(h.query_by_label("zed.smith").is_some());
    assert!(h.query_by_label("amy.jones").is_none());

    // Last names and emails are searched too.
    for _ in 0.."zed".len() {
        h.key_press(egui::Key::Backspace);
        h.step();
    }
    type_into(&mut h, "Search", "jon");
    settle(&mut h, "Jones by last name", |h| {
        h.query_by_label("amy.jones").is_some() && h.query_by_label("zed.smith").is_none()
    });
}

#[test]
fn a_super_admin_unlocks_a_locked_user_with_a_reason_and_the_audit_shows_it() {
    let (_dir, path) = database();
    // Three clicks: the Users tab (in sign_in_to_users), the locked row — listed first by
    // default, with the lock's cause — and Unlock after the reason.
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    settle(&mut h, "bking listed first with the lock's cause", |h| {
        has(h, "after 6 wrong passwords")
    });
    h.get_by_label("bking").click();
    settle(&mut h, "the details pane", |h| {
        h.query_by_label("Reason for the unlock").is_some()
    });
    type_into(
        &mut h,
        "Reason for the unlock",
        "Identity checked on the phone",
    );
    h.get_by_label("Unlock").click();
    settle(&mut h, "the unlock", |h| has(h, "bking is unlocked."));

    let svc = Service::open(&path).unwrap();
    let u = svc.user("ACME", "bking").unwrap();
    assert_eq!(u.status, spr_console::core::model::Status::Active);
    assert_eq!(u.failed_attempts, 0);

    h.get_all_by_label("Audit").next().unwrap().click();
    settle(&mut h, "the unlock in the audit view", |h| {
        has(h, "unlocked: Identity checked on the phone")
    });
}

#[test]
fn a_helpdesk_operator_unlocks_in_three_clicks_but_changes_nothing_else() {
    let (_dir, path) = database();
    // Three clicks from a signed-in console (§3.6, §3.9): the Users tab, the locked row
    // (listed first), and Unlock after the reason.
    let mut h = sign_in_to_users(&path, DESK, DESK_PW);
    settle(&mut h, "bking listed first with the lock's cause", |h| {
        has(h, "after 6 wrong passwords")
    });
    h.get_by_label("bking").click();
    settle(&mut h, "the details pane", |h| {
        h.query_by_label("Reason for the unlock").is_some()
    });
    assert!(has(
        &h,
        "Only a super admin can change anything else of this user."
    ));
    assert!(h.query_by_label("Deactivate").is_none());
    assert!(h.query_by_label("Import CSV…").is_none());
    assert!(h.query_by_label("Add user…").is_none());
    assert!(h.query_by_label_contains("Enable SPR").is_none());
    // Helpdesk may export (SPEC §4).
    assert!(h.query_by_label("Export CSV…").is_some());
    type_into(
        &mut h,
        "Reason for the unlock",
        "Caller verified by callback",
    );
    h.get_by_label("Unlock").click();
    settle(&mut h, "the unlock", |h| has(h, "bking is unlocked."));
    let svc = Service::open(&path).unwrap();
    let u = svc.user("ACME", "bking").unwrap();
    assert_eq!(u.status, spr_console::core::model::Status::Active);
    let events = svc
        .audit_events(&spr_console::core::audit::AuditFilter::default())
        .unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        (DESK, "user_unlock")
    );
}

#[test]
fn a_super_admin_adds_a_user_from_the_users_panel() {
    let (_dir, path) = database();
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    settle(&mut h, "all 43 users", |h| has(h, "43 users match"));
    h.get_by_label("Add user…").click();
    settle(&mut h, "the Add user dialog", |h| {
        h.query_by_label("Confirm initial password").is_some()
    });
    // The table's header is also named "Login Name": type into the dialog's field.
    let login = || {
        egui_kittest::kittest::By::new()
            .role(egui::accesskit::Role::TextInput)
            .label("Login Name")
    };
    h.get(login()).focus();
    h.step();
    h.get(login()).type_text("new.person");
    h.step();
    type_into(&mut h, "Email", "new.person@example.org");
    h.get_by_label("Self Password Reset enabled").click();
    h.step();
    type_into(&mut h, "Initial password", "tundra-Lantern-slow-8830");
    type_into(
        &mut h,
        "Confirm initial password",
        "tundra-Lantern-slow-8830",
    );
    h.get_by_label("Add").click();
    settle(&mut h, "the new user", |h| {
        has(h, "Added user new.person to ACME.")
    });
    settle(&mut h, "the table refreshed", |h| has(h, "44 users match"));
    assert!(h.query_by_label("Confirm initial password").is_none());

    let mut svc = Service::open(&path).unwrap();
    let u = svc.user("ACME", "new.person").unwrap();
    assert_eq!(
        u.email.as_ref().map(ToString::to_string).as_deref(),
        Some("new.person@example.org")
    );
    assert!(u.spr_enabled);
    assert!(u.has_password);
    svc.login("ACME", "new.person", "tundra-Lantern-slow-8830")
        .unwrap();
}

#[test]
fn bulk_enable_grants_spr_to_every_matching_user() {
    let (_dir, path) = database();
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    type_into(&mut h, "Search", "gen");
    settle(&mut h, "the 40 generated users", |h| {
        has(h, "40 users match")
    });
    let enabled = |path: &std::path::Path| {
        let svc = Service::open(path).unwrap();
        (0..40)
            .filter(|i| {
                svc.user("ACME", &format!("gen{i:03}"))
                    .is_ok_and(|u| u.spr_enabled)
            })
            .count()
    };
    let before = enabled(&path);
    // The bulk change asks first, naming the count; Cancel changes nothing (SPEC §5).
    h.get_by_label("Enable SPR for all matching").click();
    settle(&mut h, "the question", |h| {
        has(h, "Enable Self Password Reset for 40 users?")
    });
    h.get_by_label("Cancel").click();
    settle(&mut h, "the question gone", |h| {
        !has(h, "Enable Self Password Reset for 40 users?")
    });
    assert_eq!(enabled(&path), before, "Cancel changed nothing");

    h.get_by_label("Enable SPR for all matching").click();
    settle(&mut h, "the question", |h| has(h, "Enable for 40 users"));
    h.get_by_label("Enable for 40 users").click();
    settle(&mut h, "the bulk change", |h| {
        has(h, "Self Password Reset enabled for")
    });
    let svc = Service::open(&path).unwrap();
    assert!(svc.user("ACME", "gen017").unwrap().spr_enabled);
    assert!(!svc.user("ACME", "zed.smith").unwrap().spr_enabled);
    assert_eq!(enabled(&path), 40);
    // One summary event besides the per-user ones, all sharing the batch id.
    let events = svc
        .audit_events(&spr_console::core::audit::AuditFilter::default())
        .unwrap();
    let summaries: Vec<_> = events
        .iter()
        .filter(|e| e.action == "user_spr_batch")
        .collect();
    assert_eq!(summaries.len(), 1, "one summary event");
    let batch = summaries[0]
        .detail
        .split("(batch ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .to_owned();
    let changed = 40 - before;
    assert!(
        summaries[0]
            .detail
            .starts_with(&format!("Self Password Reset enabled for {changed} users")),
        "{}",
        summaries[0].detail
    );
    let per_user = events
        .iter()
        .filter(|e| e.action == "user_spr" && e.detail.contains(&format!("(batch {batch})")))
        .count();
    assert_eq!(per_user, changed);
}

#[test]
fn the_audit_view_filters_by_login_and_outcome() {
    let (_dir, path) = database();
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    h.get_all_by_label("Audit").next().unwrap().click();
    settle(&mut h, "the audit log", |h| has(h, "user_add"));

    // The filter fields come before the table's headers of the same names.
    h.get_all_by_label("Login Name").next().unwrap().focus();
    h.step();
    h.get_all_by_label("Login Name")
        .next()
        .unwrap()
        .type_text("bking");
    settle(&mut h, "bking's events only", |h| {
        has(h, "account_locked") && h.query_by_label("zed.smith").is_none()
    });
    // bking: user_add, 6 refused logins, account_locked.
    assert!(has(&h, "8 events match"));

    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Outcome")
        .click();
    h.run_steps(2);
    // The popup's choice, not the table's "denied" cells.
    h.get(
        egui_kittest::kittest::By::new()
            .label("denied")
            .predicate(|n| n.role() != egui::accesskit::Role::Label),
    )
    .click();
    // The six refused logins and the lock itself (an `account_locked` event is `denied`).
    settle(&mut h, "the refusals only", |h| has(h, "7 events match"));
    assert!(!has(&h, "user_add"));
    assert!(has(&h, "account_locked"));
}

/// Provider ACME with users whose Login Name order is not their last-name order.
fn names_database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sort.sqlite3");
    let mut svc = Service::open(&path).unwrap();
    let admin = svc.init_first_operator(ADMIN, ADMIN_PW).unwrap();
    svc.add_provider(&admin, "ACME", "Acme Care").unwrap();
    for (login, first, last) in [
        ("aa", "Eve", "Young"),
        ("bb", "Bob", "adams"),
        ("cc", "Cy", "Moss"),
        ("dd", "Di", "Baker"),
        ("ee", "Al", "Ortiz"),
    ] {
        svc.add_user(
            &admin,
            "ACME",
            &UserInput {
                login: login.into(),
                first: first.into(),
                last: last.into(),
                ..UserInput::default()
            },
        )
        .unwrap();
    }
    (dir, path)
}

/// The last names in the table, top to bottom (those on screen: none while a new order's
/// rows are on their way).
fn last_names_shown(h: &Harness<'_, ConsoleApp>) -> Vec<String> {
    let mut shown: Vec<(f32, String)> = ["Young", "adams", "Moss", "Baker", "Ortiz"]
        .into_iter()
        .filter_map(|n| Some((h.query_by_label(n)?.rect().min.y, n.to_owned())))
        .collect();
    shown.sort_by(|a, b| a.0.total_cmp(&b.0));
    shown.into_iter().map(|(_, n)| n).collect()
}

#[test]
fn a_header_click_sorts_the_table_by_that_column_and_a_second_click_reverses_it() {
    let (_dir, path) = names_database();
    let mut h = sign_in_to_users(&path, ADMIN, ADMIN_PW);
    settle(&mut h, "all 5 users", |h| has(h, "5 users match"));
    // Provider and Login Name order first.
    assert_eq!(
        last_names_shown(&h),
        ["Young", "adams", "Moss", "Baker", "Ortiz"]
    );

    h.get_by_role_and_label(egui::accesskit::Role::Button, "Last name")
        .click();
    settle(&mut h, "last names A to Z", |h| {
        last_names_shown(h) == ["adams", "Baker", "Moss", "Ortiz", "Young"]
    });
    // The header's name says the order to a screen reader (the eye sees ▲); the box it
    // replaced is off.
    assert!(
        h.query_by_label("Last name, sorted ascending").is_some(),
        "the header's name says the order"
    );
    assert_eq!(
        h.get_by_label("Admin Locked first")
            .accesskit_node()
            .toggled(),
        Some(egui::accesskit::Toggled::False)
    );

    h.get_by_role_and_label(egui::accesskit::Role::Button, "Last name, sorted ascending")
        .click();
    settle(&mut h, "last names Z to A", |h| {
        last_names_shown(h) == ["Young", "Ortiz", "Moss", "Baker", "adams"]
    });
    assert!(h.query_by_label("Last name, sorted descending").is_some());

    // Another column starts ascending.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "First name")
        .click();
    settle(&mut h, "first names A to Z", |h| {
        last_names_shown(h) == ["Ortiz", "adams", "Moss", "Baker", "Young"]
    });
    assert!(h.query_by_label("First name, sorted ascending").is_some());
}

#[test]
fn cancel_during_a_long_bulk_change_rolls_the_whole_batch_back_and_says_so() {
    use spr_console::core::demo;
    use spr_console::core::model::UserFilter;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.sqlite3");
    demo::create(&path, 5_000).unwrap();
    let enabled = |path: &std::path::Path| {
        Service::open(path)
            .unwrap()
            .count_users(&UserFilter {
                spr_enabled: Some(true),
                ..UserFilter::default()
            })
            .unwrap()
    };
    let audit_rows = |path: &std::path::Path| {
        Service::open(path)
            .unwrap()
            .audit_events(&spr_console::core::audit::AuditFilter::default())
            .unwrap()
            .len()
    };
    let before = enabled(&path);
    assert!(before > 1_000, "{before} users with SPR to change");

    let mut h = sign_in_to_users(&path, demo::OPERATOR, demo::OPERATOR_PASSWORD);
    // After the sign-in's own event.
    let events_before = audit_rows(&path);
    settle(&mut h, "the exact count", |h| {
        h.query_by_label("Disable SPR for all matching")
            .is_some_and(|b| !b.accesskit_node().is_disabled())
    });
    h.get_by_label("Disable SPR for all matching").click();
    settle(&mut h, "the question", |h| {
        h.query_all_by_label_contains("Disable for ")
            .next()
            .is_some()
    });
    // Another writer holds the database while Disable and Cancel are clicked: the worker
    // waits for it, so Cancel surely comes before the batch ends.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    h.query_all_by_label_contains("Disable for ")
        .next()
        .unwrap()
        .click();
    // The bar and its Cancel show while the worker runs the batch.
    settle(&mut h, "the progress bar's Cancel", |h| {
        h.query_by_label("Cancel the change").is_some()
    });
    h.get_by_label("Cancel the change").click();
    settle(&mut h, "the bar says it is cancelling", |h| {
        h.query_by_label("Cancel the change").is_none()
    });
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    settle(&mut h, "the cancelled change", |h| {
        has(h, "Cancelled: nothing changed.")
    });
    assert!(
        h.query_by_label("Cancel the change").is_none(),
        "the bar is gone"
    );
    assert_eq!(enabled(&path), before, "nothing changed");
    assert_eq!(audit_rows(&path), events_before, "no audit row either");
}
