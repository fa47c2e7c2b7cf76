//! Keyboard and screen-reader use of the console (issue 12), driven headless with
//! egui_kittest on a real database: where the cursor goes after a refusal, and what the
//! AccessKit tree tells a screen reader.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;

/// Types `text` wherever the keyboard is, as a person would (no field is named).
fn type_text(h: &mut Console, text: &str) {
    h.event(egui::Event::Text(text.to_owned()));
    h.step();
    h.step();
}

/// The value of the text field labelled `label`.
fn value_of(h: &Console, label: &str) -> String {
    h.get_by_role_and_label(Role::TextInput, label)
        .value()
        .unwrap_or_default()
}

fn focused(h: &Console, role: Role, label: &str) -> bool {
    h.get_by_role_and_label(role, label).is_focused()
}

#[test]
fn after_a_wrong_token_the_cursor_is_in_the_token_field_and_typing_goes_there() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    wait_for(&mut h, "Forgot Password?");
    click_link(&mut h, "Forgot Password?");
    wait_for(&mut h, "Email/Text");
    fill(&mut h, "Email/Text", "jdoe@example.org");
    enter_in(&mut h, "Email/Text");
    wait_for(&mut h, "is valid for 4:");
    let token = token_in_outbox(&path, "jdoe@example.org");

    fill(&mut h, "Password Token", "2222-3333");
    fill(&mut h, "New Password", NEW_PW);
    fill(&mut h, "Confirm New Password", NEW_PW);
    click_button(&mut h, "Submit");
    wait_for(&mut h, "2 more incorrect entries are tolerated");
    settle(&mut h);
    // The wrong token is gone and the cursor waits in its field; the new password stays.
    assert!(focused(&h, Role::TextInput, "Password Token"));
    assert_eq!(value_of(&h, "Password Token"), "");
    // What the user types next lands in the token field, and Enter submits again.
    type_text(&mut h, &token);
    assert_eq!(value_of(&h, "Password Token"), token);
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "Your password was reset successfully");
}

#[test]
fn after_a_refused_login_the_cursor_is_back_in_the_password_field() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, HELPDESK, HELPDESK_PW);
    start_session(&mut h, "jdoe", "ACME", "");
    wait_for(&mut h, "Forgot Password?");
    fill(&mut h, "Password", "Not-The-Password-1");
    click_button(&mut h, "Login");
    settle(&mut h);
    assert!(focused(&h, Role::PasswordInput, "Password"));
    type_text(&mut h, USER_PW);
    h.key_press(egui::Key::Enter);
    // The right password, typed straight after the refusal, signs the user in.
    wait_for(&mut h, "you are logged in");
}
