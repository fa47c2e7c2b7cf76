//! Rough edges of daily use (issue 12), driven headless with egui_kittest on a real database.

#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;

const OUT_OF_RANGE: &str = "Some policy values are out of range";

fn status_has(h: &Console, text: &str) -> bool {
    h.state().status_text().is_some_and(|s| s.contains(text))
}

#[test]
fn an_out_of_range_error_clears_when_undo_puts_the_values_back() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
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
