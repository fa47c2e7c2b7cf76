//! The Overview panel driven headless with egui_kittest: the real app and worker on a real
//! database file, its counts checked against the store, and an incident unlocked together.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use common::ui::*;
use egui_kittest::kittest::Queryable;
use spr_console::core::Service;
use spr_console::core::audit::AuditFilter;
use spr_console::core::clock::SettableClock;
use spr_console::core::hashing::Hasher;
use spr_console::core::model::{Operator, Status};
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::store::Store;

/// A service on `path` whose clock stands at `at`, with fast hashing for the seeding.
fn service_at(path: &Path, at: chrono::DateTime<Utc>) -> (Service, SettableClock, Operator) {
    let clock = SettableClock::new(at);
    let mut svc = Service::new(
        Store::open(path).unwrap(),
        Arc::new(clock.clone()),
        Hasher::fast_for_tests(),
    );
    let admin = svc.operator_login(ADMIN, ADMIN_PW).unwrap();
    (svc, clock, admin)
}

fn add(
    svc: &mut Service,
    admin: &Operator,
    code: &str,
    login: &str,
    email: Option<&str>,
    text: Option<&str>,
    spr: bool,
) {
    svc.add_user(
        admin,
        code,
        &UserInput {
            login: login.into(),
            first: "Test".into(),
            last: login.into(),
            email: email.map(Into::into),
            text_email: text.map(Into::into),
            spr_enabled: spr,
            password: Some(USER_PW.into()),
        },
    )
    .unwrap();
}

/// Wrong passwords until the account locks (ACME tolerates 3).
fn lock(svc: &mut Service, login: &str) {
    for _ in 0..4 {
        let _ = svc.login("ACME", login, "not-the-password-at-all");
    }
    assert_eq!(svc.user("ACME", login).unwrap().status, Status::AdminLocked);
}

#[test]
fn a_super_admin_lands_on_the_overview_and_its_counts_match_the_store() {
    let (_dir, path) = world();
    {
        let (mut svc, _clock, admin) = service_at(&path, Utc::now() - Duration::hours(3));
        add(
            &mut svc,
            &admin,
            "ACME",
            "u1",
            Some("u1@example.org"),
            None,
            true,
        );
        // Only a retired gateway: configured, but no token can reach the user.
        add(
            &mut svc,
            &admin,
            "ACME",
            "u2",
            None,
            Some("5551234567@txt.att.net"),
            true,
        );
        // Configured but not granted SPR: cannot reset on their own.
        add(
            &mut svc,
            &admin,
            "ACME",
            "u3",
            Some("u3@example.org"),
            None,
            false,
        );
        add(&mut svc, &admin, "ACME", "u4", None, None, false);
        add(
            &mut svc,
            &admin,
            "ACME",
            "u5",
            Some("u5@example.org"),
            None,
            true,
        );
        lock(&mut svc, "u5");
        svc.add_provider(&admin, "BETA", "Beta Homes").unwrap();
        for l in ["b1", "b2", "b3"] {
            add(
                &mut svc,
                &admin,
                "BETA",
                l,
                Some("b@example.org"),
                None,
                true,
            );
        }
    }
    let svc = Service::open(&path).unwrap();
    let acme = svc.provider("ACME").unwrap();
    let counts = svc.provider_counts(acme.id).unwrap();
    // What the store says, which the screen must show.
    assert_eq!(
        (
            counts.users,
            counts.spr_enabled,
            counts.configured,
            counts.admin_locked
        ),
        (7, 5, 5, 1)
    );
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    // jdoe, u1 and u2 can reset (not u3 without SPR, nor locked u5); BETA has SPR off, so none of its users can.
    wait_for(
        &mut h,
        "3 of 10 users can reset their password on their own (30%), across 2 providers.",
    );
    wait_for(&mut h, "1 account is Admin Locked, each on its own");
    for n in [counts.users, counts.spr_enabled, counts.configured] {
        assert!(
            h.query_all_by_label(&n.to_string()).next().is_some(),
            "the providers table shows {n}"
        );
    }
    wait_for(&mut h, "1 account locked by wrong passwords");
    // The lockout shows in the 30-day activity.
    wait_for(
        &mut h,
        "1 lockout and 0 completed resets in the last 30 days",
    );
    // BETA keeps the defaults, which meet every check; a weaker policy is flagged.
    {
        let (mut svc, _c, admin) = service_at(&path, Utc::now());
        svc.update_provider(
            &admin,
            "BETA",
            &ProviderChanges {
                token_minutes: Some(30),
                ..ProviderChanges::default()
            },
        )
        .unwrap();
    }
    click_button(&mut h, "Refresh");
    wait_for(
        &mut h,
        "A token valid for 30 minutes is longer than the 10 minutes",
    );
}

#[test]
fn twelve_locks_in_three_minutes_are_one_incident_unlocked_together_after_a_confirmation() {
    let (_dir, path) = world();
    let night = Utc::now() - Duration::hours(8);
    let burst: Vec<String> = (1..=12).map(|i| format!("night{i:02}")).collect();
    {
        let (mut svc, clock, admin) = service_at(&path, night - Duration::hours(2));
        add(
            &mut svc,
            &admin,
            "ACME",
            "early",
            Some("e@example.org"),
            None,
            true,
        );
        for l in &burst {
            add(
                &mut svc,
                &admin,
                "ACME",
                l,
                Some("n@example.org"),
                None,
                true,
            );
        }
        lock(&mut svc, "early");
        clock.set(night);
        for l in &burst {
            lock(&mut svc, l);
            clock.advance(Duration::seconds(15));
        }
    }
    let mut h = console(&path);
    sign_in_as(&mut h, ADMIN, ADMIN_PW);
    wait_for(
        &mut h,
        "12 accounts locked within 2 minutes by wrong passwords",
    );
    wait_for(&mut h, "1 account locked by wrong passwords");
    wait_for(&mut h, "13 accounts are Admin Locked; 1 burst has");

    // Asked first; Cancel changes nothing.
    click_button(&mut h, "Unlock 12 accounts…");
    wait_for(&mut h, "Unlock 12 accounts?");
    click_button(&mut h, "Cancel");
    let locked = |path: &Path| {
        let svc = Service::open(path).unwrap();
        burst
            .iter()
            .filter(|l| svc.user("ACME", l).unwrap().status == Status::AdminLocked)
            .count()
    };
    assert_eq!(locked(&path), 12, "Cancel unlocked nothing");

    click_button(&mut h, "Unlock 12 accounts…");
    wait_for(&mut h, "Unlock 12 accounts?");
    // No reason, no unlock.
    click_button(&mut h, "Unlock 12 accounts");
    wait_for(&mut h, "Give a reason for the unlock");
    assert_eq!(locked(&path), 12);
    fill(
        &mut h,
        "Reason (written to the audit log)",
        "Token guessing from one address; users confirmed by phone",
    );
    click_button(&mut h, "Unlock 12 accounts");
    wait_for(
        &mut h,
        "12 accounts unlocked; the reason is in the audit log.",
    );

    let svc = Service::open(&path).unwrap();
    assert_eq!(locked(&path), 0);
    for l in &burst {
        assert_eq!(svc.user("ACME", l).unwrap().failed_attempts, 0);
    }
    assert_eq!(
        svc.user("ACME", "early").unwrap().status,
        Status::AdminLocked,
        "the other incident stays locked"
    );
    let events = svc.audit_events(&AuditFilter::default()).unwrap();
    let summaries: Vec<_> = events
        .iter()
        .filter(|e| e.action == "unlock_batch")
        .collect();
    assert_eq!(summaries.len(), 1, "one summary event");
    assert!(
        summaries[0]
            .detail
            .starts_with("unlocked 12 accounts: Token guessing from one address"),
        "{}",
        summaries[0].detail
    );
    assert_eq!(summaries[0].actor, ADMIN);
    let batch = summaries[0]
        .detail
        .split("(batch ")
        .nth(1)
        .and_then(|s| s.split([')', ';']).next())
        .unwrap()
        .to_owned();
    let unlocks: Vec<_> = events
        .iter()
        .filter(|e| e.action == "user_unlock")
        .collect();
    assert_eq!(unlocks.len(), 12);
    assert!(
        unlocks
            .iter()
            .all(|e| e.detail.contains(&format!("(batch {batch})"))),
        "every unlock carries the batch id {batch}"
    );
    // The Overview reads again: only the lone lock is left.
    wait_for(&mut h, "1 account is Admin Locked, each on its own");
}

#[test]
fn a_helpdesk_operator_starts_on_the_provider_panel_and_may_open_the_overview() {
    let (_dir, path) = world();
    let mut h = console(&path);
    sign_in_as(&mut h, HELPDESK, HELPDESK_PW);
    wait_for(&mut h, "ACME — Acme Care");
    open_panel(&mut h, "Overview");
    wait_for(
        &mut h,
        "1 of 2 users can reset their password on their own (50%), across 1 provider.",
    );
}

#[test]
fn cancel_during_a_large_incident_unlock_rolls_it_all_back_and_says_so() {
    use spr_console::core::demo;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.sqlite3");
    demo::create(&path, 3_000).unwrap();
    // Seeding only: 3,000 accounts locked by token guessing within the same minute.
    let night = spr_console::core::clock::rfc3339(Utc::now() - Duration::hours(8));
    let seeded = rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE users SET status = 'admin_locked', locked_at = ?1, lock_cause = 'token',
             failed_attempts = 5 WHERE login LIKE 'user%'",
            [&night],
        )
        .unwrap();
    assert_eq!(seeded, 3_000);
    let locked = |path: &Path| {
        Service::open(path)
            .unwrap()
            .count_users(&spr_console::core::model::UserFilter {
                status: Some(Status::AdminLocked),
                ..Default::default()
            })
            .unwrap()
    };
    let before = locked(&path);

    let mut h = console(&path);
    sign_in_as(&mut h, demo::OPERATOR, demo::OPERATOR_PASSWORD);
    wait_for(&mut h, "3,000 accounts locked within");
    click_button(&mut h, "Unlock 3,000 accounts…");
    wait_for(&mut h, "Unlock 3,000 accounts?");
    fill(
        &mut h,
        "Reason (written to the audit log)",
        "Token guessing; checking with the carrier first",
    );
    let events_before = Service::open(&path)
        .unwrap()
        .audit_events(&AuditFilter::default())
        .unwrap()
        .len();
    // Another writer holds the database while Unlock and Cancel are clicked: the worker
    // waits for it, so Cancel surely comes before the batch ends (3,000 unlocks take
    // milliseconds).
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    click_button(&mut h, "Unlock 3,000 accounts");
    // The dialog shows the bar and its Cancel while the worker unlocks.
    h.run_steps(4);
    click_button(&mut h, "Cancel the unlock");
    wait_for(&mut h, "Cancelling");
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    wait_for(&mut h, "Cancelled: nothing changed.");
    assert!(h.query_by_label("Cancel the unlock").is_none());
    assert_eq!(locked(&path), before, "nothing was unlocked");
    let events_after = Service::open(&path)
        .unwrap()
        .audit_events(&AuditFilter::default())
        .unwrap()
        .len();
    assert_eq!(events_after, events_before, "no audit row either");
}
