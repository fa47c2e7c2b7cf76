//! Short paths of daily use (issue 12): a Provider count card opens the users it counts.

#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use spr_console::ui::app::Panel;

fn click_card(h: &mut Console, name: &str) {
    h.get_by_role_and_label(Role::Button, name).click();
    h.step();
    h.step();
}

#[test]
fn a_count_card_opens_users_on_exactly_the_users_it_counts() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    wait_for(&mut h, "Configured: show these users");
    // ACME: jdoe has an email, mlopez has none.
    click_card(&mut h, "1 Configured: show these users");
    assert_eq!(h.state().panel(), Some(Panel::Users));
    wait_for(&mut h, "1 user matches");
    assert!(has(&h, "jdoe"));
    assert!(!has(&h, "mlopez"));
    // A search typed in Users does not survive the next card: the card's number is what shows.
    fill(&mut h, "Search", "zzz");
    wait_for(&mut h, "0 users match");
    open_panel(&mut h, "Provider");
    wait_for(&mut h, "Users: show these users");
    click_card(&mut h, "2 Users: show these users");
    wait_for(&mut h, "2 users match");
    assert!(has(&h, "jdoe") && has(&h, "mlopez"));
    open_panel(&mut h, "Provider");
    wait_for(&mut h, "Admin Locked: show these users");
    click_card(&mut h, "0 Admin Locked: show these users");
    wait_for(&mut h, "0 users match");
}

#[test]
fn arrow_keys_home_and_end_move_through_the_audit_table_and_show_the_event_in_full() {
    use spr_console::core::Service;
    use spr_console::core::audit::AuditFilter;
    use spr_console::ui::widgets::short_time;
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Audit");
    wait_for(&mut h, "operator_login");
    settle(&mut h);
    let mut events = Service::open(&path)
        .unwrap()
        .audit_events(&AuditFilter::default())
        .unwrap();
    events.sort_by_key(|e| std::cmp::Reverse(e.seq));
    let shown = |n: usize| {
        let e = &events[n];
        format!("{} · {} · {}", short_time(&e.at), e.actor, e.action)
    };
    let key = |h: &mut Console, k: egui::Key| {
        h.key_press(k);
        h.step();
        h.step();
    };
    let last = events.len() - 1;
    assert!(last >= 3, "{events:?}");
    key(&mut h, egui::Key::ArrowDown);
    wait_for(&mut h, &shown(0));
    key(&mut h, egui::Key::ArrowDown);
    wait_for(&mut h, &shown(1));
    assert!(!has(&h, &shown(0)));
    key(&mut h, egui::Key::End);
    wait_for(&mut h, &shown(last));
    key(&mut h, egui::Key::ArrowUp);
    wait_for(&mut h, &shown(last - 1));
    key(&mut h, egui::Key::Home);
    wait_for(&mut h, &shown(0));
    // The selected row says so to a screen reader.
    let selected: Vec<_> = h
        .get_all_by_role(Role::Row)
        .filter(|r| egui_kittest::kittest::NodeT::accesskit_node(r).is_selected() == Some(true))
        .collect();
    assert_eq!(selected.len(), 1);
}
