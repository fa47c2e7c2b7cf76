//! Shared helpers for the integration tests: a real database, a file in a temp dir or a
//! database of its own on the PostgreSQL test server (see `engines`).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::hashing::Hasher;
use spr_console::core::model::Operator;
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::mail::MailSettings;

pub mod engines;
pub mod ui;

// Not every test file uses each of these.
#[allow(unused_imports)]
pub(crate) use engines::{DbArg, TestDb, engines};

pub const ADMIN_PW: &str = "orange-Kettle-93-violet";
pub const USER_PW: &str = "maple-Harbor-quiet-4521";
pub const NEW_PW: &str = "tundra-Lantern-slow-8830";

/// A service over a fresh database, with a settable clock and fast hashing.
pub struct World {
    pub svc: Service,
    pub clock: SettableClock,
    pub admin: Operator,
    /// Last, so that the service's connection closes before a PostgreSQL database is dropped.
    pub db: TestDb,
}

impl World {
    /// The SQLite file (file-only tests; on PostgreSQL this fails the test).
    pub fn path(&self) -> &Path {
        self.db.path()
    }
}

/// [`world_on`] a fresh SQLite file.
pub fn world(max_incorrect: u32) -> World {
    world_on(TestDb::sqlite(), max_incorrect)
}

/// A database with provider ACME (SPR on, the given max_incorrect) and user jdoe
/// (SPR on, email jdoe@example.org, text 5551234567@vtext.com, password USER_PW).
pub fn world_on(db: TestDb, max_incorrect: u32) -> World {
    let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    let store = db.open_store();
    let mut svc = Service::new(store, Arc::new(clock.clone()), Hasher::fast_for_tests());
    let admin = svc.init_first_operator("root", ADMIN_PW).expect("init");
    db.assert_holds_spr_console();
    // A new database has no delivery (§3.11): these stories read tokens from the outbox.
    svc.set_mail_settings(&admin, &MailSettings::Outbox)
        .expect("outbox");
    svc.add_provider(&admin, "ACME", "Acme Care")
        .expect("provider");
    svc.update_provider(
        &admin,
        "ACME",
        &ProviderChanges {
            spr_enabled: Some(true),
            max_incorrect: Some(max_incorrect),
            ..Default::default()
        },
    )
    .expect("policy");
    svc.add_user(
        &admin,
        "ACME",
        &UserInput {
            login: "jdoe".into(),
            first: "John".into(),
            last: "Doe".into(),
            email: Some("jdoe@example.org".into()),
            text_email: Some("5551234567@vtext.com".into()),
            spr_enabled: true,
            password: Some(USER_PW.into()),
        },
    )
    .expect("user");
    World {
        svc,
        clock,
        admin,
        db,
    }
}

/// The token in the newest outbox message, as `XXXX-XXXX`.
pub fn last_token(svc: &Service) -> String {
    let msg = svc
        .outbox(Some(1))
        .expect("outbox")
        .pop()
        .expect("a message");
    token_in(&msg.body).expect("a token in the message")
}

/// Finds a `XXXX-XXXX` token in a text.
pub fn token_in(text: &str) -> Option<String> {
    let alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let chars: Vec<char> = text.chars().collect();
    chars.windows(9).find_map(|w| {
        let ok = w[4] == '-'
            && w.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || alphabet.contains(*c));
        ok.then(|| w.iter().collect())
    })
}

/// A token that differs from `right` in its first symbol.
pub fn wrong_token(right: &str) -> String {
    let first = if right.starts_with('2') { '3' } else { '2' };
    format!("{first}{}", &right[1..])
}

/// What one run of the spr-console binary said.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as JSON; fails the test when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

/// The spr-console binary on the database `db` (a [`TestDb`] or a file's path), without the
/// operator, passwords or token of the test's own environment; `env` is set on top.
pub fn command(db: &(impl DbArg + ?Sized), args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spr-console"));
    c.args(args)
        .env("SPR_CONSOLE_DB", db.db_arg_os())
        .env_remove("SPR_OPERATOR")
        .env_remove("SPR_OPERATOR_PASSWORD")
        .env_remove("SPR_NEW_PASSWORD")
        .env_remove("SPR_USER_PASSWORD")
        .env_remove("SPR_TOKEN")
        .env_remove("SPR_SMTP_PASSWORD")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs the binary as [`command`] sets it up; a panic in it fails the test.
pub fn run(db: &(impl DbArg + ?Sized), args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = command(db, args, env).output().expect("the binary runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}
