//! The Audit view driven headless with egui_kittest on a real database: the Action list with
//! its families, and From taking a time as the table shows it.

#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{By, Queryable};
use spr_console::core::Service;
use spr_console::core::audit::AuditFilter;
use spr_console::core::clock::SettableClock;
use spr_console::core::hashing::Hasher;
use spr_console::store::Store;
use std::sync::Arc;

/// Steps until `cond` holds, or fails after [`PATIENCE`].
#[track_caller]
fn settle(h: &mut Console, what: &str, cond: impl Fn(&Console) -> bool) {
    let start = std::time::Instant::now();
    while !cond(h) {
        assert!(start.elapsed() < PATIENCE, "{what} did not happen");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.step();
}

#[test]
fn the_action_list_picks_a_family_and_from_takes_the_time_the_table_shows() {
    let (_dir, path) = world();
    let login_at;
    {
        // A clock of its own, so the login comes a minute after the request.
        let clock = SettableClock::new(chrono::Utc::now() - chrono::Duration::hours(1));
        let mut svc = Service::new(
            Store::open(&path).unwrap(),
            Arc::new(clock.clone()),
            Hasher::fast_for_tests(),
        );
        svc.request_token("jdoe", "ACME", "jdoe@example.org")
            .unwrap();
        clock.advance(chrono::Duration::minutes(1));
        let _ = svc.login("ACME", "mlopez", "not-her-password-at-all");
        login_at = svc
            .audit_events(&AuditFilter::default())
            .unwrap()
            .into_iter()
            .rfind(|e| e.action == "login")
            .unwrap()
            .at;
    }
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Audit");
    wait_for(&mut h, "reset_request");
    assert!(h.query_all_by_label("login").next().is_some());

    h.get_by_role_and_label(Role::ComboBox, "Action").click();
    h.run_steps(2);
    h.get(
        By::new()
            .label("reset_* (every reset step)")
            .predicate(|n| n.role() != Role::Label),
    )
    .click();
    settle(&mut h, "the reset steps only", |h| {
        h.query_all_by_label("login").next().is_none()
    });
    assert!(has(&h, "reset_request"));
    assert!(has(&h, "1 event matches"), "singular for one event");

    // The login came after the request: from its time on, no reset step is left.
    let shown = spr_console::ui::widgets::short_time(&login_at);
    fill(&mut h, "From", &shown);
    settle(&mut h, "nothing from the login on", |h| {
        has(h, "0 events match")
    });
    assert!(
        !has(&h, "is not a date"),
        "the table's own time is accepted"
    );
}
