//! Command-line stories through the real binary on a real database file (SPEC §4).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{ADMIN_PW, NEW_PW, Run, USER_PW, token_in, wrong_token};
use serde_json::Value;

const DESK_PW: &str = "violet-Copper-stream-77";

struct Cli {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("spr.sqlite3");
        Self { _dir: dir, db }
    }

    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        common::command(&self.db, args, env)
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        common::run(&self.db, args, env)
    }

    fn admin(&self, args: &[&str]) -> Run {
        self.run(
            args,
            &[
                ("SPR_OPERATOR", "root"),
                ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
            ],
        )
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.admin(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        r
    }

    /// init, provider ACME with SPR on, user jdoe with SPR on and an email.
    fn ready() -> Self {
        let cli = Self::new();
        let r = cli.run(
            &["init", "--operator", "root"],
            &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        cli.ok(&["provider", "add", "ACME", "--name", "Acme Care"]);
        cli.ok(&[
            "provider",
            "set",
            "ACME",
            "--spr",
            "on",
            "--max-incorrect",
            "3",
        ]);
        let r = cli.run(
            &[
                "user",
                "add",
                "--provider",
                "ACME",
                "--login",
                "jdoe",
                "--first",
                "John",
                "--last",
                "Doe",
                "--email",
                "jdoe@example.org",
            ],
            &[
                ("SPR_OPERATOR", "root"),
                ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
                ("SPR_NEW_PASSWORD", USER_PW),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        cli.ok(&["user", "spr", "--provider", "ACME", "--login", "jdoe", "on"]);
        cli
    }

    fn request(&self, address: &str) -> Run {
        self.run(
            &[
                "--json",
                "reset",
                "request",
                "--provider",
                "ACME",
                "--login",
                "jdoe",
                "--address",
                address,
            ],
            &[],
        )
    }

    fn resend(&self) -> Run {
        self.run(
            &[
                "--json",
                "reset",
                "resend",
                "--provider",
                "ACME",
                "--login",
                "jdoe",
            ],
            &[],
        )
    }

    fn complete(&self, token: &str, pw: &str) -> Run {
        self.run(
            &[
                "reset",
                "complete",
                "--provider",
                "ACME",
                "--login",
                "jdoe",
                "--token",
                token,
                "--json",
            ],
            &[("SPR_NEW_PASSWORD", pw)],
        )
    }

    fn last_token(&self) -> String {
        let out = self.ok(&["outbox", "--last", "1", "--json"]).json();
        token_in(out[0]["body"].as_str().unwrap()).expect("token in outbox")
    }

    fn last_reason(&self) -> String {
        let events = self.ok(&["audit", "--format", "json"]).json();
        let last = events.as_array().unwrap().last().unwrap().clone();
        last["reason"].as_str().unwrap_or("").to_owned()
    }

    fn sql(&self, sql: &str) {
        let c = rusqlite::Connection::open(&self.db).unwrap();
        c.execute_batch(sql).unwrap();
    }
}

fn assert_refused(r: &Run, reason: &str, cli: &Cli) {
    assert_eq!(r.code, 3, "{reason}: {} {}", r.stdout, r.stderr);
    let v = r.json();
    assert!(v["outcome"] == "denied" || v["outcome"] == "error", "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(cli.last_reason(), reason);
}

#[test]
fn a_full_reset_story_through_the_command_line() {
    let cli = Cli::ready();
    let r = cli.request("jdoe@example.org");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["outcome"], "ok");
    let tok = cli.last_token();
    let r = cli.complete(&wrong_token(&tok), NEW_PW);
    assert_refused(&r, "token_incorrect", &cli);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("2 more incorrect entries"),
        "{}",
        r.stdout
    );
    let r = cli.complete(&tok, NEW_PW);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["outcome"], "ok");
    let r = cli.run(
        &["login", "--provider", "ACME", "--login", "jdoe", "--json"],
        &[("SPR_USER_PASSWORD", NEW_PW)],
    );
    assert_eq!((r.code, r.json()["outcome"].as_str()), (0, Some("ok")));
    let r = cli.run(
        &["login", "--provider", "ACME", "--login", "jdoe", "--json"],
        &[("SPR_USER_PASSWORD", USER_PW)],
    );
    assert_refused(&r, "password_incorrect", &cli);
}

#[test]
fn every_request_reason_code_is_refused_with_exit_3_and_one_message() {
    let cli = Cli::ready();
    let r = cli.run(
        &[
            "--json",
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "ghost",
            "--address",
            "jdoe@example.org",
        ],
        &[],
    );
    assert_refused(&r, "unknown_account", &cli);
    let generic = r.json()["message"].clone();
    let r = cli.request("nobody@example.org");
    assert_refused(&r, "unknown_account", &cli);
    assert_eq!(r.json()["message"], generic);

    cli.ok(&["provider", "set", "ACME", "--spr", "off"]);
    let r = cli.request("jdoe@example.org");
    assert_refused(&r, "provider_spr_disabled", &cli);
    assert_eq!(r.json()["message"], generic, "no account enumeration");
    cli.ok(&["provider", "set", "ACME", "--spr", "on"]);

    cli.ok(&[
        "user",
        "spr",
        "--provider",
        "ACME",
        "--login",
        "jdoe",
        "off",
    ]);
    assert_refused(&cli.request("jdoe@example.org"), "user_spr_disabled", &cli);
    cli.ok(&["user", "spr", "--provider", "ACME", "--all", "on"]);

    cli.sql("UPDATE users SET email = NULL WHERE login = 'jdoe'");
    assert_refused(&cli.request("jdoe@example.org"), "spr_not_configured", &cli);
    cli.sql("UPDATE users SET email = 'jdoe@example.org' WHERE login = 'jdoe'");

    for (cmd, reason) in [
        ("deactivate", "account_deactivated"),
        ("delete", "account_deleted"),
    ] {
        cli.ok(&["user", cmd, "--provider", "ACME", "--login", "jdoe"]);
        assert_refused(&cli.request("jdoe@example.org"), reason, &cli);
        cli.sql("UPDATE users SET status = 'active' WHERE login = 'jdoe'");
    }

    cli.ok(&["provider", "set", "ACME", "--max-tokens-per-hour", "1"]);
    assert_eq!(cli.request("jdoe@example.org").code, 0);
    assert_refused(&cli.request("jdoe@example.org"), "rate_limited", &cli);
}

#[test]
fn every_change_password_reason_code_is_refused_with_exit_3() {
    let cli = Cli::ready();
    assert_refused(&cli.complete("2345-6789", NEW_PW), "no_active_token", &cli);
    let r = cli.resend();
    assert_refused(&r, "no_active_token", &cli);

    assert_eq!(cli.request("jdoe@example.org").code, 0);
    let tok = cli.last_token();
    let r = cli.complete(&tok, "short");
    assert_refused(&r, "password_policy", &cli);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("at least 15 characters")
    );

    // Resend works while the token is valid, and the old token stops working.
    let r = cli.resend();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let newer = cli.last_token();
    assert_refused(&cli.complete(&tok, NEW_PW), "token_incorrect", &cli);

    // Expiry: the stored validity is moved into the past, as the clock would.
    cli.sql("UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000Z'");
    let r = cli.complete(&newer, NEW_PW);
    assert_refused(&r, "token_expired", &cli);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("Forgot Password?")
    );
    let r = cli.resend();
    assert_refused(&r, "token_expired", &cli);

    // Locked: with 3 tolerated, the 4th consecutive wrong entry locks (1 counted above).
    cli.ok(&["provider", "set", "ACME", "--max-tokens-per-hour", "100"]);
    assert_eq!(cli.request("jdoe@example.org").code, 0);
    let tok = cli.last_token();
    for _ in 0..3 {
        assert_eq!(cli.complete(&wrong_token(&tok), NEW_PW).code, 3);
    }
    let user = cli
        .ok(&[
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--json",
        ])
        .json();
    assert_eq!(user["status"], "admin_locked");
    assert_eq!(user["failed_attempts"], 4);
    assert!(user["locked_at"].is_string());
    let events = cli.ok(&["audit", "--json"]).json();
    let n = events.as_array().unwrap().len();
    assert_eq!(events[n - 2]["action"], "account_locked");
    assert_refused(&cli.complete(&tok, NEW_PW), "account_admin_locked", &cli);

    let r = cli.ok(&[
        "user",
        "unlock",
        "--provider",
        "ACME",
        "--login",
        "jdoe",
        "--reason",
        "identity checked by phone",
        "--json",
    ]);
    assert_eq!(r.json()["status"], "active");
    assert_eq!(r.json()["failed_attempts"], 0);
}

#[test]
fn delivery_failure_is_exit_3_and_invalidates_the_token() {
    let cli = Cli::ready();
    // A port on loopback with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cli.ok(&[
        "mail",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--security",
        "none",
        "--from",
        "spr@example.org",
        "--timeout-secs",
        "3",
    ]);
    let r = cli.request("jdoe@example.org");
    assert_refused(&r, "delivery_failed", &cli);
    assert_eq!(r.json()["outcome"], "error");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("could not be sent")
    );
    cli.ok(&["mail", "set", "outbox"]);
    assert_refused(&cli.complete("2345-6789", NEW_PW), "no_active_token", &cli);
}

/// The JSON type a field of SPEC §4 must have.
#[derive(Clone, Copy, Debug)]
enum Ty {
    Str,
    /// A string or null.
    OptStr,
    Int,
    Bool,
    /// An RFC 3339 UTC time.
    Time,
    /// An RFC 3339 UTC time, or null.
    OptTime,
    /// An array of strings.
    Strings,
}

impl Ty {
    fn holds(self, v: &Value) -> bool {
        let time = |v: &Value| {
            v.as_str().is_some_and(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .is_ok_and(|t| t.offset().local_minus_utc() == 0)
            })
        };
        match self {
            Ty::Str => v.is_string(),
            Ty::OptStr => v.is_string() || v.is_null(),
            Ty::Int => v.is_i64() || v.is_u64(),
            Ty::Bool => v.is_boolean(),
            Ty::Time => time(v),
            Ty::OptTime => v.is_null() || time(v),
            Ty::Strings => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        }
    }
}

/// Fields every object of a shape must have, with their types (SPEC §4). A new field is
/// one line here.
const USER: &[(&str, Ty)] = &[
    ("provider", Ty::Str),
    ("login", Ty::Str),
    ("first", Ty::Str),
    ("last", Ty::Str),
    ("status", Ty::Str),
    ("spr_enabled", Ty::Bool),
    ("email", Ty::OptStr),
    ("text_email", Ty::OptStr),
    ("failed_attempts", Ty::Int),
    ("locked_at", Ty::OptTime),
];
const PROVIDER: &[(&str, Ty)] = &[
    ("code", Ty::Str),
    ("name", Ty::Str),
    ("spr_enabled", Ty::Bool),
    ("max_incorrect", Ty::Int),
    ("token_minutes", Ty::Int),
    ("min_length", Ty::Int),
    ("history", Ty::Int),
    ("max_tokens_per_hour", Ty::Int),
];
const AUDIT: &[(&str, Ty)] = &[
    ("at", Ty::Time),
    ("actor", Ty::Str),
    ("action", Ty::Str),
    ("provider", Ty::OptStr),
    ("login", Ty::OptStr),
    ("outcome", Ty::Str),
    ("reason", Ty::OptStr),
    ("detail", Ty::Str),
];
const OUTBOX: &[(&str, Ty)] = &[
    ("at", Ty::Time),
    ("to", Ty::Str),
    ("subject", Ty::OptStr),
    ("body", Ty::Str),
];
const FLOW: &[(&str, Ty)] = &[("outcome", Ty::Str), ("message", Ty::Str)];
/// Fields beyond the SPEC that a shape may carry; checked only when present.
const EXTRA: &[(&str, Ty)] = &[("contact_warnings", Ty::Strings), ("tries_left", Ty::Int)];

/// Every field of `shape` is in `v` with its type; any extra field that is known has its type.
#[track_caller]
fn assert_shape(what: &str, v: &Value, shape: &[(&str, Ty)]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not a JSON object: {v}"));
    for &(key, ty) in shape {
        let field = obj
            .get(key)
            .unwrap_or_else(|| panic!("{what} lacks \"{key}\": {v}"));
        assert!(ty.holds(field), "{what}: \"{key}\" is {field}, not {ty:?}");
    }
    for &(key, ty) in EXTRA {
        if let Some(field) = obj.get(key) {
            assert!(ty.holds(field), "{what}: \"{key}\" is {field}, not {ty:?}");
        }
    }
}

/// Every element of a JSON array has the shape; the array is not empty.
#[track_caller]
fn assert_each(what: &str, v: &Value, shape: &[(&str, Ty)]) -> usize {
    let items = v
        .as_array()
        .unwrap_or_else(|| panic!("{what} is not a JSON array: {v}"));
    assert!(!items.is_empty(), "{what} is empty");
    for (i, item) in items.iter().enumerate() {
        assert_shape(&format!("{what}[{i}]"), item, shape);
    }
    items.len()
}

#[test]
fn json_shapes_are_exactly_as_specified() {
    let cli = Cli::ready();
    // A second user, Admin Locked by wrong passwords (locked_at set, email null), beside
    // jdoe (locked_at null, text_email null): both forms of each nullable field are seen.
    let r = cli.run(
        &[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "amy",
            "--text-email",
            "5551234567@vtext.com",
        ],
        &[
            ("SPR_OPERATOR", "root"),
            ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
            ("SPR_NEW_PASSWORD", USER_PW),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for _ in 0..4 {
        let r = cli.run(
            &["login", "--provider", "ACME", "--login", "amy", "--json"],
            &[("SPR_USER_PASSWORD", "not-her-password")],
        );
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert_shape("login (refused)", &r.json(), FLOW);
    }

    let p = cli.ok(&["provider", "show", "acme", "--json"]).json();
    assert_shape("provider show", &p, PROVIDER);
    assert_eq!(p["spr_enabled"], true);
    assert_eq!(p["max_incorrect"], 3);

    let u = cli
        .ok(&[
            "--json",
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "JDOE",
        ])
        .json();
    assert_shape("user show", &u, USER);
    assert_eq!(u["status"], "active");
    assert_eq!(u["text_email"], Value::Null);
    assert_eq!(u["locked_at"], Value::Null);

    let list = cli
        .ok(&["user", "list", "--provider", "ACME", "--json"])
        .json();
    assert_eq!(assert_each("user list", &list, USER), 2);
    let amy = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == "amy")
        .unwrap();
    assert_eq!(amy["status"], "admin_locked");
    assert_eq!(amy["email"], Value::Null);
    assert!(amy["locked_at"].is_string(), "{amy}");

    // The reset results, whatever the outcome: ok, denied (uniform), and a wrong token.
    let r = cli.request("jdoe@example.org");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_shape("reset request (ok)", &r.json(), FLOW);
    assert_eq!(r.json()["outcome"], "ok");
    let r = cli.request("someone@example.org");
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_shape("reset request (refused)", &r.json(), FLOW);
    assert_eq!(r.json()["outcome"], "denied");
    let r = cli.resend();
    assert_shape("reset resend", &r.json(), FLOW);
    let r = cli.complete(&wrong_token(&cli.last_token()), NEW_PW);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_shape("reset complete (wrong token)", &r.json(), FLOW);

    let audit = cli.ok(&["audit", "--format", "json"]).json();
    assert_each("audit", &audit, AUDIT);
    let last = audit.as_array().unwrap().last().unwrap();
    assert_eq!(last["actor"], "user");
    assert_eq!(last["action"], "reset_complete");

    // Two messages to the mailbox and one to a phone (a text has no subject).
    cli.ok(&[
        "user",
        "unlock",
        "--provider",
        "ACME",
        "--login",
        "amy",
        "--reason",
        "identity checked by phone",
    ]);
    cli.ok(&["user", "spr", "--provider", "ACME", "--login", "amy", "on"]);
    let r = cli.run(
        &[
            "--json",
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "amy",
            "--address",
            "5551234567@vtext.com",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let outbox = cli.ok(&["outbox", "--json"]).json();
    assert_eq!(assert_each("outbox", &outbox, OUTBOX), 3);
    let text = outbox.as_array().unwrap().last().unwrap();
    assert_eq!(text["subject"], Value::Null, "{text}");

    let csv = cli.ok(&["audit", "--format", "csv"]).stdout;
    assert!(csv.starts_with("at,actor,action,provider,login,outcome,reason,detail"));
}

#[test]
fn exit_codes_for_usage_validation_and_refusal() {
    let cli = Cli::ready();
    assert_eq!(cli.admin(&["user", "list", "--bogus"]).code, 2, "bad flag");
    let r = cli.run(
        &[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "amy",
            "--email",
            "not-an-address",
        ],
        &[
            ("SPR_OPERATOR", "root"),
            ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
            ("SPR_NEW_PASSWORD", NEW_PW),
        ],
    );
    assert_eq!(r.code, 2, "malformed address: {}", r.stderr);
    let r = cli.admin(&["provider", "set", "ACME", "--max-incorrect", "101"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("between 1 and 100"), "{}", r.stderr);
    let r = cli.run(
        &["user", "list"],
        &[
            ("SPR_OPERATOR", "root"),
            ("SPR_OPERATOR_PASSWORD", "wrong-password"),
        ],
    );
    assert_eq!(r.code, 3, "wrong operator password");
    // A secret that is needed and unset, with no terminal: exit 2 naming the variable.
    let r = cli.run(
        &[
            "reset",
            "complete",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--token",
            "2345-6789",
        ],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("SPR_NEW_PASSWORD"), "{}", r.stderr);
    let r = cli.run(&["user", "list"], &[("SPR_OPERATOR", "root")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("SPR_OPERATOR_PASSWORD"), "{}", r.stderr);
    // Errors are one sentence on stderr, never a backtrace.
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    let v = cli.run(&["--version"], &[]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("spr-console "));
}

#[test]
fn db_and_json_are_accepted_before_or_after_the_subcommand() {
    let cli = Cli::ready();
    let db = cli.db.to_str().unwrap();
    let env = [
        ("SPR_OPERATOR", "root"),
        ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
    ];
    let mut a = cli.command(&["--db", db, "--json", "provider", "show", "ACME"], &env);
    let mut b = cli.command(&["provider", "show", "ACME", "--db", db, "--json"], &env);
    a.env_remove("SPR_CONSOLE_DB");
    b.env_remove("SPR_CONSOLE_DB");
    let (a, b) = (a.output().unwrap(), b.output().unwrap());
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn files_that_are_not_ours_are_exit_2_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("garbage.bin");
    std::fs::write(
        &p,
        b"this is not a database at all, just text, long enough to be a header? no.",
    )
    .unwrap();
    let before = std::fs::read(&p).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spr-console"))
        .args([
            "--db",
            p.to_str().unwrap(),
            "reset",
            "resend",
            "--provider",
            "ACME",
            "--login",
            "x",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an spr-console database"));
    assert_eq!(std::fs::read(&p).unwrap(), before);
}

#[test]
fn a_helpdesk_operator_may_look_and_reset_but_not_unlock_or_change_policy() {
    let cli = Cli::ready();
    let r = cli.run(
        &["operator", "add", "desk", "--role", "helpdesk"],
        &[
            ("SPR_OPERATOR", "root"),
            ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
            ("SPR_NEW_PASSWORD", DESK_PW),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let desk = |args: &[&str]| {
        cli.run(
            args,
            &[("SPR_OPERATOR", "desk"), ("SPR_OPERATOR_PASSWORD", DESK_PW)],
        )
    };
    for args in [
        &["provider", "show", "ACME"][..],
        &["user", "show", "--provider", "ACME", "--login", "jdoe"],
        &["user", "list"],
        &["audit"],
        &["outbox"],
    ] {
        assert_eq!(desk(args).code, 0, "{args:?}");
    }
    for args in [
        &["provider", "set", "ACME", "--max-incorrect", "9"][..],
        &[
            "user",
            "unlock",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--reason",
            "x",
        ],
        &["user", "spr", "--provider", "ACME", "--all", "off"],
        &[
            "user",
            "deactivate",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
        ],
        &["mail", "set", "outbox"],
        &["provider", "add", "NEWP", "--name", "New"],
    ] {
        let r = desk(args);
        assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("super admin"), "{}", r.stderr);
    }
    let p = cli.ok(&["provider", "show", "ACME", "--json"]).json();
    assert_eq!(p["max_incorrect"], 3, "unchanged");
}

#[test]
fn reading_commands_write_no_audit_event() {
    let cli = Cli::ready();
    let before = cli
        .ok(&["audit", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len();
    cli.ok(&["user", "show", "--provider", "ACME", "--login", "jdoe"]);
    cli.ok(&["user", "list"]);
    cli.ok(&["provider", "show", "ACME"]);
    cli.ok(&["outbox"]);
    cli.ok(&["carriers"]);
    let after = cli
        .ok(&["audit", "--json"])
        .json()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[test]
fn two_processes_hammering_wrong_tokens_lose_no_increment_and_lock_at_the_boundary() {
    let cli = Cli::ready();
    cli.ok(&["provider", "set", "ACME", "--max-incorrect", "40"]);
    assert_eq!(cli.request("jdoe@example.org").code, 0);
    let wrong = wrong_token(&cli.last_token());
    // Each process enters 25 wrong tokens: 50 in all, 41 lock, the rest are refused as locked.
    let script = format!(
        "for i in $(seq 25); do \"$0\" reset complete --provider ACME --login jdoe --token {wrong} >/dev/null 2>&1; done; exit 0"
    );
    let bin = env!("CARGO_BIN_EXE_spr-console");
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new("sh")
                .args(["-c", &script, bin])
                .env("SPR_CONSOLE_DB", &cli.db)
                .env("SPR_NEW_PASSWORD", NEW_PW)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let u = cli
        .ok(&[
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--json",
        ])
        .json();
    assert_eq!(u["status"], "admin_locked");
    assert_eq!(
        u["failed_attempts"], 41,
        "locked exactly when the count went above 40"
    );
    let events = cli.ok(&["audit", "--json"]).json();
    let events = events.as_array().unwrap();
    let wrong_counted = events
        .iter()
        .filter(|e| e["reason"] == "token_incorrect")
        .count();
    let locks = events
        .iter()
        .filter(|e| e["action"] == "account_locked")
        .count();
    let refused_locked = events
        .iter()
        .filter(|e| e["reason"] == "account_admin_locked")
        .count();
    assert_eq!(wrong_counted, 41, "every increment was kept");
    assert_eq!(locks, 1);
    assert_eq!(refused_locked, 9);
}

#[test]
fn odd_input_never_makes_the_binary_panic() {
    let cli = Cli::ready();
    let long = "x".repeat(10_000);
    let emoji = "👩‍⚕️🔑";
    let env = [
        ("SPR_OPERATOR", "root"),
        ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
        ("SPR_NEW_PASSWORD", "é"),
        ("SPR_USER_PASSWORD", "é"),
    ];
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "reset",
            "request",
            "--provider",
            emoji,
            "--login",
            &long,
            "--address",
            emoji,
        ],
        vec![
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--address",
            "@@@",
        ],
        vec![
            "reset",
            "complete",
            "--provider",
            "ACME",
            "--login",
            emoji,
            "--token",
            emoji,
        ],
        vec![
            "reset",
            "complete",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--token",
            &long,
        ],
        vec!["reset", "resend", "--provider", "", "--login", ""],
        vec!["login", "--provider", "A", "--login", "\u{202e}evil"],
        vec!["user", "add", "--provider", "ACME", "--login", &long],
        vec![
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "ok",
            "--first",
            &long,
        ],
        vec!["user", "show", "--provider", "ACME", "--login", emoji],
        vec!["user", "list", "--status", "sideways"],
        vec!["user", "list", "--search", "%_\\'\""],
        vec![
            "user",
            "unlock",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--reason",
            "",
        ],
        vec![
            "user",
            "configure",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--email",
            "",
        ],
        vec!["provider", "add", "x", "--name", ""],
        vec!["provider", "add", &long, "--name", &long],
        vec!["provider", "set", "ACME", "--max-incorrect", "-1"],
        vec![
            "provider",
            "set",
            "ACME",
            "--token-minutes",
            "99999999999999999999",
        ],
        vec!["outbox", "--last", "4294967295"],
        vec!["audit", "--since", "yesterday"],
        vec!["audit", "--format", "xml"],
        vec!["mail", "test", "--to", "no-at-sign"],
        vec!["operator", "add", "", "--role", "helpdesk"],
        vec!["init"],
    ];
    for args in cases {
        let r = cli.run(&args, &env);
        assert!(
            (0..=3).contains(&r.code),
            "{args:?} exited {}: {}",
            r.code,
            r.stderr
        );
        assert!(!r.stderr.contains("RUST_BACKTRACE"), "{}", r.stderr);
    }
}
