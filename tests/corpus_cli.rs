//! The nastiest typed inputs, through the real binary (issue 10): terminal escapes, bells,
//! 120,000-character names, bidi overrides, formula payloads, SQL, invalid UTF-8. None may
//! panic, reach a terminal raw, grow the file, or land in the audit log unchecked.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::process::Command;

use common::{ADMIN_PW, USER_PW};

fn corpus() -> Vec<OsString> {
    let mut v: Vec<OsString> = [
        "\u{1b}[2J\u{1b}[H".to_owned(),
        "evil\u{1b}]0;pwned\u{7}".to_owned(),
        "bell\u{7}\u{7}\u{7}".to_owned(),
        "x".repeat(120_000),
        "👩‍⚕️".repeat(70),
        "\u{202e}nimda".to_owned(),
        "zero\u{200b}width".to_owned(),
        "=HYPERLINK(\"http://evil.example\",\"click\")".to_owned(),
        "@SUM(1+1)*cmd|' /C calc'!A0".to_owned(),
        "'; DROP TABLE users; --".to_owned(),
        "%_%".to_owned(),
        "../../etc/passwd".to_owned(),
        "line\r\nbreak".to_owned(),
        "\t-leading tab".to_owned(),
        String::new(),
        " ".repeat(300),
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    v.push(OsString::from_vec(vec![0x66, 0x6f, 0xff, 0xfe, 0x6f]));
    v
}

fn run(db: &std::path::Path, args: &[OsString], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spr-console"));
    c.args(args)
        .env("SPR_CONSOLE_DB", db)
        .env_remove("SPR_TOKEN")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_nastiest_inputs_are_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spr.sqlite3");
    let admin = [
        ("SPR_OPERATOR", "root"),
        ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
        ("SPR_USER_PASSWORD", USER_PW),
        ("SPR_NEW_PASSWORD", "tundra-Lantern-slow-8830"),
    ];
    let os = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>();
    let setup: [&[&str]; 3] = [
        &["init", "--operator", "root"],
        &["provider", "add", "ACME", "--name", "Acme"],
        &["provider", "set", "ACME", "--spr", "on"],
    ];
    for args in setup {
        assert_eq!(run(&db, &os(args), &admin).0, 0);
    }
    let r = run(
        &db,
        &os(&[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--email",
            "jdoe@example.org",
        ]),
        &admin,
    );
    assert_eq!(r.0, 0, "{}", r.2);
    let before = std::fs::metadata(&db).unwrap().len();
    let mut runs = 0;
    for input in corpus() {
        let with = |args: &[&str], at: usize| {
            let mut v = os(args);
            v.insert(at, input.clone());
            v
        };
        let commands = [
            with(
                &[
                    "reset",
                    "request",
                    "--provider",
                    "ACME",
                    "--address",
                    "jdoe@example.org",
                    "--login",
                ],
                7,
            ),
            with(
                &[
                    "reset",
                    "request",
                    "--provider",
                    "ACME",
                    "--login",
                    "jdoe",
                    "--address",
                ],
                7,
            ),
            with(
                &[
                    "reset",
                    "request",
                    "--login",
                    "jdoe",
                    "--address",
                    "jdoe@example.org",
                    "--provider",
                ],
                7,
            ),
            with(
                &[
                    "reset",
                    "complete",
                    "--provider",
                    "ACME",
                    "--login",
                    "jdoe",
                    "--token",
                ],
                7,
            ),
            with(&["reset", "resend", "--provider", "ACME", "--login"], 5),
            with(&["login", "--provider", "ACME", "--login"], 4),
            with(
                &[
                    "user",
                    "configure",
                    "--provider",
                    "ACME",
                    "--login",
                    "jdoe",
                    "--email",
                ],
                7,
            ),
            with(
                &[
                    "user",
                    "unlock",
                    "--provider",
                    "ACME",
                    "--login",
                    "jdoe",
                    "--reason",
                ],
                7,
            ),
            with(&["provider", "add", "--name", "x"], 2),
            with(&["user", "list", "--search"], 3),
            with(&["audit", "--login"], 2),
        ];
        for args in commands {
            let (code, stdout, stderr) = run(&db, &args, &admin);
            runs += 1;
            let shown = format!(
                "{:?}",
                &args
                    .iter()
                    .map(|a| a.to_string_lossy().chars().take(30).collect::<String>())
                    .collect::<Vec<_>>()
            );
            assert!(matches!(code, 0 | 2 | 3), "{shown}: exit {code}: {stderr}");
            assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
            for out in [&stdout, &stderr] {
                assert!(
                    !out.chars().any(|c| c.is_control() && c != '\n'),
                    "{shown}: raw control character in {out:?}"
                );
            }
            assert!(
                stderr.len() < 2_000,
                "{shown}: {} bytes on stderr",
                stderr.len()
            );
        }
    }
    assert!(runs > 150);
    // Nothing typed reached the audit log past its limit or with a control character.
    let c = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = c
        .prepare("SELECT COALESCE(provider, ''), COALESCE(login, ''), detail FROM audit")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (provider, login, detail) in rows {
        assert!(
            provider.chars().count() <= 32 && login.chars().count() <= 64,
            "{login}"
        );
        for s in [&provider, &login, &detail] {
            assert!(!s.chars().any(char::is_control), "{s:?}");
        }
    }
    let after = std::fs::metadata(&db).unwrap().len();
    assert!(
        after < before + 512 * 1024,
        "the file grew from {before} to {after} bytes"
    );
    let v = run(&db, &os(&["audit", "verify", "--json"]), &admin);
    assert_eq!(v.0, 0, "{}", v.2);
}
