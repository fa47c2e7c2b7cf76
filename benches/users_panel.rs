//! The Users panel's frame cost at 100 and at 100,000 users, and the cost of a search
//! keystroke's query at 100,000 users. Not a timed test: run it and read the figures.
//!
//! `cargo bench --bench users_panel` (release). Headless through egui at 1280 × 800: without
//! a screen rect in `RawInput` egui assumes 10,000 × 10,000 and builds far more rows.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use egui::{Pos2, RawInput, Rect, Vec2};
use spr_console::core::Service;
use spr_console::core::model::Operator;
use spr_console::store::users::UserFilter;
use spr_console::ui::data::{self, DataJob, UsersAnswer};
use spr_console::ui::users::UsersPanel;
use spr_console::ui::view::Shell;
use spr_console::ui::worker::{Answer, Job};

const FRAMES: usize = 300;

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

/// Runs frames, answering the panel's jobs inline (the worker's part), until it asks nothing.
fn settle(ctx: &egui::Context, panel: &mut UsersPanel, op: &Operator, svc: &mut Service) {
    for _ in 0..20 {
        let jobs = frame(ctx, panel, op);
        if jobs.is_empty() {
            return;
        }
        // The answers ask for more (the exact count after a bounded one): answer those too.
        let mut jobs = jobs;
        while let Some(j) = jobs.pop() {
            let Answer::Users(a) = data::handle(svc, j) else {
                panic!("not an answer for the Users panel");
            };
            jobs.extend(shell(op, |sh| panel.on_answer(a, sh)));
        }
    }
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let median = v[v.len() / 2].as_secs_f64() * 1e3;
    let mean = v.iter().map(Duration::as_secs_f64).sum::<f64>() / v.len() as f64 * 1e3;
    (median, mean)
}

fn database(users: u32) -> (tempfile::TempDir, Service, Operator) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite3");
    spr_console::core::demo::create(&path, users).unwrap();
    let mut svc = Service::open(&path).unwrap();
    let op = svc
        .operator_login(
            spr_console::core::demo::OPERATOR,
            spr_console::core::demo::OPERATOR_PASSWORD,
        )
        .unwrap();
    (dir, svc, op)
}

/// Median and mean milliseconds per frame of the Users panel with `users` generated users.
fn frame_cost(users: u32) -> (f64, f64, u64) {
    let (_dir, mut svc, op) = database(users);
    let ctx = egui::Context::default();
    let mut panel = UsersPanel::default();
    settle(&ctx, &mut panel, &op, &mut svc);
    let total = panel.total().unwrap_or(0);
    let mut times = Vec::with_capacity(FRAMES);
    for _ in 0..FRAMES {
        let t = Instant::now();
        let jobs = frame(&ctx, &mut panel, &op);
        times.push(t.elapsed());
        assert!(jobs.is_empty(), "the visible rows are cached");
    }
    let (median, mean) = stats(times);
    (median, mean, total)
}

/// The worker's part of one search keystroke at 100,000 users: the first page with the
/// matches counted up to `user_pages::COUNT_BOUND` (the exact count follows as its own job).
fn keystroke_cost() -> Vec<(String, f64, f64, u64)> {
    let (_dir, mut svc, _op) = database(100_000);
    let mut out = Vec::new();
    for q in [
        "u", "us", "user", "user0", "user01", "user012", "Kim", "Lop", "nobody",
    ] {
        let filter = UserFilter {
            search: Some(q.to_owned()),
            ..UserFilter::default()
        };
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..30 {
            let t = Instant::now();
            let a = data::handle(
                &mut svc,
                DataJob::UserQuery {
                    generation: 1,
                    filter: filter.clone(),
                },
            );
            times.push(t.elapsed());
            if let Answer::Users(UsersAnswer::UserQuery {
                result: Ok((matches, _)),
                ..
            }) = a
            {
                n = matches.n;
            }
        }
        let (median, mean) = stats(times);
        out.push((q.to_owned(), median, mean, n));
    }
    out
}

fn main() {
    // `cargo test --benches` runs this too: keep that quick.
    if std::env::args().any(|a| a == "--test") {
        let (m, _, n) = frame_cost(100);
        println!("smoke: {n} users, {m:.3} ms per frame");
        return;
    }
    let (m100, a100, n100) = frame_cost(100);
    println!("Users panel frame, {n100} users: median {m100:.3} ms, mean {a100:.3} ms");
    let (mbig, abig, nbig) = frame_cost(100_000);
    println!("Users panel frame, {nbig} users: median {mbig:.3} ms, mean {abig:.3} ms");
    println!("ratio (100,000 / 100, median): {:.2}", mbig / m100);
    println!(
        "Search keystroke at 100,000 users (count + first page of {}):",
        data::USER_PAGE
    );
    for (q, median, mean, n) in keystroke_cost() {
        println!("  {q:<8} {n:>6} matches: median {median:.3} ms, mean {mean:.3} ms");
    }
}
