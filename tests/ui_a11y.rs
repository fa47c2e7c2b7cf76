//! Keyboard and screen-reader use of the console (issue 12), driven headless with
//! egui_kittest on a real database: where the cursor goes after a refusal, and what the
//! AccessKit tree tells a screen reader.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::ui::*;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};

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

/// The texts under a node, in order (egui's labels carry their text as the value).
fn texts(n: &egui_kittest::kittest::AccessKitNode<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for c in n.children() {
        if c.role() == Role::Label
            && let Some(v) = c.value()
        {
            out.push(v);
        }
        out.extend(texts(&c));
    }
    out
}

/// The rows of the table named `name`: each row's role, then its cells' roles and texts.
fn table_rows(h: &Console, name: &str) -> Vec<(Role, Vec<(Role, String)>)> {
    let table = h.get_by_role_and_label(Role::Table, name);
    let mut rows = Vec::new();
    let mut stack = vec![table.accesskit_node()];
    while let Some(n) = stack.pop() {
        if n.role() == Role::Row {
            let cells = n
                .children()
                // A cell's texts; a named column header, its name (a sorting header's
                // button names the order).
                .map(|c| match c.label() {
                    Some(name) if c.role() == Role::ColumnHeader => (c.role(), name),
                    _ => (c.role(), texts(&c).join(" ")),
                })
                .collect();
            rows.push((n.role(), cells, n.data().row_index()));
            continue;
        }
        stack.extend(n.children());
    }
    rows.sort_by_key(|r| r.2);
    rows.into_iter().map(|(r, c, _)| (r, c)).collect()
}

#[test]
fn the_users_table_reads_as_a_table_of_rows_and_cells_under_column_headers() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "mlopez");
    let rows = table_rows(&h, "Users");
    assert_eq!(rows.len(), 3, "{rows:#?}");
    let (_, header) = &rows[0];
    let names: Vec<&str> = header.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        header.iter().all(|(r, _)| *r == Role::ColumnHeader),
        "{header:?}"
    );
    assert_eq!(
        names[1..],
        [
            "Provider",
            "Login Name",
            "First name",
            "Last name",
            "Contacts",
            "SPR",
            "Status"
        ]
    );
    for (_, cells) in &rows[1..] {
        assert_eq!(cells.len(), header.len(), "{cells:?}");
        assert!(cells.iter().all(|(r, _)| *r == Role::Cell), "{cells:?}");
    }
    let logins: Vec<&str> = rows[1..].iter().map(|(_, c)| c[2].1.as_str()).collect();
    assert_eq!(logins, ["jdoe", "mlopez"]);
    assert_eq!(rows[2].1[3].1, "Maria");
    assert_eq!(rows[2].1[4].1, "Lopez");
    assert_eq!(rows[2].1[7].1, "Active");
    // The headers are buttons that sort; none says an order while Admin Locked come first.
    let last = h.get_by_role_and_label(Role::Button, "Last name");
    assert!(
        last.accesskit_node()
            .parent()
            .is_some_and(|p| p.role() == Role::ColumnHeader)
    );
    assert_eq!(header[4].0, Role::ColumnHeader);
    last.click();
    wait_for(&mut h, "Last name, sorted ascending");
    // The header names the order at once; the rows in that order come from the worker.
    settle(&mut h);
    let header = h
        .get_all_by_role(Role::ColumnHeader)
        .find(|c| c.accesskit_node().label().as_deref() == Some("Last name"))
        .unwrap();
    assert_eq!(
        header.accesskit_node().data().sort_direction(),
        Some(egui::accesskit::SortDirection::Ascending)
    );
    // The table says how big it is, not only the rows on screen.
    let table = h.get_by_role_and_label(Role::Table, "Users");
    assert_eq!(table.accesskit_node().data().row_count(), Some(3));

    // A screen reader's click on a row opens that user, and the row says it is selected.
    let row = h
        .get_all_by_role(Role::Row)
        .find(|r| texts(&r.accesskit_node()).iter().any(|t| t == "mlopez"))
        .unwrap();
    row.click_accesskit();
    wait_for(&mut h, "Maria Lopez · Provider ACME");
    let selected = h
        .get_all_by_role(Role::Row)
        .find(|r| texts(&r.accesskit_node()).iter().any(|t| t == "mlopez"))
        .unwrap();
    assert!(selected.accesskit_node().is_selected() == Some(true));
    // Tab does not stop on the cells: a row is reached with the arrows, not 7 Tabs.
    assert!(h.get_all_by_role(Role::Cell).all(|c| {
        !c.accesskit_node()
            .data()
            .supports_action(egui::accesskit::Action::Focus)
    }));
}

#[test]
fn the_audit_table_reads_as_a_table_too() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    open_panel(&mut h, "Audit");
    wait_for(&mut h, "operator_login");
    let rows = table_rows(&h, "Audit events");
    assert!(rows.len() > 2, "{rows:#?}");
    let (_, header) = &rows[0];
    assert_eq!(header[0], (Role::ColumnHeader, "Time (UTC)".to_owned()));
    assert_eq!(header.len(), 10);
    for (role, cells) in &rows[1..] {
        assert_eq!(*role, Role::Row);
        assert_eq!(cells.len(), 10, "{cells:?}");
    }
    // Newest first: the sign-in that opened this console.
    assert_eq!(rows[1].1[2].1, "operator_login");
}

#[test]
fn filters_say_their_value_and_offer_options_disabled_buttons_take_no_focus_the_window_has_a_name()
{
    use egui::accesskit::Action;
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    // The window is named after the console and its database.
    assert_eq!(
        h.root().accesskit_node().label().as_deref(),
        Some("spr-console — console.sqlite3")
    );
    // The panel tabs are selected or not, never "checked" like a toggle button.
    let users_tab = h.get_by_role_and_label(Role::Tab, "Users");
    assert_eq!(users_tab.accesskit_node().toggled(), None);
    open_panel(&mut h, "Users");
    wait_for(&mut h, "mlopez");
    let description = |h: &Console, combo: &str| {
        h.get_by_role_and_label(Role::ComboBox, combo)
            .accesskit_node()
            .description()
    };
    assert_eq!(
        description(&h, "Status").as_deref(),
        Some("All but Deleted")
    );
    assert_eq!(description(&h, "SPR enabled").as_deref(), Some("Any"));
    // The choices read as options, the chosen one selected; picking one changes the value.
    h.get_by_role_and_label(Role::ComboBox, "Status").click();
    h.run_steps(2);
    let chosen = h.get_by_role_and_label(Role::ListBoxOption, "All but Deleted");
    assert_eq!(chosen.accesskit_node().is_selected(), Some(true));
    let active = h.get_by_role_and_label(Role::ListBoxOption, "Active");
    assert_eq!(active.accesskit_node().is_selected(), Some(false));
    active.click();
    settle(&mut h);
    assert_eq!(description(&h, "Status").as_deref(), Some("Active"));

    // Nothing is checked for a bulk change: its buttons are off, and out of the tab order.
    let focusable = |h: &Console, button: &str| {
        let b = h.get_by_role_and_label(Role::Button, button);
        (
            b.accesskit_node().is_disabled(),
            b.accesskit_node().data().supports_action(Action::Focus),
        )
    };
    assert_eq!(focusable(&h, "Enable SPR for 0 selected"), (true, false));
    assert_eq!(focusable(&h, "Add user…"), (false, true));
}

#[test]
fn the_overview_reads_its_providers_as_a_table_and_its_chart_as_a_named_picture() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "can reset their password on their own");
    let rows = table_rows(&h, "Providers");
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(
        rows[0].1[0],
        (Role::ColumnHeader, "Provider Code".to_owned())
    );
    assert_eq!(rows[1].1[0], (Role::Cell, "ACME".to_owned()));
    let chart = h.get_by_label_contains("Chart: lockouts and completed resets");
    assert_eq!(chart.accesskit_node().role(), Role::Image);
    assert!(
        !chart
            .accesskit_node()
            .data()
            .supports_action(egui::accesskit::Action::Focus)
    );
}
