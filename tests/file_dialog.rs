//! The native file dialog, for real: the console built without typed paths asks `rfd`, which
//! on Linux (no desktop portal here) runs `zenity`; the test answers zenity's window with
//! keystrokes through `xdotool`, on a private Xvfb display, and the console saves its backup
//! copy where the operator typed.
//!
//! zenity needs a display, and a test may not change its own environment (`set_var` is
//! unsafe), so the test starts Xvfb and runs itself again with `DISPLAY` set: the child
//! does the work, the parent checks that it passed.
//!
//! Needs `xvfb xdotool zenity` (Debian packages). Where they are missing the test says so
//! and passes, unless `SPR_TEST_REQUIRE_DIALOG=1` (CI and the release workflow set it, and
//! install them), which turns a missing tool into a failure.

// Test code may unwrap: a failed unwrap there is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::ui::{ADMIN, ADMIN_PW, PATIENCE, console_with, sign_in, wait_for, world};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use spr_console::core::Service;
use spr_console::ui::ConsoleApp;
use spr_console::ui::file_menu::dialog_unavailable_reason;

/// Set in the child run: the display where zenity shows.
const CHILD: &str = "SPR_TEST_DIALOG_CHILD";
const TEST_NAME: &str =
    "file_menu_backup_copy_through_the_native_dialog_saves_where_the_operator_typed";

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Kills the process when dropped (Xvfb, a zenity left open by a failed run).
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn file_menu_backup_copy_through_the_native_dialog_saves_where_the_operator_typed() {
    match std::env::var(CHILD) {
        Ok(display) => child(&display),
        Err(_) => parent(),
    }
}

/// Starts Xvfb and runs this test again inside it.
fn parent() {
    let missing: Vec<&str> = ["Xvfb", "xdotool", "zenity"]
        .into_iter()
        .filter(|p| !on_path(p))
        .collect();
    if !missing.is_empty() {
        let why = format!(
            "the native file dialog cannot be driven here: {} missing (apt-get install xvfb xdotool zenity)",
            missing.join(", ")
        );
        assert!(
            std::env::var_os("SPR_TEST_REQUIRE_DIALOG").is_none(),
            "{why}, and SPR_TEST_REQUIRE_DIALOG is set"
        );
        eprintln!("skipped: {why}");
        return;
    }
    // A display number nobody uses.
    let n = (150..250)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number");
    let display = format!(":{n}");
    let _xvfb = Reaped(
        Command::new("Xvfb")
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
        assert!(start.elapsed() < PATIENCE, "Xvfb did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &display)
        .env("DISPLAY", &display)
        // No session bus: rfd falls back from the desktop portal to zenity at once, and
        // GTK keeps its settings in memory instead of asking dconf over the bus.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("WAYLAND_DISPLAY")
        .env("GSETTINGS_BACKEND", "memory")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the run under Xvfb failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the run under Xvfb ran no test:\n{text}"
    );
}

/// Inside Xvfb: the console asks rfd, zenity shows, the keystrokes answer it.
fn child(display: &str) {
    let (dir, path) = world();
    let backup = dir.path().join("native").join("backup-by-zenity.sqlite3");
    std::fs::create_dir_all(backup.parent().unwrap()).unwrap();
    assert_eq!(
        dialog_unavailable_reason(),
        None,
        "with zenity installed the console must use the native dialog"
    );

    let mut h = console_with(ConsoleApp::new(&path));
    sign_in(&mut h, ADMIN, ADMIN_PW);
    wait_for(&mut h, "ACME — Acme Care");
    h.get_by_role_and_label(Role::Button, "File").click();
    h.step();
    h.step();
    h.get_by_role_and_label(Role::Button, "Save a backup copy…")
        .click();
    h.step();
    h.step();
    assert!(
        h.query_by_label("File path").is_none(),
        "the typed-path window showed instead of the native dialog"
    );

    // zenity's window appears; focus it (there is no window manager) and type the path
    // over the suggested file name.
    let start = Instant::now();
    let window = loop {
        h.step();
        let found = xdotool(display, &["search", "--onlyvisible", "--class", "zenity"]);
        if let Some(id) = found.lines().next() {
            break id.trim().to_owned();
        }
        assert!(start.elapsed() < PATIENCE, "no zenity window appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    xdotool(display, &["windowfocus", "--sync", &window]);
    xdotool(display, &["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(display, &["type", "--delay", "5", backup.to_str().unwrap()]);
    xdotool(display, &["key", "Return"]);

    wait_for(&mut h, "Backup copy saved to");
    wait_for(&mut h, &backup.display().to_string());
    let copy = Service::open(&backup).expect("the backup copy opens");
    assert_eq!(copy.provider("ACME").unwrap().name, "Acme Care");
    assert_eq!(h.state().operator().unwrap().login, ADMIN);
}
