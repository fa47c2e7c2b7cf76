//! Issue 13's figures at a million users, every ratio from this one run: the Users frame at
//! 1M ÷ 100, a search keystroke's first page, scroll jumps to the end and elsewhere (frames
//! until real rows, with the real worker thread), the console's start on 1M ÷ on an empty database,
//! `reset complete` ÷ one argon2 verify with history 5, and an import of 1M rows ÷ the sqlite3
//! shell's `.import` of the same rows (with the peak RSS of the import).
//!
//! `cargo bench --bench scale` (release). `SPR_SCALE_USERS=N` changes the million.
//! `SPR_SCALE_ONLY=reset`, `=import`, `=scroll` or `=postgres` (with `SPR_BENCH_POSTGRES_URL`)
//! runs one part alone.
//! Not a timed test: run it and read the figures (BENCHMARKS.md keeps them).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use egui::{Pos2, RawInput, Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spr_console::core::Service;
use spr_console::core::clock::SettableClock;
use spr_console::core::demo;
use spr_console::core::hashing::Hasher;
use spr_console::core::model::Operator;
use spr_console::core::service::{ProviderChanges, UserInput};
use spr_console::store::Store;
use spr_console::store::users::UserFilter;
use spr_console::ui::ConsoleApp;
use spr_console::ui::data::{self, DataJob, UsersAnswer};
use spr_console::ui::users::UsersPanel;
use spr_console::ui::view::Shell;
use spr_console::ui::worker::{Answer, Job};

const BIN: &str = env!("CARGO_BIN_EXE_spr-console");
/// One frame at 60 Hz.
const VSYNC: Duration = Duration::from_micros(16_667);

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Milliseconds `work` takes: the median of 5 runs.
fn median_of_5(mut work: impl FnMut()) -> f64 {
    ms(median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                work();
                t.elapsed()
            })
            .collect(),
    ))
}

/// A page of 200 at `offset` of a list of exactly `n` users: milliseconds walking to it, and
/// from its signpost in `anchors` (medians of 5, one after the other).
fn deep_page(
    svc: &Service,
    f: &spr_console::core::model::UserFilter,
    n: u64,
    anchors: &spr_console::core::model::Anchors,
    offset: u64,
) -> (f64, f64) {
    let exact = spr_console::core::model::Matches { n, exact: true };
    let page = |a| {
        median_of_5(|| {
            svc.user_page(f, exact, a, offset, 200).unwrap();
        })
    };
    (page(None), page(Some(anchors)))
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn raw_input() -> RawInput {
    RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, Vec2::new(1280.0, 800.0))),
        ..RawInput::default()
    }
}

/// Runs `f` with a shell of its own; returns the jobs the Users panel asked for.
fn shell(op: &Operator, f: impl FnOnce(&mut Shell<'_>)) -> Vec<DataJob> {
    Shell::alone(op, f)
        .into_iter()
        .map(|j| match j {
            Job::Data(d) => d,
            other => panic!("the Users panel asked for {other:?}"),
        })
        .collect()
}

/// The Users panel's part of an answer.
fn users_answer(a: Answer) -> UsersAnswer {
    match a {
        Answer::Users(u) => u,
        other => panic!("not an answer for the Users panel: {other:?}"),
    }
}

fn frame(ctx: &egui::Context, panel: &mut UsersPanel, op: &Operator) -> Vec<DataJob> {
    let mut jobs = Vec::new();
    let mut out = ctx.run_ui(raw_input(), |ui| {
        jobs = shell(op, |sh| {
            egui::CentralPanel::default().show(ui, |ui| panel.ui(ui, sh));
        });
    });
    // Headless: no renderer takes the font texture, so drop it on purpose.
    out.textures_delta.clear();
    jobs
}

/// Runs frames, answering every job (and the jobs the answers ask for) inline.
fn settle(ctx: &egui::Context, panel: &mut UsersPanel, op: &Operator, svc: &mut Service) {
    for _ in 0..50 {
        let mut jobs = frame(ctx, panel, op);
        if jobs.is_empty() {
            return;
        }
        while let Some(j) = jobs.pop() {
            let a = users_answer(data::handle(svc, j));
            jobs.extend(shell(op, |sh| panel.on_answer(a, sh)));
        }
    }
}

fn sign_in(path: &Path) -> (Service, Operator) {
    let mut svc = Service::open(path).unwrap();
    let op = svc
        .operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    (svc, op)
}

/// Median milliseconds per Users frame once the visible pages are cached.
fn frame_cost(path: &Path) -> (f64, u64) {
    let (mut svc, op) = sign_in(path);
    let ctx = egui::Context::default();
    let mut panel = UsersPanel::default();
    settle(&ctx, &mut panel, &op, &mut svc);
    let total = panel.total().unwrap_or(0);
    let times: Vec<Duration> = (0..300)
        .map(|_| {
            let t = Instant::now();
            let jobs = frame(&ctx, &mut panel, &op);
            let d = t.elapsed();
            assert!(jobs.is_empty(), "the visible rows are cached");
            d
        })
        .collect();
    (ms(median(times)), total)
}

/// The worker's part of one keystroke (the first page with the bounded count), and the exact
/// count asked after it.
fn keystroke(svc: &mut Service, q: &str) -> (f64, String, f64, u64) {
    let filter = UserFilter {
        search: Some(q.to_owned()),
        ..UserFilter::default()
    };
    let mut first = Vec::new();
    let mut counted = Vec::new();
    let mut matches = String::new();
    let mut exact = 0;
    for _ in 0..15 {
        let t = Instant::now();
        let a = data::handle(
            svc,
            DataJob::UserQuery {
                generation: 1,
                filter: filter.clone(),
            },
        );
        first.push(t.elapsed());
        if let Answer::Users(UsersAnswer::UserQuery {
            result: Ok((m, rows)),
            ..
        }) = a
        {
            matches = format!("{m} ({} rows)", rows.len());
        }
        let t = Instant::now();
        exact = svc.count_users(&filter).unwrap();
        counted.push(t.elapsed());
    }
    (ms(median(first)), matches, ms(median(counted)), exact)
}

/// The real worker's loop, on its own thread with its own connection.
fn worker(path: PathBuf) -> (Sender<DataJob>, Receiver<Answer>) {
    let (job_tx, job_rx) = channel::<DataJob>();
    let (ans_tx, ans_rx) = channel();
    std::thread::spawn(move || {
        let mut svc = Service::open(&path).unwrap();
        for j in job_rx {
            if ans_tx.send(data::handle(&mut svc, j)).is_err() {
                return;
            }
        }
    });
    (job_tx, ans_rx)
}

/// Frames at 60 Hz from a jump to row `total × fraction` (the last row for 1.0) until a
/// frame draws real rows there, and the time that took.
fn scroll_jump(path: &Path, fraction: f64) -> (u32, f64, u64, u64) {
    let (_svc, op) = sign_in(path);
    let (jobs_tx, answers) = worker(path.to_path_buf());
    let ctx = egui::Context::default();
    let mut panel = UsersPanel::default();
    let send = |jobs: Vec<DataJob>| {
        for j in jobs {
            jobs_tx.send(j).unwrap();
        }
    };
    // Wait for the first page and the exact count.
    let start = Instant::now();
    while !panel.matches().is_some_and(|m| m.exact) || panel.row(0).is_none() {
        send(frame(&ctx, &mut panel, &op));
        while let Ok(a) = answers.recv_timeout(VSYNC) {
            send(shell(&op, |sh| panel.on_answer(users_answer(a), sh)));
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no count");
    }
    let total = panel.total().unwrap();
    let last = ((total as f64 * fraction) as u64).min(total - 1);
    panel.scroll_to_row(last);
    let jumped = Instant::now();
    let mut frames = 0;
    loop {
        let t = Instant::now();
        send(frame(&ctx, &mut panel, &op));
        frames += 1;
        if panel.row(last).is_some() {
            // This frame already drew them.
            break;
        }
        while let Ok(a) = answers.recv_timeout(VSYNC.saturating_sub(t.elapsed())) {
            send(shell(&op, |sh| panel.on_answer(users_answer(a), sh)));
        }
        assert!(frames < 10_000, "the last rows never came");
    }
    // Frames that drew placeholders, plus the one that drew real rows.
    (frames, ms(jumped.elapsed()), last + 1, total)
}

/// The scroll jumps (the end, the middle and other places), and the exact count the table
/// asks for after its first page, alone and with the signposts the jumps are read from.
fn print_scroll(large: &Path) {
    for fraction in [1.0, 0.5, 0.1, 0.73] {
        let (frames, after, row, rows) = scroll_jump(large, fraction);
        println!(
            "Scroll jump to row {row} of {rows}: real rows in frame {frames} at 60 Hz ({after:.1} ms) (goal <= 2)"
        );
    }
    let (svc, _) = sign_in(large);
    let f = spr_console::core::model::UserFilter {
        locked_first: true,
        ..Default::default()
    };
    let count = median_of_5(|| {
        svc.count_users(&f).unwrap();
    });
    let with = median_of_5(|| {
        svc.count_users_with_anchors(&f).unwrap();
    });
    println!(
        "Exact count of every user (median of 5): {count:.1} ms alone, {with:.1} ms with the signposts"
    );
    // The page itself, read the old way (a walk past every row above it, or backwards from
    // the end past the middle) and from the signpost before it, same data, same run.
    let (n, anchors) = svc.count_users_with_anchors(&f).unwrap();
    for fraction in [0.1, 0.5] {
        let offset = (n as f64 * fraction) as u64;
        let (old, new) = deep_page(&svc, &f, n, &anchors, offset);
        println!(
            "Page of 200 at row {offset} (median of 5): {old:.2} ms walking, {new:.2} ms from its signpost (ratio {:.1})",
            old / new
        );
    }
}

/// From a new console to the sign-in screen, and the first frame alone.
fn start_up(path: &Path) -> (f64, f64) {
    let mut to_sign_in = Vec::new();
    let mut first = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let mut h = Harness::builder()
            .with_size([1280.0, 800.0])
            .build_ui_state(
                |ui, app: &mut ConsoleApp| app.ui_root(ui),
                ConsoleApp::new(path),
            );
        first.push(t.elapsed());
        loop {
            if h.query_by_label_contains("Sign in to spr-console")
                .is_some()
            {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
            h.step();
            assert!(t.elapsed() < Duration::from_secs(30), "no sign-in screen");
        }
        to_sign_in.push(t.elapsed());
    }
    (ms(median(first)), ms(median(to_sign_in)))
}

/// `reset complete` and one argon2id verify (production parameters), history 5 filled.
fn reset_ratio() -> (f64, f64) {
    let dir = tempfile::tempdir().unwrap();
    let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap());
    let store = Store::open(&dir.path().join("reset.sqlite3")).unwrap();
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
    // Verifies and resets alternate, so both see the same load on a shared machine.
    let mut verify = Vec::new();
    let mut complete = Vec::new();
    // The first four fill the history to five passwords; the rest are timed.
    for i in 0..25 {
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
        if i >= 4 {
            complete.push(t.elapsed());
            let t = Instant::now();
            assert!(hasher.verify("some password", &phc));
            verify.push(t.elapsed());
        }
        clock.advance(chrono::Duration::minutes(1));
    }
    (ms(median(verify)), ms(median(complete)))
}

/// Writes `n` import rows.
fn import_file(path: &Path, n: u32) {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "login,first,last,email,text_email,spr").unwrap();
    for i in 0..n {
        writeln!(
            w,
            "imp{i:07},First{},Last{},imp{i:07}@example.org,{},{}",
            i % 97,
            i % 89,
            if i % 7 == 0 {
                format!("555{:07}@vtext.com", i)
            } else {
                String::new()
            },
            if i % 3 == 0 { "on" } else { "off" }
        )
        .unwrap();
    }
    w.flush().unwrap();
}

/// The console's import through its binary (seconds, peak RSS in MB), and the sqlite3
/// shell's `.import` of the same file into a table with the same unique key and indexes.
fn import_vs_sqlite(dir: &Path, n: u32) -> (f64, f64, f64) {
    let csv = dir.join("import.csv");
    import_file(&csv, n);
    let db = dir.join("import.sqlite3");
    demo::create(&db, 0).unwrap();
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(BIN)
        .arg("--db")
        .arg(&db)
        .args(["user", "import", "--provider", demo::PROVIDER])
        .arg(&csv)
        .env("SPR_OPERATOR", demo::OPERATOR)
        .env("SPR_OPERATOR_PASSWORD", demo::OPERATOR_PASSWORD)
        .env_remove("SPR_CONSOLE_DB")
        .output()
        .unwrap();
    let ours = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let rss_kb: f64 = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN);
    let floor_db = dir.join("floor.sqlite3");
    let script = format!(
        "PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE users (login TEXT NOT NULL COLLATE NOCASE, first TEXT NOT NULL COLLATE NOCASE,
  last TEXT NOT NULL COLLATE NOCASE, email TEXT COLLATE NOCASE, text_email TEXT COLLATE NOCASE,
  spr TEXT, UNIQUE (login));
CREATE INDEX users_first ON users (first COLLATE NOCASE);
CREATE INDEX users_last ON users (last COLLATE NOCASE);
CREATE INDEX users_email ON users (email COLLATE NOCASE);
CREATE INDEX users_text_email ON users (text_email COLLATE NOCASE);
.import --csv --skip 1 {} users
SELECT COUNT(*) FROM users;
",
        csv.display()
    );
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&floor_db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let floor = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (ours.as_secs_f64(), floor.as_secs_f64(), rss_kb / 1024.0)
}

/// A fresh database on the server named by `SPR_BENCH_POSTGRES_URL` (a URL whose role may
/// CREATE DATABASE); returns its URL and a closure-free name to drop afterwards.
fn pg_database(admin: &str, tag: &str) -> (String, String) {
    let name = format!("spr_scale_{tag}_{}", std::process::id());
    let mut client = postgres::Client::connect(admin, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = &admin[..admin.rfind('/').expect("the URL names a database")];
    (format!("{base}/{name}"), name)
}

fn pg_drop(admin: &str, name: &str) {
    let mut client = postgres::Client::connect(admin, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
}

/// The search and import figures on PostgreSQL (issue 13 on the second engine): `big`
/// users copied from a demo file with `db copy`, the four keystrokes, then an import of
/// `big` rows through the binary into a second server database, beside the same import into
/// a file, all in this run.
fn postgres_figures(admin: &str, dir: &Path, big: u32) {
    use spr_console::store::Location;
    let file = dir.join("pg-source.sqlite3");
    demo::create(&file, big).unwrap();
    let (url, name) = pg_database(admin, "search");
    let source = Service::open(&file).unwrap();
    let op = source
        .operator_check(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap()
        .unwrap();
    let t = Instant::now();
    source
        .copy_to(&op, &Location::parse(&url), |_, _| {})
        .unwrap();
    println!(
        "PostgreSQL: db copy of {big} generated users: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut svc = Service::open_at(&Location::parse(&url)).unwrap();
    svc.operator_login(demo::OPERATOR, demo::OPERATOR_PASSWORD)
        .unwrap();
    let mut file_svc = Service::open(&file).unwrap();
    println!("Search keystroke at {big} users, first page: PostgreSQL | SQLite file, same run:");
    for q in ["u", "user0", "Kim", "nobody"] {
        let (pg_first, matches, pg_count, _) = keystroke(&mut svc, q);
        let (sq_first, _, sq_count, _) = keystroke(&mut file_svc, q);
        println!(
            "  {q:<7} first page {pg_first:.3} | {sq_first:.3} ms (ratio {:.2}) [{matches}]; exact count {pg_count:.1} | {sq_count:.1} ms",
            pg_first / sq_first
        );
    }
    // A page deep in the list on the server: walking, and from its signpost.
    let f = spr_console::core::model::UserFilter {
        locked_first: true,
        ..Default::default()
    };
    let t = Instant::now();
    let (n, anchors) = svc.count_users_with_anchors(&f).unwrap();
    let counted = ms(t.elapsed());
    let offset = n / 2;
    let (walking, signposted) = deep_page(&svc, &f, n, &anchors, offset);
    println!(
        "PostgreSQL: exact count with signposts {counted:.1} ms; page of 200 at row {offset}: {walking:.2} ms walking, {signposted:.2} ms from its signpost (median of 5)"
    );
    drop(svc);
    pg_drop(admin, &name);

    let csv = dir.join("pg-import.csv");
    import_file(&csv, big);
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .env("SPR_OPERATOR", demo::OPERATOR)
            .env("SPR_OPERATOR_PASSWORD", demo::OPERATOR_PASSWORD)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A server database with spr-console's schema and the provider, for each of the two.
    let fresh = |tag: &str| {
        let (url, name) = pg_database(admin, tag);
        run(&["--db", &url, "init"]);
        run(&[
            "--db",
            &url,
            "provider",
            "add",
            demo::PROVIDER,
            "--name",
            "Demo",
        ]);
        (url, name)
    };
    let import = |db: &str| {
        let t = Instant::now();
        run(&[
            "--db",
            db,
            "user",
            "import",
            "--provider",
            demo::PROVIDER,
            &csv.display().to_string(),
        ]);
        t.elapsed().as_secs_f64()
    };
    let (import_url, import_name) = fresh("import");
    let pg = import(&import_url);
    pg_drop(admin, &import_name);
    let (floor_url, floor_name) = fresh("floor");
    let floor = pg_copy_floor(&floor_url, &csv);
    pg_drop(admin, &floor_name);
    let file_db = dir.join("pg-import-file.sqlite3");
    demo::create(&file_db, 0).unwrap();
    let sq = import(&file_db.display().to_string());
    println!(
        "Import of {big} rows through the binary: PostgreSQL {pg:.2} s | SQLite file {sq:.2} s (ratio {:.2})",
        pg / sq
    );
    println!(
        "PostgreSQL's own COPY of the same rows into the same users table (its floor): {floor:.2} s; import / COPY {:.2}",
        pg / floor
    );
}

/// Seconds for PostgreSQL's `COPY … FROM STDIN` of the import file's rows into the users
/// table of `url` (the same table, indexes and unique key the import writes to): the
/// server's own floor for the import, as the sqlite3 shell's `.import` is the file's.
fn pg_copy_floor(url: &str, csv: &Path) -> f64 {
    use std::io::{BufRead, Write};
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let provider: i64 = client
        .query_one("SELECT id FROM providers", &[])
        .unwrap()
        .get(0);
    let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(csv).unwrap())
        .lines()
        .skip(1)
        .map(Result::unwrap)
        .collect();
    let t = Instant::now();
    let mut w = client
        .copy_in(
            "COPY users (provider_id, login, first, last, email, text_email, spr_enabled, created_at) \
             FROM STDIN WITH (FORMAT csv)",
        )
        .unwrap();
    for line in &lines {
        let (rest, spr) = line.rsplit_once(',').unwrap();
        let spr = u8::from(spr == "on");
        writeln!(w, "{provider},{rest},{spr},2026-12-02T00:00:00Z").unwrap();
    }
    w.finish().unwrap();
    t.elapsed().as_secs_f64()
}

fn print_reset() {
    let (verify, complete) = reset_ratio();
    println!(
        "argon2id verify {verify:.1} ms; reset complete (history 5) {complete:.1} ms; ratio {:.2} (goal <= 5), {} cores; load {}",
        complete / verify,
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        load()
    );
}

fn main() {
    // `cargo test --benches` runs this too (without the `--bench` that `cargo bench`
    // passes): keep that quick.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let big: u32 = if smoke {
        2_000
    } else {
        std::env::var("SPR_SCALE_USERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000)
    };
    println!("load average at start: {}", load());
    // `SPR_SCALE_ONLY=reset`: only the reset figure (a quick check on a quieter moment).
    let only = std::env::var("SPR_SCALE_ONLY").unwrap_or_default();
    if only == "reset" {
        print_reset();
        return;
    }
    // `SPR_SCALE_ONLY=import`: only the import against the sqlite3 shell's floor.
    if only == "import" {
        let dir = tempfile::tempdir().unwrap();
        let (ours, floor, rss) = import_vs_sqlite(dir.path(), big);
        println!(
            "import of {big} rows: {ours:.2} s; sqlite3 .import {floor:.2} s; ratio {:.2} (goal <= 1.5); peak RSS {rss:.0} MB; load {}",
            ours / floor,
            load()
        );
        return;
    }
    // `SPR_SCALE_ONLY=postgres` with `SPR_BENCH_POSTGRES_URL`: the search and import figures
    // on the server beside the file's.
    if only == "postgres" {
        let admin = std::env::var("SPR_BENCH_POSTGRES_URL")
            .expect("SPR_SCALE_ONLY=postgres needs SPR_BENCH_POSTGRES_URL (scripts/pg-test-server.sh start prints one)");
        let dir = tempfile::tempdir().unwrap();
        postgres_figures(&admin, dir.path(), big);
        println!("load average at the end: {}", load());
        return;
    }
    // `SPR_SCALE_ONLY=scroll`: only the scroll jumps, and what the signposts cost the count.
    if only == "scroll" {
        let dir = tempfile::tempdir().unwrap();
        let large = dir.path().join("large.sqlite3");
        demo::create(&large, big).unwrap();
        print_scroll(&large);
        println!("load average at the end: {}", load());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.sqlite3");
    let large = dir.path().join("large.sqlite3");
    let empty = dir.path().join("empty.sqlite3");
    demo::create(&small, 100).unwrap();
    demo::create(&empty, 0).unwrap();
    let t = Instant::now();
    demo::create(&large, big).unwrap();
    println!(
        "demo database with {big} generated users: {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let (f_small, n_small) = frame_cost(&small);
    let (f_large, n_large) = frame_cost(&large);
    println!("Users frame, {n_small} rows: median {f_small:.3} ms");
    println!("Users frame, {n_large} rows: median {f_large:.3} ms");
    println!(
        "ratio large / small: {:.2} (goal <= 1.2)",
        f_large / f_small
    );

    let (mut svc, _) = sign_in(&large);
    println!("Search keystroke at {big} users, first page (goal <= 5 ms), then the exact count:");
    // The four of the goal, then the plans' edge: 10,000 and 1,000 matches.
    for q in ["u", "user0", "Kim", "nobody", "user000", "user0001"] {
        let (first, matches, count, exact) = keystroke(&mut svc, q);
        println!(
            "  {q:<7} first page {first:.3} ms [{matches}]; exact count {exact} in {count:.1} ms"
        );
    }
    // The Provider panel (shown first after sign-in) asks for its provider's counts.
    let provider = svc.provider(demo::PROVIDER).unwrap();
    let t = Instant::now();
    let counts = spr_console::store::providers::counts(svc.store().conn(), provider.id).unwrap();
    println!(
        "Provider panel counts at {big} users ({} users): {:.1} ms, on the worker after sign-in",
        counts.users,
        ms(t.elapsed())
    );
    drop(svc);

    print_scroll(&large);

    let (first_empty, sign_empty) = start_up(&empty);
    let (first_large, sign_large) = start_up(&large);
    println!(
        "Console start, empty database: first frame {first_empty:.2} ms, sign-in screen at {sign_empty:.1} ms"
    );
    println!(
        "Console start, {big} users: first frame {first_large:.2} ms, sign-in screen at {sign_large:.1} ms"
    );
    println!(
        "ratio large / empty: first frame {:.2}, sign-in screen {:.2} (goal <= 1.2)",
        first_large / first_empty,
        sign_large / sign_empty
    );

    print_reset();

    if !smoke {
        let (ours, floor, rss) = import_vs_sqlite(dir.path(), big);
        println!(
            "Import of {big} rows: spr-console {ours:.2} s, sqlite3 .import {floor:.2} s, ratio {:.2} (goal <= 1.5); peak RSS {rss:.0} MB (goal <= 300)",
            ours / floor
        );
    }
    println!("load average at end: {}", load());
}
