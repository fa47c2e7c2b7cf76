//! Driving the desktop console headless with egui_kittest: the harness, stepping until
//! something shows, filling, clicking and signing in, and a database ready for a reset.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::model::Role as OperatorRole;
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::ui::ConsoleApp;
use tempfile::TempDir;

pub const ADMIN: &str = "trainer";
pub const ADMIN_PW: &str = "Lighthouse-Keeper-Sunrise-7";
pub const HELPDESK: &str = "desk";
pub const HELPDESK_PW: &str = "Meadow-Kettle-Window-4";
pub const USER_PW: &str = "Harbor-Lantern-42-Violet";
pub const NEW_PW: &str = "Quiet-Orchard-Ribbon-88";

/// How long a step may take before the test fails (argon2 is real).
pub const PATIENCE: Duration = Duration::from_secs(20);

pub type Console = Harness<'static, ConsoleApp>;

/// The console in a window of `size` points.
pub fn console_sized(app: ConsoleApp, size: [f32; 2]) -> Console {
    Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut ConsoleApp| app.ui_root(ui), app)
}

/// The console in a 1280×800 window.
pub fn console_with(app: ConsoleApp) -> Console {
    console_sized(app, [1280.0, 800.0])
}

/// The console on the database at `path`, in a 1280×800 window. Files are asked for as
/// typed paths, so the tests behave the same with or without zenity or the desktop portal.
pub fn console(path: &Path) -> Console {
    console_with(ConsoleApp::new(path).with_typed_paths())
}

/// A database with a super admin, a helpdesk operator, provider ACME (SPR on, 3 incorrect
/// entries tolerated) and two users: jdoe (configured, ready for a reset) and mlopez.
pub fn world() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("console.sqlite3");
    let mut svc = Service::open(&path).expect("open");
    let admin = svc.init_first_operator(ADMIN, ADMIN_PW).expect("init");
    // A new database has no delivery (§3.11): the console stories use the outbox.
    svc.set_mail_settings(&admin, &spr_console::mail::MailSettings::Outbox)
        .expect("outbox");
    svc.add_operator(&admin, HELPDESK, OperatorRole::Helpdesk, HELPDESK_PW)
        .expect("helpdesk operator");
    svc.add_provider(&admin, "ACME", "Acme Care")
        .expect("provider");
    svc.update_provider(
        &admin,
        "ACME",
        &ProviderChanges {
            spr_enabled: Some(true),
            max_incorrect: Some(3),
            ..ProviderChanges::default()
        },
    )
    .expect("policy");
    for (login, first, last, email) in [
        ("jdoe", "Jane", "Doe", Some("jdoe@example.org")),
        ("mlopez", "Maria", "Lopez", None),
    ] {
        svc.add_user(
            &admin,
            "ACME",
            &UserInput {
                login: login.into(),
                first: first.into(),
                last: last.into(),
                email: email.map(Into::into),
                spr_enabled: true,
                password: Some(USER_PW.into()),
                ..UserInput::default()
            },
        )
        .expect("user");
    }
    (dir, path)
}

/// Whether a label containing `text` shows.
pub fn has(h: &Harness<'_, ConsoleApp>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Steps the console until a label containing `text` shows, or fails after [`PATIENCE`].
#[track_caller]
pub fn wait_for(h: &mut Console, text: &str) {
    wait_for_within(h, text, PATIENCE);
}

/// Steps the console until a label containing `text` shows, or fails after `limit` of real
/// time (a promise of the SPEC, such as another seat's change within 2 s).
#[track_caller]
pub fn wait_for_within(h: &mut Console, text: &str, limit: Duration) {
    let start = Instant::now();
    loop {
        h.step();
        if has(h, text) {
            h.step();
            h.check_accessibility();
            return;
        }
        assert!(
            start.elapsed() < limit,
            "\"{text}\" did not appear within {limit:?}; status line: {:?}",
            h.state().status_text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The console's worker gets a `Service` with the fast hasher and `clock` (give the same
/// clock to `with_clock`, so the countdowns read it too).
pub fn fast_services(clock: SettableClock) -> spr_console::ui::worker::ServiceFactory {
    Arc::new(move |location: &spr_console::store::Location| {
        Service::create_with(
            location,
            Arc::new(clock.clone()),
            spr_console::core::hashing::Hasher::fast_for_tests(),
        )
    })
}

/// Steps until the worker has answered every job sent (reads too), then draws what came
/// back. A test that checks that something did NOT happen calls this first: anything the
/// UI sent has then landed, so "nothing changed" means nothing will.
#[track_caller]
pub fn settle(h: &mut Console) {
    let start = Instant::now();
    loop {
        h.step();
        if h.state().jobs_in_flight() == 0 {
            // Answers can ask for follow-up reads: done only when a frame sends nothing.
            h.step();
            if h.state().jobs_in_flight() == 0 {
                return;
            }
        }
        assert!(
            start.elapsed() < PATIENCE,
            "the worker stayed busy for {PATIENCE:?} ({} job(s) in flight); status line: {:?}",
            h.state().jobs_in_flight(),
            h.state().status_text()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Steps until `done` holds (for facts read from the database or files).
#[track_caller]
pub fn wait_until(h: &mut Console, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < PATIENCE,
            "{what} did not happen within {PATIENCE:?}; status line: {:?}",
            h.state().status_text()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

/// Replaces the text of the field labelled `label`.
#[track_caller]
pub fn fill(h: &mut Console, label: &str, text: &str) {
    h.get_by_label(label).set_text_value_accesskit(text);
    h.step();
    h.step();
}

/// Clicks the button labelled `label` where it stands.
#[track_caller]
pub fn click_button(h: &mut Console, label: &str) {
    h.get_by_role_and_label(Role::Button, label).click();
    h.step();
    h.step();
}

#[track_caller]
pub fn click_link(h: &mut Console, label: &str) {
    h.get_by_role_and_label(Role::Link, label).click();
    h.step();
    h.step();
}

/// Presses Enter in the field labelled `label` (forms submit on Enter).
#[track_caller]
pub fn enter_in(h: &mut Console, label: &str) {
    h.get_by_label(label).focus();
    h.step();
    h.key_press(egui::Key::Enter);
    h.step();
    h.step();
}

/// Signs in on the sign-in screen and waits for the console, on the panel it opens with
/// (the Overview for a super admin, the Provider panel for helpdesk).
pub fn sign_in_as(h: &mut Console, login: &str, password: &str) {
    wait_for(h, "Sign in to spr-console");
    fill(h, "Operator", login);
    fill(h, "Password", password);
    click_button(h, "Sign in");
    wait_for(h, &format!("Signed in as {login}"));
}

/// Signs in and goes to the Provider panel, where most stories start.
pub fn sign_in(h: &mut Console, login: &str, password: &str) {
    sign_in_as(h, login, password);
    open_panel(h, "Provider");
}

/// Clicks a panel's tab in the top bar (the first label of that name).
pub fn open_panel(h: &mut Console, panel: &str) {
    h.get_all_by_label(panel)
        .next()
        .unwrap_or_else(|| panic!("no {panel} tab"))
        .click();
    h.step();
    h.step();
}

/// The password token in a message body, as the user would copy it.
fn token_in_body(body: &str) -> Option<&str> {
    body.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'))
        .find(|w| {
            w.len() == 9
                && w.as_bytes()[4] == b'-'
                && w.chars()
                    .all(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

/// The token of the newest message to `to` in the outbox (the user's mailbox).
pub fn token_in_outbox(path: &Path, to: &str) -> String {
    let svc = Service::open(path).expect("open");
    let msgs = svc.outbox(None).expect("outbox");
    let m = msgs
        .iter()
        .rev()
        .find(|m| m.to == to)
        .expect("a message to the user");
    token_in_body(&m.body)
        .expect("a token in the message")
        .to_owned()
}

/// Every outbox message to `to` that carries a password token, oldest first, as tokens.
pub fn tokens_sent_to(path: &Path, to: &str) -> Vec<String> {
    let svc = Service::open(path).expect("open");
    svc.outbox(None)
        .expect("outbox")
        .iter()
        .filter(|m| m.to == to)
        .filter_map(|m| token_in_body(&m.body).map(str::to_owned))
        .collect()
}

/// Clicks the top bar's tab of a panel (the switcher reads as tabs to screen readers).
#[track_caller]
pub fn click_tab(h: &mut Console, panel: &str) {
    h.get_by_role_and_label(Role::Tab, panel).click();
    h.step();
    h.step();
}

/// Starts a supervised session from the Reset panel (identity verified by a callback).
pub fn start_session(h: &mut Console, login: &str, code: &str, ticket: &str) {
    click_tab(h, "Reset");
    wait_for(h, "Start a supervised reset");
    fill(h, "Login Name", login);
    fill(h, "Provider Code", code);
    h.get_by_label("Called back on a number on file").click();
    h.step();
    if !ticket.is_empty() {
        fill(h, "Ticket (optional)", ticket);
    }
    click_button(h, "Start session");
    wait_for(h, "Supervised session S-");
    wait_for(h, "the user's screen");
}
