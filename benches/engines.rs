//! The same work on both engines, in one run (issue 11): one `reset complete` and one search
//! keystroke of the Users panel, on a SQLite file and on a PostgreSQL database holding the
//! same data (the file copied with `db copy`).
//! Run: `SPR_BENCH_POSTGRES_URL=postgres://USER@HOST:PORT/postgres cargo bench --bench engines`
//! (the URL names a database on a server where the role may CREATE DATABASE; the bench makes
//! and drops its own). Without the variable it measures SQLite alone and says so.

// Bench code may unwrap: a failure is a failed run with its location.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::demo;
use spr_console::core::hashing::Hasher;
use spr_console::core::model::UserFilter;
use spr_console::core::service::ProviderChanges;
use spr_console::store::{Location, Store};

const USERS: u32 = 100_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Medians of one `reset complete` and of one search keystroke on this store.
fn measure(store: Store) -> (Duration, Duration) {
    let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    let mut svc = Service::new(store, Arc::new(clock.clone()), Hasher::default());
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    let policy = ProviderChanges {
        max_tokens_per_hour: Some(100),
        history: Some(5),
        ..Default::default()
    };
    svc.update_provider(&op, demo::PROVIDER, &policy).unwrap();
    let user = demo::RESET_USER;
    let mut complete = Vec::new();
    // 6 warm-up resets fill the history, so each timed one checks 5 old passwords.
    for i in 0..17 {
        svc.request_token(user, demo::PROVIDER, demo::RESET_USER_EMAIL)
            .unwrap();
        let body = svc.outbox(Some(1)).unwrap().remove(0).body;
        let token = body
            .split_whitespace()
            .find(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
            .unwrap()
            .to_owned();
        let pw = format!("tundra-Lantern-slow-{i:04}-quartz");
        let t = Instant::now();
        svc.complete_reset(demo::PROVIDER, user, &token, &pw, &pw)
            .unwrap();
        if i >= 6 {
            complete.push(t.elapsed());
        }
        clock.advance(chrono::Duration::minutes(1));
    }
    // Typing "user0123" one key at a time: each keystroke asks for the first page.
    let word = "user0123";
    let mut keys = Vec::new();
    for round in 0..8 {
        for n in 1..=word.len() {
            let filter = UserFilter {
                search: Some(word[..n].to_owned()),
                ..Default::default()
            };
            let t = Instant::now();
            let (_, rows) = svc.first_user_page(&filter, 50).unwrap();
            if round > 0 {
                keys.push(t.elapsed());
            }
            assert!(!rows.is_empty() || n > 5);
        }
    }
    (median(complete), median(keys))
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("engines.sqlite3");
    let made = Instant::now();
    demo::create(&file, USERS).unwrap();
    eprintln!(
        "demo file with {USERS} users made in {:.1} s",
        made.elapsed().as_secs_f64()
    );
    let server = std::env::var("SPR_BENCH_POSTGRES_URL").ok();
    let pg = server.as_deref().map(|admin| {
        let name = format!("spr_bench_{}", std::process::id());
        let mut client = postgres::Client::connect(admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = match admin.rfind('/') {
            Some(i) => format!("{}/{name}", &admin[..i]),
            None => panic!("SPR_BENCH_POSTGRES_URL has no database part: {admin}"),
        };
        let location = Location::parse(&url);
        let svc = Service::open(&file).unwrap();
        let op = svc
            .operator_check(demo::OPERATOR, demo::OPERATOR_PASSWORD)
            .unwrap()
            .unwrap();
        let t = Instant::now();
        svc.copy_to(&op, &location, |_, _| {}).unwrap();
        eprintln!("copied to PostgreSQL in {:.1} s", t.elapsed().as_secs_f64());
        (client, name, location)
    });

    let (sq_reset, sq_key) = measure(Store::open(&file).unwrap());
    println!(
        "sqlite:     reset complete median {:.1} ms, search keystroke median {:.2} ms ({USERS} users)",
        ms(sq_reset),
        ms(sq_key)
    );
    match pg {
        None => println!(
            "postgresql: not measured — set SPR_BENCH_POSTGRES_URL (scripts/pg-test-server.sh start prints one)"
        ),
        Some((mut client, name, location)) => {
            let (pg_reset, pg_key) = measure(Store::open_at(&location).unwrap());
            println!(
                "postgresql: reset complete median {:.1} ms, search keystroke median {:.2} ms ({USERS} users)",
                ms(pg_reset),
                ms(pg_key)
            );
            println!(
                "ratio postgresql / sqlite: reset complete {:.2}, search keystroke {:.2}",
                pg_reset.as_secs_f64() / sq_reset.as_secs_f64(),
                pg_key.as_secs_f64() / sq_key.as_secs_f64()
            );
            client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .unwrap();
        }
    }
}
