//! Command-line stories through the real binary on each engine: a real SQLite file and a real
//! PostgreSQL database (SPEC §4, §3.16).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};

use common::{ADMIN_PW, NEW_PW, Run, TestDb, USER_PW, engines, token_in, wrong_token};
use serde_json::Value;

const DESK_PW: &str = "violet-Copper-stream-77";

struct Cli {
    db: TestDb,
}

impl Cli {
    /// The binary on a database that does not exist yet (an empty one on PostgreSQL).
    fn on(db: TestDb) -> Self {
        Self { db }
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
    fn ready(db: TestDb) -> Self {
        let cli = Self::on(db);
        let r = cli.run(
            &["init", "--operator", "root"],
            &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        cli.db.assert_holds_spr_console();
        // A new database has no delivery until one is chosen (§3.11).
        cli.ok(&["mail", "set", "outbox"]);
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
        self.db.execute(sql);
    }
}

/// A refusal with its reason audited and exactly these words shown to the person.
fn assert_says(r: &Run, reason: &str, cli: &Cli, message: &str) {
    assert_refused(r, reason, cli);
    assert_eq!(r.json()["message"].as_str(), Some(message), "{reason}");
}

fn assert_refused(r: &Run, reason: &str, cli: &Cli) {
    assert_eq!(r.code, 3, "{reason}: {} {}", r.stdout, r.stderr);
    let v = r.json();
    assert!(v["outcome"] == "denied" || v["outcome"] == "error", "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(cli.last_reason(), reason);
}

fn a_full_reset_story_through_the_command_line(db: TestDb) {
    let cli = Cli::ready(db);
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
    assert_says(
        &r,
        "password_incorrect",
        &cli,
        spr_console::core::service::LOGIN_FAILED,
    );
}

fn every_request_reason_code_is_refused_with_exit_3_and_one_message(db: TestDb) {
    let cli = Cli::ready(db);
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
    let generic = spr_console::core::error::password_reset_error_text();
    let generic = generic.as_str();
    assert_says(&r, "unknown_account", &cli, generic);
    let r = cli.request("nobody@example.org");
    assert_says(&r, "unknown_account", &cli, generic);

    cli.ok(&["provider", "set", "ACME", "--spr", "off"]);
    let r = cli.request("jdoe@example.org");
    assert_says(&r, "provider_spr_disabled", &cli, generic);
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
    assert_says(
        &cli.request("jdoe@example.org"),
        "user_spr_disabled",
        &cli,
        generic,
    );
    cli.ok(&["user", "spr", "--provider", "ACME", "--all", "on"]);

    cli.sql("UPDATE users SET email = NULL WHERE login = 'jdoe'");
    assert_says(
        &cli.request("jdoe@example.org"),
        "spr_not_configured",
        &cli,
        generic,
    );
    cli.sql("UPDATE users SET email = 'jdoe@example.org' WHERE login = 'jdoe'");

    for (cmd, reason) in [
        ("deactivate", "account_deactivated"),
        ("delete", "account_deleted"),
    ] {
        cli.ok(&["user", cmd, "--provider", "ACME", "--login", "jdoe"]);
        assert_says(&cli.request("jdoe@example.org"), reason, &cli, generic);
        cli.sql("UPDATE users SET status = 'active' WHERE login = 'jdoe'");
    }

    cli.ok(&["provider", "set", "ACME", "--max-tokens-per-hour", "1"]);
    assert_eq!(cli.request("jdoe@example.org").code, 0);
    assert_says(
        &cli.request("jdoe@example.org"),
        "rate_limited",
        &cli,
        generic,
    );
}

fn every_change_password_reason_code_is_refused_with_exit_3(db: TestDb) {
    let cli = Cli::ready(db);
    let invalid = spr_console::core::service::INVALID_TOKEN;
    assert_says(
        &cli.complete("2345-6789", NEW_PW),
        "no_active_token",
        &cli,
        invalid,
    );
    let r = cli.resend();
    assert_says(&r, "no_active_token", &cli, invalid);

    assert_eq!(cli.request("jdoe@example.org").code, 0);
    let tok = cli.last_token();
    let r = cli.complete(&tok, "short");
    assert_says(
        &r,
        "password_policy",
        &cli,
        "The new password does not meet the password policy:\n - The password must be at least 15 characters long (it has 5).\n - The password is too common or easy to guess. A word by itself is easy to guess.",
    );

    // Resend works while the token is valid, and the old token stops working.
    let r = cli.resend();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let newer = cli.last_token();
    assert_says(
        &cli.complete(&tok, NEW_PW),
        "token_incorrect",
        &cli,
        "The password token is incorrect. 2 more incorrect entries are tolerated before your account is Admin Locked.",
    );

    // Expiry: the stored validity is moved into the past, as the clock would.
    cli.sql("UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000Z'");
    let r = cli.complete(&newer, NEW_PW);
    assert_says(&r, "token_expired", &cli, invalid);
    let r = cli.resend();
    assert_says(&r, "token_expired", &cli, invalid);

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
    assert_says(
        &cli.complete(&tok, NEW_PW),
        "account_admin_locked",
        &cli,
        invalid,
    );
    assert_says(&cli.resend(), "account_admin_locked", &cli, invalid);

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

fn delivery_failure_is_exit_3_and_invalidates_the_token(db: TestDb) {
    let cli = Cli::ready(db);
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
    ("supervisor", Ty::OptStr),
    ("session", Ty::OptStr),
    ("verification", Ty::OptStr),
    ("ticket", Ty::OptStr),
    ("seq", Ty::Int),
    ("hash", Ty::Str),
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

fn json_shapes_are_exactly_as_specified(db: TestDb) {
    let cli = Cli::ready(db);
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
    let first = &audit[0];
    // From the command line no flow is supervised (§3.10).
    for key in ["supervisor", "session", "verification", "ticket"] {
        assert_eq!(first[key], Value::Null, "{key}");
    }
    for e in audit.as_array().unwrap() {
        let hash = e["hash"].as_str().unwrap();
        assert!(
            hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "hash is 64 lowercase hex digits: {hash}"
        );
    }
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
    assert!(csv.starts_with(
        "at,actor,action,provider,login,outcome,reason,detail,supervisor,session,verification,ticket,seq,hash"
    ));
}

fn exit_codes_for_usage_validation_and_refusal(db: TestDb) {
    let cli = Cli::ready(db);
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
    // Errors are one sentence on stderr, never a backtrace (besides the training note).
    let lines: Vec<&str> = r
        .stderr
        .trim()
        .lines()
        .filter(|l| !l.starts_with("note: training database"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    let v = cli.run(&["--version"], &[]);
    assert_eq!(v.code, 0);
    assert!(v.stdout.starts_with("spr-console "));
}

fn db_and_json_are_accepted_before_or_after_the_subcommand(db: TestDb) {
    let cli = Cli::ready(db);
    let db = cli.db.db_arg();
    let db = db.as_str();
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

// SQLite only: about files (tests/postgres.rs has the database side of §3.13).
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

fn a_helpdesk_operator_may_look_and_reset_but_not_change_policy(db: TestDb) {
    let cli = Cli::ready(db);
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

fn reading_commands_write_no_audit_event(db: TestDb) {
    let cli = Cli::ready(db);
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

fn two_processes_hammering_wrong_tokens_lose_no_increment_and_lock_at_the_boundary(db: TestDb) {
    let cli = Cli::ready(db);
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
                .env("SPR_CONSOLE_DB", cli.db.db_arg())
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

fn odd_input_never_makes_the_binary_panic(db: TestDb) {
    let cli = Cli::ready(db);
    let long = "x".repeat(10_000);
    let emoji = "👩‍⚕️🔑";
    let env = [
        ("SPR_OPERATOR", "root"),
        ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
        ("SPR_NEW_PASSWORD", "é"),
        ("SPR_USER_PASSWORD", "é"),
    ];
    // What stderr says in one line, as the binary joins a message's lines.
    let one_line = |s: &str| {
        s.lines()
            .map(|l| l.trim().trim_start_matches("- ").trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let generic = one_line(&spr_console::core::error::password_reset_error_text());
    let invalid_token = spr_console::core::service::INVALID_TOKEN;
    let login_failed = spr_console::core::service::LOGIN_FAILED;
    let no_emoji_user = format!("There is no user with Login Name {emoji} in provider ACME.");
    // (arguments, exit status, the first line of stderr exactly; "" = nothing on stderr)
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
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
            2,
            "spr-console: The Login Name is 10000 characters long: at most 64 are allowed.",
        ),
        (
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
            3,
            &generic,
        ),
        (
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
            3,
            invalid_token,
        ),
        (
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
            2,
            "spr-console: The password token is 10000 characters long: at most 64 are allowed.",
        ),
        (
            vec!["reset", "resend", "--provider", "", "--login", ""],
            3,
            invalid_token,
        ),
        (
            vec!["login", "--provider", "A", "--login", "\u{202e}evil"],
            3,
            login_failed,
        ),
        (
            vec!["user", "add", "--provider", "ACME", "--login", &long],
            2,
            "spr-console: The Login Name is 10000 characters long: at most 64 are allowed.",
        ),
        (
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
            2,
            "spr-console: The first name must be at most 100 characters, without control characters.",
        ),
        (
            vec!["user", "show", "--provider", "ACME", "--login", emoji],
            2,
            &no_emoji_user,
        ),
        (
            vec!["user", "list", "--status", "sideways"],
            2,
            "spr-console: \"sideways\" is not a status: use active, admin_locked, deactivated or deleted.",
        ),
        (vec!["user", "list", "--search", "%_\\'\""], 0, ""),
        (
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
            2,
            "spr-console: Give a reason for the unlock; it is written to the audit log.",
        ),
        (
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
            3,
            login_failed,
        ),
        (
            vec!["provider", "add", "x", "--name", ""],
            2,
            "spr-console: \"x\" is not a valid Provider Code: use 2 to 32 letters, digits, '-' or '_'.",
        ),
        (
            vec!["provider", "add", &long, "--name", &long],
            2,
            "spr-console: The Provider Code is 10000 characters long: at most 32 are allowed.",
        ),
        (
            vec!["provider", "set", "ACME", "--max-incorrect", "-1"],
            2,
            "error: unexpected argument '-1' found",
        ),
        (
            vec![
                "provider",
                "set",
                "ACME",
                "--token-minutes",
                "99999999999999999999",
            ],
            2,
            "error: invalid value '99999999999999999999' for '--token-minutes <TOKEN_MINUTES>': number too large to fit in target type",
        ),
        (vec!["outbox", "--last", "4294967295"], 0, ""),
        (
            vec!["audit", "--since", "yesterday"],
            2,
            "spr-console: --since \"yesterday\" is not an RFC 3339 time (e.g. 2026-11-28T09:00:00Z).",
        ),
        (
            vec!["audit", "--format", "xml"],
            2,
            "error: invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            vec!["mail", "test", "--to", "no-at-sign"],
            2,
            "spr-console: \"no-at-sign\" is not a valid email address (expected name@example.org).",
        ),
        (
            vec!["operator", "add", "", "--role", "helpdesk"],
            2,
            "spr-console: \"\" is not a valid operator login: use 1 to 64 characters without spaces.",
        ),
        (
            vec!["init"],
            2,
            "spr-console: This database already has operators: sign in as one of them instead.",
        ),
    ];
    for (args, code, first_line) in cases {
        let r = cli.run(&args, &env);
        let shown: String = args
            .iter()
            .map(|a| a.chars().take(40).collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(r.code, code, "{shown}: {}", r.stderr);
        // This is a training database: its note comes first, once (§3.11); then the error.
        let note =
            "note: training database: messages stay in the outbox and every operator can read them";
        assert!(r.stderr.matches(note).count() <= 1, "{}", r.stderr);
        let got = r.stderr.lines().find(|l| *l != note).unwrap_or("");
        let want = if first_line.starts_with("spr-console: ")
            || first_line.starts_with("error: ")
            || first_line.is_empty()
        {
            first_line.to_owned()
        } else {
            format!("spr-console: {first_line}")
        };
        assert_eq!(got, want, "{shown}");
        assert!(!r.stderr.contains("RUST_BACKTRACE"), "{}", r.stderr);
    }
}

impl Cli {
    fn add_desk(&self) {
        let r = self.run(
            &["operator", "add", "desk", "--role", "helpdesk"],
            &[
                ("SPR_OPERATOR", "root"),
                ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
                ("SPR_NEW_PASSWORD", DESK_PW),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    fn desk(&self, args: &[&str]) -> Run {
        self.run(
            args,
            &[("SPR_OPERATOR", "desk"), ("SPR_OPERATOR_PASSWORD", DESK_PW)],
        )
    }

    /// Sets an SMTP relay (nothing is contacted): the database stops being a training one.
    fn set_smtp(&self) {
        self.ok(&[
            "mail",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            "2525",
            "--security",
            "none",
            "--from",
            "spr@example.org",
        ]);
    }
}

fn a_helpdesk_operator_unlocks_with_a_reason_and_not_without(db: TestDb) {
    let cli = Cli::ready(db);
    cli.add_desk();
    for _ in 0..4 {
        cli.run(
            &["login", "--provider", "ACME", "--login", "jdoe"],
            &[("SPR_USER_PASSWORD", "not-the-password-at-all")],
        );
    }
    let show = |cli: &Cli| {
        cli.ok(&[
            "--json",
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
        ])
        .json()
    };
    assert_eq!(show(&cli)["status"], "admin_locked");
    let unlock = |reason: Option<&str>| {
        let mut args = vec!["user", "unlock", "--provider", "ACME", "--login", "jdoe"];
        if let Some(r) = reason {
            args.extend(["--reason", r]);
        }
        cli.desk(&args)
    };
    let r = unlock(None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = unlock(Some("   "));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("reason"), "{}", r.stderr);
    assert_eq!(show(&cli)["status"], "admin_locked");
    let r = unlock(Some("caller verified by callback"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(show(&cli)["status"], "active");
    let events = cli.ok(&["audit", "--format", "json"]).json();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "desk");
    assert_eq!(last["action"], "user_unlock");
    assert!(last["detail"].as_str().unwrap().contains("callback"));
}

fn the_outbox_is_refused_outside_a_training_database_and_open_to_helpdesk_inside(db: TestDb) {
    let cli = Cli::ready(db);
    cli.add_desk();
    cli.request("jdoe@example.org");
    let r = cli.desk(&["outbox", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    assert!(
        r.stderr.contains(
            "note: training database: messages stay in the outbox and every operator can read them"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("note: training database").count(), 1);
    // The person's own commands say it too.
    let r = cli.request("jdoe@example.org");
    assert!(r.stderr.contains("note: training database"), "{}", r.stderr);

    cli.set_smtp();
    for r in [cli.admin(&["outbox"]), cli.desk(&["outbox"])] {
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(r.stderr.contains("not a training database"), "{}", r.stderr);
        assert!(!r.stderr.contains("note: training"), "{}", r.stderr);
    }
    // Back on the outbox, the training messages of before are gone.
    cli.ok(&["mail", "set", "outbox"]);
    let r = cli.desk(&["outbox", "--json"]);
    assert_eq!(r.json().as_array().unwrap().len(), 0);
}

fn a_fresh_init_database_refuses_a_token_request_with_delivery_failed(db: TestDb) {
    let cli = Cli::on(db);
    let r = cli.run(
        &["init", "--operator", "root"],
        &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    cli.db.assert_holds_spr_console();
    assert!(!r.stderr.contains("training"), "{}", r.stderr);
    cli.ok(&["provider", "add", "ACME", "--name", "Acme Care"]);
    cli.ok(&["provider", "set", "ACME", "--spr", "on"]);
    let r = cli.run(
        &[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
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
    let r = cli.request("jdoe@example.org");
    assert_refused(&r, "delivery_failed", &cli);
    assert!(!r.stderr.contains("training"), "{}", r.stderr);
    let events = cli.ok(&["audit", "--format", "json"]).json();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains("No mail relay is set up"),
        "{last}"
    );
    // Not a training database either: no outbox to read.
    assert_eq!(cli.admin(&["outbox"]).code, 3);
}

// SQLite only: it migrates a file of the first schema.
#[test]
fn a_database_of_the_first_schema_keeps_its_outbox_after_the_migration() {
    let cli = Cli::on(TestDb::sqlite());
    {
        // The first schema, written as the previous release wrote it, with one operator.
        let c = rusqlite::Connection::open(cli.db.path()).unwrap();
        c.execute_batch(include_str!("../src/store/migrations/0001_initial.sql"))
            .unwrap();
        c.execute_batch(
            "PRAGMA user_version = 1; PRAGMA application_id = 1397772867;
             INSERT INTO operators (login, role, password_hash, created_at)
             VALUES ('old', 'super_admin', 'x', '2026-01-01T00:00:00Z');
             INSERT INTO audit (at, actor, action, outcome) VALUES ('2026-01-01T00:00:00Z', 'old', 'init', 'ok');",
        )
        .unwrap();
    }
    let r = cli.run(&["carriers"], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = cli.run(
        &["login", "--provider", "ACME", "--login", "x"],
        &[("SPR_USER_PASSWORD", "x")],
    );
    assert!(r.stderr.contains("note: training database"), "{}", r.stderr);
    let c = rusqlite::Connection::open(cli.db.path()).unwrap();
    let v: i32 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert!(v >= 2);
    let (sup, ses): (Option<String>, Option<String>) = c
        .query_row(
            "SELECT supervisor, session FROM audit WHERE seq = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((sup, ses), (None, None));
}

engines!(
    a_full_reset_story_through_the_command_line,
    every_request_reason_code_is_refused_with_exit_3_and_one_message,
    every_change_password_reason_code_is_refused_with_exit_3,
    delivery_failure_is_exit_3_and_invalidates_the_token,
    json_shapes_are_exactly_as_specified,
    exit_codes_for_usage_validation_and_refusal,
    db_and_json_are_accepted_before_or_after_the_subcommand,
    a_helpdesk_operator_may_look_and_reset_but_not_change_policy,
    reading_commands_write_no_audit_event,
    two_processes_hammering_wrong_tokens_lose_no_increment_and_lock_at_the_boundary,
    odd_input_never_makes_the_binary_panic,
    a_helpdesk_operator_unlocks_with_a_reason_and_not_without,
    the_outbox_is_refused_outside_a_training_database_and_open_to_helpdesk_inside,
    a_fresh_init_database_refuses_a_token_request_with_delivery_failed,
);
