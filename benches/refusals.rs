//! Same time for every refusal that must look alike (SPEC §3.3, §3.5, §3.7, §3.2): each case
//! of each flow, 15 runs, production argon2 parameters, outbox delivery, release profile.
//! Run: `cargo bench --bench refusals`. Prints the median of each case and, per flow, how far
//! the slowest median is above the fastest (SPEC: less than 20%). On Linux each case also shows
//! the median of the minor page faults its timed call took on this thread: a case that maps
//! argon2's 19 MiB afresh shows about 4,864 (one per 4 KiB page) and pays for it in time.

// Bench code may unwrap: a failure is a failed bench with its location.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::hashing::Hasher;
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::store::Store;

const RUNS: usize = 15;

const PW: &str = "maple-Harbor-quiet-4521";
const WRONG: &str = "wrong-Harbor-quiet-4521";

fn median<T: Ord>(mut v: Vec<T>) -> T {
    v.sort();
    v.swap_remove(v.len() / 2)
}

/// Minor page faults of this thread so far (Linux `/proc/thread-self/stat`, field 10).
fn minor_faults() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(7)?
        .parse()
        .ok()
}

/// A case's median time and, where the system tells, its median minor page faults.
type Measured = (&'static str, Duration, Option<u64>);

struct Bench {
    svc: Service,
    sql: rusqlite::Connection,
    clock: SettableClock,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn sql(&self, sql: &str) {
        self.sql.execute_batch(sql).unwrap();
    }

    /// A user `login` in ACME with SPR on, a password and an email `login@example.org`.
    fn user(&mut self, admin: &spr_console::core::model::Operator, code: &str, login: &str) {
        let u = UserInput {
            login: login.into(),
            email: Some(format!("{login}@example.org")),
            spr_enabled: true,
            password: Some(PW.into()),
            ..Default::default()
        };
        self.svc.add_user(admin, code, &u).unwrap();
    }

    /// A fresh live token for `login` (request, then time moves so rate limits stay clear).
    fn token(&mut self, login: &str) -> String {
        self.svc
            .request_token(login, "ACME", &format!("{login}@example.org"))
            .unwrap();
        let body = self.svc.outbox(Some(1)).unwrap().remove(0).body;
        body.split_whitespace()
            .find(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
            .unwrap()
            .to_owned()
    }
}

fn setup() -> (Bench, spr_console::core::model::Operator) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite3");
    let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    let store = Store::open(&path).unwrap();
    let mut svc = Service::new(store, Arc::new(clock.clone()), Hasher::default());
    let admin = svc
        .init_first_operator("root", "orange-Kettle-93-violet")
        .unwrap();
    // A new database has no delivery until one is chosen (SPEC §3.11): the outbox here.
    svc.set_mail_settings(&admin, &spr_console::mail::MailSettings::Outbox)
        .unwrap();
    for (code, per_hour) in [("ACME", 100), ("RATE", 1), ("OFF", 100)] {
        svc.add_provider(&admin, code, code).unwrap();
        let p = ProviderChanges {
            spr_enabled: Some(true),
            max_tokens_per_hour: Some(per_hour),
            max_incorrect: Some(100),
            ..Default::default()
        };
        svc.update_provider(&admin, code, &p).unwrap();
    }
    let sql = rusqlite::Connection::open(&path).unwrap();
    let mut b = Bench {
        svc,
        sql,
        clock,
        _dir: dir,
    };
    for login in [
        "ok",
        "wrongpw",
        "locked",
        "deact",
        "deleted",
        "usroff",
        "nocontact",
        "gone",
        "expired",
        "notoken",
        "used",
    ] {
        b.user(&admin, "ACME", login);
    }
    b.user(&admin, "RATE", "rate");
    b.user(&admin, "OFF", "provoff");
    (b, admin)
}

/// A case: its name, what to prepare before each run (not timed), and the timed call.
type Step = Box<dyn FnMut(&mut Bench)>;
type Timed = (&'static str, Step, Step);

/// Runs every case RUNS times, the cases interleaved (round after round), so that a change
/// of the machine's load during the bench falls on every case alike; the median per case.
fn interleaved(b: &mut Bench, cases: &mut [Timed]) -> Vec<Measured> {
    let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(RUNS); cases.len()];
    let mut faults: Vec<Vec<Option<u64>>> = vec![Vec::with_capacity(RUNS); cases.len()];
    for _ in 0..RUNS {
        for (i, (_, prepare, run)) in cases.iter_mut().enumerate() {
            prepare(b);
            let f = minor_faults();
            let t = Instant::now();
            run(b);
            times[i].push(t.elapsed());
            faults[i].push(f.zip(minor_faults()).map(|(a, z)| z - a));
        }
    }
    cases
        .iter()
        .zip(times.into_iter().zip(faults))
        .map(|((name, _, _), (t, f))| {
            let f: Option<Vec<u64>> = f.into_iter().collect();
            (*name, median(t), f.map(median))
        })
        .collect()
}

fn report(flow: &str, cases: &[Measured], outside: &[(&str, Duration)]) -> f64 {
    println!("\n{flow}");
    for (name, d, faults) in cases {
        let faults = faults.map_or(String::new(), |f| format!("  {f:>5} page faults"));
        println!("  {name:<44} {:>7.1} ms{faults}", d.as_secs_f64() * 1e3);
    }
    for (name, d) in outside {
        println!(
            "  {name:<44} {:>7.1} ms  (only with the right token; not compared)",
            d.as_secs_f64() * 1e3
        );
    }
    let min = cases.iter().map(|c| c.1).min().unwrap().as_secs_f64();
    let max = cases.iter().map(|c| c.1).max().unwrap().as_secs_f64();
    let spread = (max / min - 1.0) * 100.0;
    println!("  slowest median above fastest: {spread:.0}%");
    spread
}

fn main() {
    let (mut b, _admin) = setup();
    b.sql(
        "UPDATE users SET status = 'admin_locked' WHERE login = 'locked';
         UPDATE users SET status = 'deactivated' WHERE login = 'deact';
         UPDATE users SET status = 'deleted' WHERE login = 'deleted';
         UPDATE users SET spr_enabled = 0 WHERE login = 'usroff';
         UPDATE users SET email = NULL WHERE login = 'nocontact';
         UPDATE providers SET spr_enabled = 0 WHERE code = 'OFF';",
    );
    let nothing = || -> Step { Box::new(|_: &mut Bench| {}) };
    let reset_counts =
        || -> Step { Box::new(|b: &mut Bench| b.sql("UPDATE users SET failed_attempts = 0")) };
    let tick =
        || -> Step { Box::new(|b: &mut Bench| b.clock.advance(chrono::Duration::seconds(1))) };
    // A fresh live token for `login`, then `sql` (what ends or spoils it).
    let live_then = |sql: &'static str, login: &'static str| -> Step {
        Box::new(move |b: &mut Bench| {
            b.sql("UPDATE users SET status = 'active', spr_enabled = 1, failed_attempts = 0, email = login || '@example.org' WHERE login IN ('gone', 'expired', 'used')");
            b.clock.advance(chrono::Duration::minutes(2));
            b.token(login);
            b.sql(sql);
        })
    };

    // Login (SPEC §3.7).
    let mut cases: Vec<Timed> = [
        ("unknown account", "ACME", "ghost", PW),
        ("wrong password", "ACME", "wrongpw", WRONG),
        ("wrong password, Admin Locked", "ACME", "locked", WRONG),
        ("right password, Admin Locked", "ACME", "locked", PW),
        ("right password, Deactivated", "ACME", "deact", PW),
        ("right password, Deleted", "ACME", "deleted", PW),
        ("logged in", "ACME", "ok", PW),
    ]
    .into_iter()
    .map(|(name, code, user, pw)| -> Timed {
        (
            name,
            reset_counts(),
            Box::new(move |b: &mut Bench| {
                let _ = b.svc.login(code, user, pw);
            }),
        )
    })
    .collect();
    let login = interleaved(&mut b, &mut cases);
    let s1 = report("login", &login, &[]);

    // The Verify step of configuring SPR (SPEC §3.2).
    let mut cases: Vec<Timed> = [
        ("unknown account", "ACME", "ghost", PW),
        ("wrong password", "ACME", "wrongpw", WRONG),
        ("wrong password, Deactivated", "ACME", "deact", WRONG),
        ("right password, user SPR off", "ACME", "usroff", PW),
        ("right password, provider SPR off", "OFF", "provoff", PW),
        ("verified", "ACME", "ok", PW),
    ]
    .into_iter()
    .map(|(name, code, user, pw)| -> Timed {
        (
            name,
            reset_counts(),
            Box::new(move |b: &mut Bench| {
                let _ = b.svc.configure_verify(code, user, pw);
            }),
        )
    })
    .collect();
    let verify = interleaved(&mut b, &mut cases);
    let s2 = report("configure verify", &verify, &[]);

    // Forgot Password (SPEC §3.3); the acceptance delivers to the outbox.
    b.svc
        .request_token("rate", "RATE", "rate@example.org")
        .unwrap();
    let mut cases: Vec<Timed> = [
        (
            "unknown_account (no such user)",
            "ACME",
            "ghost",
            "ghost@example.org",
        ),
        (
            "unknown_account (address)",
            "ACME",
            "ok",
            "other@example.org",
        ),
        (
            "provider_spr_disabled",
            "OFF",
            "provoff",
            "provoff@example.org",
        ),
        ("user_spr_disabled", "ACME", "usroff", "usroff@example.org"),
        (
            "spr_not_configured",
            "ACME",
            "nocontact",
            "nocontact@example.org",
        ),
        (
            "account_admin_locked",
            "ACME",
            "locked",
            "locked@example.org",
        ),
        ("account_deactivated", "ACME", "deact", "deact@example.org"),
        ("rate_limited", "RATE", "rate", "rate@example.org"),
        ("token sent", "ACME", "ok", "ok@example.org"),
    ]
    .into_iter()
    .map(|(name, code, user, addr)| -> Timed {
        (
            name,
            tick(),
            Box::new(move |b: &mut Bench| {
                let _ = b.svc.request_token(user, code, addr);
            }),
        )
    })
    .collect();
    let request = interleaved(&mut b, &mut cases);
    let s3 = report("reset request", &request, &[]);

    // Resend and Change Password (SPEC §3.5): every answer before a right token.
    const EXPIRE: &str =
        "UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE state = 'live'";
    const GONE: &str = "UPDATE users SET email = 'new@example.org' WHERE login = 'gone'";
    const DEACT: &str = "UPDATE users SET status = 'deactivated' WHERE login = 'gone'";
    const USROFF: &str = "UPDATE users SET spr_enabled = 0 WHERE login = 'gone'";
    let gate = |live_then: &dyn Fn(&'static str, &'static str) -> Step| -> Vec<(&'static str, &'static str, Step)> {
        vec![
            ("unknown_account", "ghost", nothing()),
            ("no_active_token (none)", "notoken", nothing()),
            ("token_expired", "expired", live_then(EXPIRE, "expired")),
            ("no_active_token (address removed)", "gone", live_then(GONE, "gone")),
            ("account_deactivated", "gone", live_then(DEACT, "gone")),
            ("user_spr_disabled", "gone", live_then(USROFF, "gone")),
        ]
    };
    let mut cases: Vec<Timed> = gate(&live_then)
        .into_iter()
        .chain([("token resent", "used", live_then("SELECT 1", "used"))])
        .map(|(name, user, prepare)| -> Timed {
            (
                name,
                prepare,
                Box::new(move |b: &mut Bench| {
                    let _ = b.svc.resend("ACME", user);
                }),
            )
        })
        .collect();
    let resend = interleaved(&mut b, &mut cases);
    let s4 = report("reset resend", &resend, &[]);

    let new_pw = "tundra-Lantern-slow-8830-quartz";
    let mut cases: Vec<Timed> = gate(&live_then)
        .into_iter()
        .chain([("token_incorrect", "used", live_then("SELECT 1", "used"))])
        .map(|(name, user, prepare)| -> Timed {
            (
                name,
                prepare,
                Box::new(move |b: &mut Bench| {
                    let _ = b
                        .svc
                        .complete_reset("ACME", user, "2345-6789", new_pw, new_pw);
                }),
            )
        })
        .collect();
    let complete = interleaved(&mut b, &mut cases);
    let mut i = 0;
    let mut done = Vec::new();
    for _ in 0..RUNS {
        b.clock.advance(chrono::Duration::minutes(2));
        let token = b.token("ok");
        i += 1;
        let pw = format!("tundra-Lantern-slow-{i:04}-quartz");
        let t = Instant::now();
        b.svc
            .complete_reset("ACME", "ok", &token, &pw, &pw)
            .unwrap();
        done.push(t.elapsed());
    }
    let s5 = report(
        "reset complete",
        &complete,
        &[(
            "password changed (history 5, new hash, notices)",
            median(done),
        )],
    );
    let worst = [s1, s2, s3, s4, s5].into_iter().fold(0.0, f64::max);
    println!("\nworst spread: {worst:.0}% (SPEC §3.3: under 20%)");
}
