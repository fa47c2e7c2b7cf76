//! Live across seats (SPEC §3.16): a console left open on a database shows a change made by
//! another seat (another process, here a second `Service` on the same file) within 2 seconds,
//! with no click. The console's worker gets the fast hasher and a settable clock through its
//! service factory; the 2 seconds are real time.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::ui::*;
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::model::Status;
use spr_console::ui::ConsoleApp;

/// What SPEC §3.16 promises for a change made at another seat.
const ANOTHER_SEAT: Duration = Duration::from_secs(2);

/// The console on `path`, its worker's `Service` built with the fast hasher.
fn open_console(path: &std::path::Path) -> Console {
    let clock = SettableClock::new(chrono::Utc::now());
    console_with(
        ConsoleApp::new(path)
            .with_typed_paths()
            .with_clock(Arc::new(clock.clone()))
            .with_service_factory(fast_services(clock)),
    )
}

#[test]
fn another_seats_unlock_shows_in_the_open_users_table_within_two_seconds() {
    let (_dir, path) = world();
    // jdoe locks herself out at the login page: 3 wrong passwords are tolerated, not 4.
    let mut seat = Service::open(&path).unwrap();
    for _ in 0..4 {
        assert!(seat.login("ACME", "jdoe", "not-her-password").is_err());
    }
    let jdoe = seat.user("ACME", "jdoe").unwrap();
    assert_eq!(jdoe.status, Status::AdminLocked);

    let mut h = open_console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    click_tab(&mut h, "Users");
    fill(&mut h, "Search", "jdoe");
    wait_for(&mut h, "wrong passwords");
    settle(&mut h);
    assert!(!has(&h, "Active"), "only jdoe's row shows, Admin Locked");

    // At the next desk, a colleague unlocks her; nobody touches this console.
    let colleague = seat.operator_login(HELPDESK, HELPDESK_PW).unwrap();
    seat.unlock(&colleague, jdoe.id, "called back on the number on file")
        .unwrap();
    wait_for_within(&mut h, "Active", ANOTHER_SEAT);
    assert!(!has(&h, "wrong passwords"));
}

#[test]
fn another_seats_new_provider_shows_in_the_open_audit_view_within_two_seconds() {
    let (_dir, path) = world();
    let mut h = open_console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    click_tab(&mut h, "Audit");
    wait_for(&mut h, "ACME");
    settle(&mut h);
    assert!(!has(&h, "BETA"));

    let mut seat = Service::open(&path).unwrap();
    let admin = seat.operator_login(ADMIN, ADMIN_PW).unwrap();
    seat.add_provider(&admin, "BETA", "Beta Health").unwrap();
    wait_for_within(&mut h, "BETA", ANOTHER_SEAT);
}
