//! One `reset complete` next to one argon2id verify, with production parameters, in one run.
//! Run: `cargo bench --bench reset`. Prints medians; the ratio is what to compare across machines.
//!
//! Every timed iteration does the same work: untimed warm-up resets first fill the password
//! history to the policy's 5 entries (so each timed reset checks exactly 5 old passwords,
//! not 1, 2, … 5), and warm the caches, the allocator and SQLite's pages.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::hashing::Hasher;
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::store::Store;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    let store = Store::open(&dir.path().join("bench.sqlite3")).expect("open");
    let hasher = Hasher::default();
    let mut svc = Service::new(store, Arc::new(clock.clone()), hasher);
    let admin = svc
        .init_first_operator("root", "orange-Kettle-93-violet")
        .unwrap();
    // A new database delivers nothing until a way is chosen (SPEC §3.11): the outbox.
    svc.set_mail_settings(&admin, &spr_console::mail::MailSettings::Outbox)
        .unwrap();
    svc.add_provider(&admin, "ACME", "Acme").unwrap();
    let policy = ProviderChanges {
        spr_enabled: Some(true),
        max_tokens_per_hour: Some(100),
        history: Some(5),
        ..Default::default()
    };
    svc.update_provider(&admin, "ACME", &policy).unwrap();
    let user = UserInput {
        login: "jdoe".into(),
        email: Some("jdoe@example.org".into()),
        spr_enabled: true,
        password: Some("maple-Harbor-quiet-4521".into()),
        ..Default::default()
    };
    svc.add_user(&admin, "ACME", &user).unwrap();

    let phc = hasher.hash("some password").unwrap();
    for _ in 0..3 {
        assert!(hasher.verify("some password", &phc));
    }
    let verify: Vec<Duration> = (0..21)
        .map(|_| {
            let t = Instant::now();
            assert!(hasher.verify("some password", &phc));
            t.elapsed()
        })
        .collect();

    let history = policy.history.unwrap_or(0);
    // The user starts with 1 password in the history; `history` resets fill it, one more warms.
    let warm_up = history as usize + 1;
    let runs = 11;
    let mut complete = Vec::new();
    for i in 0..warm_up + runs {
        let kept: i64 = svc
            .store()
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM password_history h JOIN users u ON u.id = h.user_id
                 WHERE u.login = 'jdoe'",
                &[],
                |r| r.get(0),
            )
            .unwrap();
        if i >= warm_up {
            assert!(
                kept >= i64::from(history),
                "a timed reset checks only {kept} old passwords"
            );
        }
        svc.request_token("jdoe", "ACME", "jdoe@example.org")
            .unwrap();
        let body = svc.outbox(Some(1)).unwrap().remove(0).body;
        let token = body
            .split_whitespace()
            .find(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
            .unwrap()
            .to_owned();
        let pw = format!("tundra-Lantern-slow-{i:04}-quartz");
        let t = Instant::now();
        svc.complete_reset("ACME", "jdoe", &token, &pw, &pw)
            .unwrap();
        if i >= warm_up {
            complete.push(t.elapsed());
        }
        clock.advance(chrono::Duration::minutes(1));
    }
    let (v, c) = (median(verify), median(complete));
    println!(
        "argon2id verify (m=19456 KiB, t=2, p=1): median {:.1} ms",
        v.as_secs_f64() * 1e3
    );
    println!(
        "reset complete (token verify, policy incl. {history} history verifies, new hash, write, notice; {warm_up} warm-up runs): median {:.1} ms",
        c.as_secs_f64() * 1e3
    );
    println!(
        "ratio reset complete / verify: {:.1}",
        c.as_secs_f64() / v.as_secs_f64()
    );
}
