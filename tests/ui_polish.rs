//! Rough edges of daily use (issue 12), driven headless with egui_kittest on a real database.

#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui_kittest::kittest::Queryable;
use spr_console::ui::app::Panel;

const OUT_OF_RANGE: &str = "Some policy values are out of range";

/// Steps until the policy form holds the provider's values (world: 3 incorrect entries), so
/// that a value typed next is not replaced by the form's loading.
#[track_caller]
fn policy_loaded(h: &mut Console) {
    let start = std::time::Instant::now();
    while h
        .query_by_label("Maximum number of incorrect passwords tolerated")
        .and_then(|n| n.value())
        .as_deref()
        != Some("3")
    {
        assert!(start.elapsed() < PATIENCE, "the policy form did not load");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.step();
}

fn status_has(h: &Console, text: &str) -> bool {
    h.state().status_text().is_some_and(|s| s.contains(text))
}

#[test]
fn an_out_of_range_error_clears_when_undo_puts_the_values_back() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    policy_loaded(&mut h);
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "500",
    );
    click_button(&mut h, "Save policy");
    assert!(
        status_has(&h, OUT_OF_RANGE),
        "{:?}",
        h.state().status_text()
    );
    click_button(&mut h, "Undo changes");
    assert!(
        !status_has(&h, OUT_OF_RANGE),
        "the error outlived its cause: {:?}",
        h.state().status_text()
    );
}

#[test]
fn a_value_typed_back_into_range_clears_the_error_too() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    policy_loaded(&mut h);
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "0",
    );
    click_button(&mut h, "Save policy");
    assert!(status_has(&h, OUT_OF_RANGE));
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "4",
    );
    assert!(
        !status_has(&h, OUT_OF_RANGE),
        "{:?}",
        h.state().status_text()
    );
}

#[test]
fn an_error_does_not_follow_the_operator_to_another_panel() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    policy_loaded(&mut h);
    fill(
        &mut h,
        "Maximum number of incorrect passwords tolerated",
        "500",
    );
    click_button(&mut h, "Save policy");
    assert!(status_has(&h, OUT_OF_RANGE));
    open_panel(&mut h, "Audit");
    assert!(
        !status_has(&h, OUT_OF_RANGE),
        "{:?}",
        h.state().status_text()
    );
}

/// Steps until no label containing `text` shows, or fails after [`PATIENCE`].
#[track_caller]
fn gone(h: &mut Console, text: &str) {
    let start = std::time::Instant::now();
    while has(h, text) {
        assert!(start.elapsed() < PATIENCE, "\"{text}\" still shows");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn search_text(h: &Console) -> Option<String> {
    h.get_by_label("Search").value()
}

#[test]
fn the_lock_keeps_the_operators_place_for_the_same_operator() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "jdoe");
    h.get_by_label("Search").focus();
    h.step();
    h.get_by_label("Search").type_text("lopez");
    h.step();
    wait_for(&mut h, "mlopez");
    gone(&mut h, "jdoe@example.org");
    click_button(&mut h, "Lock");
    wait_for(&mut h, "The console is locked");
    assert_eq!(h.state().panel(), None);
    fill(&mut h, "Password", ADMIN_PW);
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as trainer");
    assert_eq!(h.state().panel(), Some(Panel::Users));
    assert_eq!(search_text(&h).as_deref(), Some("lopez"));
    wait_for(&mut h, "mlopez");
    gone(&mut h, "jdoe@example.org");
}

#[test]
fn another_operator_after_the_lock_starts_afresh() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "jdoe");
    h.get_by_label("Search").focus();
    h.step();
    h.get_by_label("Search").type_text("lopez");
    h.step();
    click_button(&mut h, "Lock");
    wait_for(&mut h, "The console is locked");
    fill(&mut h, "Operator", HELPDESK);
    fill(&mut h, "Password", HELPDESK_PW);
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as desk");
    // Helpdesk's first panel, not the super admin's Users search.
    assert_eq!(h.state().panel(), Some(Panel::Provider));
    open_panel(&mut h, "Users");
    assert_eq!(search_text(&h).as_deref(), Some(""));
}

#[test]
fn back_from_the_lock_the_reset_panel_says_its_session_ended() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    click_button(&mut h, "Lock");
    wait_for(&mut h, "The console is locked");
    fill(&mut h, "Password", ADMIN_PW);
    click_button(&mut h, "Sign in");
    wait_for(&mut h, "Signed in as trainer");
    assert_eq!(h.state().panel(), Some(Panel::Reset));
    wait_for(&mut h, "ended: the console locked");
    // The form is back, ready for the next caller.
    wait_for(&mut h, "Start a supervised reset");
}

#[test]
fn enter_pressed_during_the_sign_in_wait_signs_in_when_the_wait_is_over() {
    let (_dir, path) = world();
    let mut h = console(&path);
    wait_for(&mut h, "Sign in to spr-console");
    fill(&mut h, "Operator", ADMIN);
    // Three wrong passwords earn a one-second wait (SPEC §3.9's growing delay).
    for _ in 0..3 {
        fill(&mut h, "Password", "not-the-password");
        enter_in(&mut h, "Password");
        // The note is cleared on each try and comes back with its answer.
        wait_for(&mut h, "The operator login or password is wrong");
    }
    wait_for(&mut h, "Too many wrong passwords: wait 1 second");
    // A fourth, once that wait is over, earns two seconds: time enough for the keys below.
    gone(&mut h, "Too many wrong passwords");
    fill(&mut h, "Password", "not-the-password");
    enter_in(&mut h, "Password");
    wait_for(&mut h, "Too many wrong passwords: wait 2 seconds");
    fill(&mut h, "Password", ADMIN_PW);
    enter_in(&mut h, "Password");
    assert!(has(&h, "You will be signed in when the wait is over"));
    wait_for(&mut h, "Signed in as trainer");
}

fn remembering(path: &std::path::Path, memory: &std::path::Path) -> Console {
    use spr_console::ui::window_state::{Remember, WindowState};
    let loaded = WindowState::load(memory);
    console_with(
        spr_console::ui::ConsoleApp::new(path)
            .with_memory(Remember::new(memory.to_path_buf(), loaded)),
    )
}

#[test]
fn the_window_remembers_its_theme_and_last_panel_for_the_next_start() {
    use spr_console::ui::window_state::WindowState;
    let (dir, path) = world();
    let memory = dir.path().join("config/window.json");
    let mut h = remembering(&path, &memory);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    assert_eq!(h.state().panel(), Some(Panel::Overview));
    open_panel(&mut h, "Audit");
    h.get_by_label("Light").click();
    h.step();
    wait_until(&mut h, "the window's memory to be written", || {
        let s = WindowState::load(&memory);
        s.panel() == Some(Panel::Audit) && s.theme() == Some(egui::ThemePreference::Light)
    });
    drop(h);

    // The next start opens on the Audit view, in the light theme once set by `run`.
    let mut h = remembering(&path, &memory);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    assert_eq!(h.state().panel(), Some(Panel::Audit));
}

#[test]
fn arrow_keys_page_keys_home_end_and_enter_move_the_users_selection() {
    use spr_console::core::Service;
    use spr_console::core::service::UserInput;
    let (_dir, path) = world();
    {
        let mut svc = Service::open(&path).unwrap();
        let admin = svc.operator_login(ADMIN, ADMIN_PW).unwrap();
        for n in 0..40 {
            svc.add_user(
                &admin,
                "ACME",
                &UserInput {
                    login: format!("zz{n:02}"),
                    first: "Row".into(),
                    last: format!("{n:02}"),
                    spr_enabled: true,
                    ..UserInput::default()
                },
            )
            .unwrap();
        }
    }
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "zz00");
    let key = |h: &mut Console, k: egui::Key| {
        h.key_press(k);
        h.step();
        h.step();
    };
    // Rows in order: jdoe, mlopez, zz00 … zz39.
    key(&mut h, egui::Key::ArrowDown);
    wait_for(&mut h, "Jane Doe · Provider ACME");
    key(&mut h, egui::Key::ArrowDown);
    wait_for(&mut h, "Maria Lopez · Provider ACME");
    gone(&mut h, "Jane Doe · Provider ACME");
    key(&mut h, egui::Key::ArrowUp);
    wait_for(&mut h, "Jane Doe · Provider ACME");
    // The last row is off screen: End brings it in and selects it.
    key(&mut h, egui::Key::End);
    wait_for(&mut h, "Row 39 · Provider ACME");
    key(&mut h, egui::Key::PageUp);
    gone(&mut h, "Row 39 · Provider ACME");
    // A row above opens (first and last names are columns of their own now).
    let above = |h: &Console| (0..39).any(|n| has(h, &format!("Row {n:02} · Provider ACME")));
    for _ in 0..500 {
        if above(&h) {
            break;
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(above(&h), "Page Up opened no row above the last");
    key(&mut h, egui::Key::Home);
    wait_for(&mut h, "Jane Doe · Provider ACME");
    key(&mut h, egui::Key::PageDown);
    gone(&mut h, "Jane Doe · Provider ACME");
    wait_for(&mut h, "Row ");
    // Closed, the details come back with Enter, on the row the keys reached.
    let reached = (0..40)
        .map(|n| format!("Row {n:02} · Provider ACME"))
        .find(|t| has(&h, t))
        .unwrap();
    click_button(&mut h, "Close");
    gone(&mut h, &reached);
    key(&mut h, egui::Key::Enter);
    wait_for(&mut h, &reached);
    // A click puts the cursor on its row: the keys go on from there.
    key(&mut h, egui::Key::Home);
    wait_for(&mut h, "Jane Doe · Provider ACME");
    h.get_by_label("zz01").click();
    h.step();
    wait_for(&mut h, "Row 01 · Provider ACME");
    key(&mut h, egui::Key::ArrowDown);
    wait_for(&mut h, "Row 02 · Provider ACME");
}

#[test]
fn the_reset_panel_takes_the_user_selected_in_users() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "mlopez");
    h.get_by_label("mlopez").click();
    h.step();
    wait_for(&mut h, "Maria Lopez · Provider ACME");
    click_tab(&mut h, "Reset");
    wait_for(&mut h, "Start a supervised reset");
    assert_eq!(
        h.get_by_label("Login Name").value().as_deref(),
        Some("mlopez")
    );
    assert_eq!(
        h.get_by_label("Provider Code").value().as_deref(),
        Some("ACME")
    );
    // What the operator types instead is kept when they come back with the same selection.
    fill(&mut h, "Login Name", "jdoe");
    open_panel(&mut h, "Users");
    click_tab(&mut h, "Reset");
    wait_for(&mut h, "Start a supervised reset");
    assert_eq!(
        h.get_by_label("Login Name").value().as_deref(),
        Some("jdoe")
    );
}

#[test]
fn screen_readers_find_tabs_headings_and_a_live_status_line() {
    use egui::accesskit::{Live, Role};
    use egui_kittest::kittest::{NodeT, Queryable};
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "can reset their password on their own");
    // The panel switcher is a set of tabs, the shown panel the selected one.
    let selected = |h: &Console, tab: &str| {
        h.get_by_role_and_label(Role::Tab, tab)
            .accesskit_node()
            .is_selected()
    };
    assert_eq!(selected(&h, "Overview"), Some(true));
    assert_eq!(selected(&h, "Users"), Some(false));
    h.get_by_role_and_label(Role::Tab, "Users").click();
    h.step();
    h.step();
    assert_eq!(selected(&h, "Users"), Some(true));
    assert_eq!(selected(&h, "Overview"), Some(false));
    // Panel titles are headings.
    open_panel(&mut h, "Overview");
    wait_for(&mut h, "can reset their password on their own");
    assert!(
        h.query_by_role_and_label(Role::Heading, "Overview")
            .is_some()
    );
    // The status line announces itself.
    let status = h.get_by_label_contains("Signed in as trainer");
    assert_eq!(status.accesskit_node().live(), Live::Polite);
}
