//! More of the desktop console through egui_kittest: the File menu (backup copy, another
//! database), CSV export and import in the Users panel, Resend in the supervised reset, and
//! the Provider panel's "Add provider…" dialog and mail settings. The real app and its real
//! worker thread run on temporary database files.
//!
//! The console is built `with_typed_paths()` here (see `common::ui::console`): it never
//! opens a native file dialog and asks for every file as a typed path, whatever the machine
//! has (zenity, the desktop portal, macOS, Windows). The native dialog itself is driven in
//! `tests/file_dialog.rs`.

// Test code may unwrap: a failed unwrap there is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::ui::{
    ADMIN, ADMIN_PW, Console, NEW_PW, PATIENCE, click_link, click_tab, console, console_with,
    enter_in, fill, has, settle, sign_in, start_session, tokens_sent_to, wait_for, wait_until,
    world,
};
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::mail::MailSettings;
use spr_console::store::Store;
use spr_console::store::users::UserFilter;
use spr_console::ui::ConsoleApp;

/// The header of a users CSV (SPEC §4), export and import alike.
const CSV_HEADER: &str = "login,first,last,email,text_email,spr";

/// The sentence the typed-path window shows when the console is built with typed paths.
const TYPED_PATH_SENTENCE: &str = "Type the path of the file.";

/// Scrolls the button into view, as an operator would (kittest clicks with the pointer, at
/// the button's centre), and clicks it. (The shared `sign_in` clicks where the button stands:
/// the sign-in screen does not scroll.)
#[track_caller]
fn click_button(h: &mut Console, label: &str) {
    h.get_by_role_and_label(Role::Button, label).scroll_to_me();
    // The request takes a frame or two to arrive and the scroll is animated: step until the
    // button has stayed in one place for a few frames.
    let (mut last, mut still) = (None, 0);
    for _ in 0..120 {
        h.step();
        let now = h.get_by_role_and_label(Role::Button, label).rect();
        still = if last == Some(now) { still + 1 } else { 0 };
        if still == 5 {
            break;
        }
        last = Some(now);
    }
    h.get_by_role_and_label(Role::Button, label).click();
    h.step();
    h.step();
}

fn count_users(path: &Path) -> u64 {
    Service::open(path)
        .unwrap()
        .count_users(&UserFilter::default())
        .unwrap()
}

/// Opens the File menu and picks `item`.
#[track_caller]
fn file_menu(h: &mut Console, item: &str) {
    h.get_by_role_and_label(Role::Button, "File").click();
    h.step();
    h.step();
    click_button(h, item);
}

/// Answers the typed-path window that stands in for the native dialog: it says why there is
/// no dialog, takes the path and goes away on OK.
#[track_caller]
fn type_path(h: &mut Console, title: &str, path: &Path) {
    wait_for(h, title);
    wait_for(h, TYPED_PATH_SENTENCE);
    fill(h, "File path", path.to_str().unwrap());
    click_button(h, "OK");
    assert!(
        h.query_by_label("File path").is_none(),
        "the typed-path window stays open after OK"
    );
}

/// Signs in as the super admin and opens the Users panel.
fn users_panel(path: &Path) -> Console {
    let mut h = console(path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    // The first "Users" is the top bar's tab (the Provider panel also shows a count).
    h.get_all_by_label("Users").next().unwrap().click();
    h.step();
    wait_for(&mut h, "users match");
    h
}

/// Opens the import box and asks for a file: into ACME, the only provider.
fn import_file(h: &mut Console, csv: &Path) {
    click_button(h, "Import CSV…");
    wait_for(h, "Import into provider");
    // The providers arrive from the worker; then ACME is chosen and a file may be chosen.
    let start = Instant::now();
    while h
        .get_by_role_and_label(Role::Button, "Choose file…")
        .accesskit_node()
        .is_disabled()
    {
        assert!(start.elapsed() < PATIENCE, "Choose file… stayed disabled");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    click_button(h, "Choose file…");
    type_path(h, "Import users from CSV", csv);
}

#[test]
fn file_menu_backup_copy_without_a_native_dialog_takes_a_typed_path_and_the_copy_opens_with_the_same_data()
 {
    let (dir, path) = world();
    let backup = dir.path().join("copies").join("acme-backup.sqlite3");
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");

    file_menu(&mut h, "Save a backup copy…");
    type_path(&mut h, "Save a backup copy of the database", &backup);
    wait_for(&mut h, "Backup copy saved to");
    wait_for(&mut h, &backup.display().to_string());

    assert!(backup.is_file(), "no file at {}", backup.display());
    Store::open(&backup).expect("the backup copy opens as an spr-console database");
    let copy = Service::open(&backup).unwrap();
    assert_eq!(copy.provider("ACME").unwrap().name, "Acme Care");
    let jdoe = copy.user("ACME", "jdoe").unwrap();
    assert_eq!(jdoe.email.unwrap().as_str(), "jdoe@example.org");
    assert_eq!(copy.count_users(&UserFilter::default()).unwrap(), 2);
    assert!(copy.operators().unwrap().iter().any(|o| o.login == ADMIN));
    // The console still works on the database it has open.
    assert_eq!(h.state().operator().unwrap().login, ADMIN);
}

#[test]
fn file_menu_open_another_database_goes_to_its_sign_in_and_the_top_bar_names_the_new_file() {
    let (dir, path) = world();
    let other = dir.path().join("beta-office.sqlite3");
    {
        let mut svc = Service::open(&other).unwrap();
        let boss = svc.init_first_operator("beta-boss", NEW_PW).unwrap();
        svc.add_provider(&boss, "BETA", "Beta Homes").unwrap();
    }
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "Database: console.sqlite3");

    file_menu(&mut h, "Open another database…");
    type_path(&mut h, "Open another database", &other);
    wait_for(&mut h, "Sign in to spr-console");
    assert!(h.state().operator().is_none(), "still signed in");
    wait_for(&mut h, "Database: beta-office.sqlite3");
    assert!(
        !has(&h, "console.sqlite3"),
        "the old file's name is still shown"
    );

    // The operators of the other file sign in there, and see its providers.
    sign_in(&mut h, "beta-boss", NEW_PW);
    assert_eq!(h.state().operator().unwrap().login, "beta-boss");
    wait_for(&mut h, "BETA — Beta Homes");
    assert!(!has(&h, "ACME — Acme Care"));
}

#[test]
fn users_csv_export_through_a_typed_path_writes_the_documented_header_and_every_user() {
    let (dir, path) = world();
    let csv = dir.path().join("users-export.csv");
    let mut h = users_panel(&path);
    wait_for(&mut h, "2 users match");

    click_button(&mut h, "Export CSV…");
    type_path(&mut h, "Export users as CSV", &csv);
    wait_for(&mut h, "Exported 2 user(s) to");

    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert!(
        lines.next().unwrap().starts_with(CSV_HEADER),
        "header of:\n{text}"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows.iter()
            .any(|r| r.starts_with("jdoe,Jane,Doe,jdoe@example.org,")),
        "{text}"
    );
    assert!(
        rows.iter().any(|r| r.starts_with("mlopez,Maria,Lopez,")),
        "{text}"
    );
}

#[test]
fn users_csv_import_of_a_good_file_adds_the_users_and_the_table_shows_them() {
    let (dir, path) = world();
    let csv = dir.path().join("new-staff.csv");
    std::fs::write(
        &csv,
        format!(
            "{CSV_HEADER}\nkwong,Kim,Wong,kwong@example.org,,on\npnair,Priya,Nair,,5551234567@vtext.com,off\n"
        ),
    )
    .unwrap();
    let mut h = users_panel(&path);
    wait_for(&mut h, "2 users match");

    import_file(&mut h, &csv);
    wait_for(&mut h, "Imported 2 user(s) into ACME");
    wait_for(&mut h, "4 users match");
    wait_for(&mut h, "kwong");
    wait_for(&mut h, "pnair");

    let svc = Service::open(&path).unwrap();
    let kim = svc.user("ACME", "kwong").unwrap();
    assert!(kim.spr_enabled);
    assert_eq!(kim.email.unwrap().as_str(), "kwong@example.org");
    let priya = svc.user("ACME", "pnair").unwrap();
    assert!(!priya.spr_enabled);
    assert_eq!(priya.text_email.unwrap().as_str(), "5551234567@vtext.com");
}

#[test]
fn users_csv_import_of_a_file_with_a_bad_row_shows_its_line_number_and_adds_nobody() {
    let (dir, path) = world();
    let csv = dir.path().join("typo.csv");
    std::fs::write(
        &csv,
        format!(
            "{CSV_HEADER}\nkwong,Kim,Wong,kwong@example.org,,on\npnair,Priya,Nair,priya-at-example.org,,off\nolee,Oscar,Lee,,,no\n"
        ),
    )
    .unwrap();
    let mut h = users_panel(&path);
    wait_for(&mut h, "2 users match");

    import_file(&mut h, &csv);
    wait_for(
        &mut h,
        "The import was refused and nothing was changed: 1 bad row(s).",
    );
    wait_for(&mut h, "Fix these rows and import the file again:");
    wait_for(&mut h, "line 3: email \"priya-at-example.org\"");

    assert_eq!(
        count_users(&path),
        2,
        "an import with a bad row added users"
    );
    let svc = Service::open(&path).unwrap();
    assert!(svc.user("ACME", "kwong").is_err());
    assert!(svc.user("ACME", "olee").is_err());
    // The table still shows only the two users there were.
    for _ in 0..5 {
        h.step();
    }
    assert!(has(&h, "2 users match"));
    assert!(h.query_by_label("kwong").is_none());
}

#[test]
fn resend_mails_a_second_token_to_the_same_address_and_only_the_newest_token_works() {
    let (_dir, path) = world();
    let to = "jdoe@example.org";
    // The console's clock stands still unless the test moves it: the countdown shows exact
    // figures, and moving the clock shows the validity running down.
    let clock = SettableClock::new(chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0));
    let mut h = console_with(
        ConsoleApp::new(&path)
            .with_typed_paths()
            .with_clock(Arc::new(clock.clone())),
    );
    sign_in(&mut h, ADMIN, ADMIN_PW);
    // The user types on the user's screen of a supervised session (§3.15).
    start_session(&mut h, "jdoe", "ACME", "");
    wait_for(&mut h, "Forgot Password?");
    click_link(&mut h, "Forgot Password?");
    wait_for(&mut h, "Email/Text");
    fill(&mut h, "Email/Text", to);
    enter_in(&mut h, "Email/Text");
    wait_for(
        &mut h,
        "A message containing a password token was sent to jdoe@example.org",
    );
    wait_for(&mut h, "is valid for 5:00 more");
    // The person can type the token at once: the cursor waits in the Password Token field.
    assert!(h.get_by_label("Password Token").is_focused());
    // Three minutes pass on the phone: two are left.
    clock.advance(chrono::Duration::minutes(3));
    wait_for(&mut h, "is valid for 2:00 more");
    let first = tokens_sent_to(&path, to);
    assert_eq!(first.len(), 1, "{first:?}");

    click_link(&mut h, "Resend");
    wait_until(&mut h, "a second token message to the same address", || {
        tokens_sent_to(&path, to).len() == 2
    });
    let tokens = tokens_sent_to(&path, to);
    assert_ne!(tokens[0], tokens[1], "Resend sent the same token again");
    let outbox = Service::open(&path).unwrap().outbox(None).unwrap();
    assert!(
        outbox.iter().all(|m| m.to == to),
        "a message went elsewhere: {outbox:?}"
    );
    // The validity starts again: the full five minutes from now, not the two left.
    wait_for(&mut h, "is valid for 5:00 more");
    assert!(!has(&h, "is valid for 2:00 more"));

    // The first token no longer works: an incorrect entry, with the tries left shown.
    fill(&mut h, "Password Token", &tokens[0]);
    fill(&mut h, "New Password", NEW_PW);
    fill(&mut h, "Confirm New Password", NEW_PW);
    click_button(&mut h, "Submit");
    wait_for(&mut h, "2 more incorrect entries are tolerated");
    wait_for(&mut h, "token_incorrect");
    wait_for(
        &mut h,
        "Incorrect entries tolerated before the account is Admin Locked: 2",
    );

    // The second one does.
    fill(&mut h, "Password Token", &tokens[1]);
    fill(&mut h, "New Password", NEW_PW);
    fill(&mut h, "Confirm New Password", NEW_PW);
    click_button(&mut h, "Submit");
    wait_for(&mut h, "Your password was reset successfully");
    let mut svc = Service::open(&path).unwrap();
    assert_eq!(svc.user("ACME", "jdoe").unwrap().failed_attempts, 0);
    svc.login("ACME", "jdoe", NEW_PW)
        .expect("the new password logs in");
}

#[test]
fn add_provider_dialog_creates_a_provider_and_escape_closes_it_without_adding() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");

    // Escape closes the dialog and adds nothing.
    click_button(&mut h, "Add provider…");
    wait_for(&mut h, "A provider is an agency.");
    h.get_by_role_and_label(Role::TextInput, "Provider Code")
        .type_text("GAMMA");
    h.step();
    h.get_by_role_and_label(Role::TextInput, "Name")
        .type_text("Gamma Care");
    h.step();
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(
        !has(&h, "A provider is an agency."),
        "Escape left the Add provider dialog open"
    );
    settle(&mut h);
    assert!(Service::open(&path).unwrap().provider("GAMMA").is_err());
    assert!(!has(&h, "GAMMA"));

    // The dialog adds a provider; the list shows it, selected.
    click_button(&mut h, "Add provider…");
    wait_for(&mut h, "A provider is an agency.");
    assert_eq!(
        h.get_by_role_and_label(Role::TextInput, "Provider Code")
            .value()
            .as_deref(),
        Some(""),
        "the dialog kept what was typed before Escape"
    );
    fill(&mut h, "Provider Code", "BETA");
    fill(&mut h, "Name", "Beta Homes");
    click_button(&mut h, "Add");
    wait_for(&mut h, "Saved provider BETA.");
    assert!(
        !has(&h, "A provider is an agency."),
        "the dialog stayed open"
    );
    wait_for(&mut h, "BETA — Beta Homes");
    let beta = Service::open(&path).unwrap().provider("BETA").unwrap();
    assert_eq!(beta.name, "Beta Homes");
    assert!(!beta.spr_enabled, "a new provider starts with SPR off");
}

/// The mail form is read again whenever the Provider panel is (opening it, signing in, a
/// saved provider): a read that lands while the operator is editing must not put the stored
/// settings back over what they typed.
#[test]
fn the_mail_form_keeps_what_the_operator_typed_when_the_panel_reads_again() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "SMTP relay");
    settle(&mut h);
    h.get_by_role_and_label(Role::RadioButton, "SMTP relay")
        .click();
    wait_for(&mut h, "From address");
    fill(&mut h, "Host", "relay.example.org");

    // Away to another panel and back: the Provider panel reads everything again.
    click_tab(&mut h, "Users");
    settle(&mut h);
    click_tab(&mut h, "Provider");
    settle(&mut h);
    assert!(has(&h, "From address"), "the form went back to the outbox");
    let host = h
        .get_by_role_and_label(Role::TextInput, "Host")
        .value()
        .unwrap_or_default();
    assert_eq!(host, "relay.example.org");

    // Once saved, the form shows what is stored again.
    fill(&mut h, "From address", "spr@example.org");
    click_button(&mut h, "Save mail settings");
    wait_for(&mut h, "Mail settings saved.");
    settle(&mut h);
    assert!(matches!(
        Service::open(&path).unwrap().mail_settings().unwrap(),
        MailSettings::Smtp(_)
    ));
}

#[test]
fn saving_smtp_settings_with_an_empty_host_says_why_and_changes_nothing() {
    let (_dir, path) = world();
    let audit_len = |path: &Path| {
        Service::open(path)
            .unwrap()
            .audit_events(&Default::default())
            .unwrap()
            .len()
    };
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "Mail settings (for the whole console)");
    wait_for(&mut h, "SMTP relay");
    // The provider's view can land after the mail form and push it down: a click aimed at
    // the radio button's last place would then miss it. Click once the panel is still.
    settle(&mut h);
    let before = audit_len(&path);

    h.get_by_role_and_label(Role::RadioButton, "SMTP relay")
        .click();
    h.run_steps(2);
    wait_for(&mut h, "From address");
    fill(&mut h, "Host", "");
    fill(&mut h, "From address", "spr@example.org");
    click_button(&mut h, "Save mail settings");
    wait_for(&mut h, "The mail server's host name is empty.");

    // Anything the click sent has landed once the worker is idle: then nothing changed.
    settle(&mut h);
    let svc = Service::open(&path).unwrap();
    assert!(
        matches!(svc.mail_settings().unwrap(), MailSettings::Outbox),
        "the mail settings changed"
    );
    assert_eq!(audit_len(&path), before, "something was audited");
    assert!(!has(&h, "Mail settings saved."));
}

#[test]
fn file_menu_open_another_database_refuses_a_typed_path_where_there_is_no_file() {
    let (dir, path) = world();
    let typo = dir.path().join("consle.sqlite3");
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);

    file_menu(&mut h, "Open another database…");
    wait_for(&mut h, TYPED_PATH_SENTENCE);
    fill(&mut h, "File path", typo.to_str().unwrap());
    click_button(&mut h, "OK");
    // A native "open" dialog picks only files that are there; a typed path must not
    // silently make a new, empty database where a name was mistyped.
    wait_for(&mut h, "There is no file at");
    assert!(
        !typo.exists(),
        "a database was created at the mistyped path"
    );
    assert_eq!(h.state().operator().unwrap().login, ADMIN, "signed out");
    assert!(has(&h, "Database: console.sqlite3"));
    click_button(&mut h, "Cancel");
    assert!(h.query_by_label("File path").is_none());
}

#[test]
fn file_menu_backup_onto_an_existing_file_asks_before_replacing_it() {
    let (dir, path) = world();
    let precious = dir.path().join("precious.sqlite3");
    std::fs::write(&precious, "someone else's file\n").unwrap();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);

    file_menu(&mut h, "Save a backup copy…");
    wait_for(&mut h, TYPED_PATH_SENTENCE);
    fill(&mut h, "File path", precious.to_str().unwrap());
    click_button(&mut h, "OK");
    // A native save dialog asks before it replaces a file; so does the typed path.
    wait_for(&mut h, "already exists");
    settle(&mut h);
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "someone else's file\n",
        "the file was replaced without asking"
    );
    // OK again on the same path replaces it.
    click_button(&mut h, "OK");
    wait_for(&mut h, "Backup copy saved to");
    Service::open(&precious)
        .unwrap()
        .provider("ACME")
        .expect("the replaced file is the backup copy");
}
