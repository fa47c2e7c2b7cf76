//! Issue 10 through the real binary: the audit chain, reads that never write, damaged files,
//! CSV cells, terminal output and input limits (SPEC §3.10, §3.13, §3.14). The chain, CSV,
//! terminal and limit stories run on both engines; the ones about files on SQLite only.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{ADMIN_PW, Run, TestDb, USER_PW, engines};
use serde_json::Value;

struct Cli {
    /// For files the stories write beside the database (exports).
    dir: tempfile::TempDir,
    db: TestDb,
}

const ADMIN: [(&str, &str); 2] = [
    ("SPR_OPERATOR", "root"),
    ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
];

impl Cli {
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        common::run(&self.db, args, env)
    }

    fn admin(&self, args: &[&str]) -> Run {
        self.run(args, &ADMIN)
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.admin(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        r
    }

    /// init, provider ACME with SPR on, user jdoe with SPR on and an email.
    fn ready(db: TestDb) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cli = Self { dir, db };
        let r = cli.run(
            &["init", "--operator", "root"],
            &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        cli.db.assert_holds_spr_console();
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
                "--first",
                "John",
                "--last",
                "Doe",
                "--email",
                "jdoe@example.org",
            ],
            &[ADMIN[0], ADMIN[1], ("SPR_NEW_PASSWORD", USER_PW)],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        cli.ok(&["user", "spr", "--provider", "ACME", "--login", "jdoe", "on"]);
        cli
    }

    fn events(&self) -> Vec<Value> {
        self.ok(&["audit", "--format", "json"])
            .json()
            .as_array()
            .unwrap()
            .clone()
    }

    fn sql(&self, sql: &str) {
        self.db.execute(sql);
    }
}

fn sha256(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let d = ring::digest::digest(&ring::digest::SHA256, &bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn is_hex64(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn audit_verify_finds_a_tampered_row_by_its_sequence_number(db: TestDb) {
    let cli = Cli::ready(db);
    let r = cli.ok(&["audit", "verify", "--json"]);
    let v = r.json();
    let n = cli.events().len() as u64;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["events"].as_u64(), Some(n));
    assert!(is_hex64(&v["head"]), "{v}");
    assert!(v["first_bad"].is_null());
    let text = cli.ok(&["audit", "verify"]);
    assert!(
        text.stdout.contains(v["head"].as_str().unwrap()),
        "{}",
        text.stdout
    );

    // Someone with the file (or the table's owner on the server) lifts the guards and
    // rewrites event 3.
    if cli.db.is_postgres() {
        cli.sql(
            "GRANT UPDATE ON audit TO CURRENT_USER; ALTER TABLE audit DISABLE TRIGGER USER; \
             UPDATE audit SET detail = 'nothing happened' WHERE seq = 3;",
        );
    } else {
        cli.sql(
            "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'nothing happened' WHERE seq = 3;",
        );
    }
    let r = cli.admin(&["audit", "verify", "--json"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["first_bad"].as_i64(), Some(3));
    assert!(r.stderr.contains("event 3"), "{}", r.stderr);
}

fn the_database_refuses_an_event_that_is_not_new(db: TestDb) {
    let cli = Cli::ready(db);
    let count = || cli.db.value("SELECT COUNT(*) FROM audit");
    let n = count();
    let attempts: &[&str] = if cli.db.is_postgres() {
        &[
            "INSERT INTO audit (seq, at, actor, action, outcome, detail, hash) VALUES (1, 'x', 'x', 'x', 'ok', 'rewritten', 'x') \
             ON CONFLICT (seq) DO UPDATE SET detail = 'rewritten'",
            "INSERT INTO audit (seq, at, actor, action, outcome, detail, hash) VALUES (2, 'x', 'x', 'x', 'ok', 'again', 'x')",
        ]
    } else {
        &[
            "INSERT OR REPLACE INTO audit (seq, at, actor, action, outcome, detail, hash) VALUES (1, 'x', 'x', 'x', 'ok', 'rewritten', 'x')",
            "INSERT INTO audit (seq, at, actor, action, outcome, detail, hash) VALUES (2, 'x', 'x', 'x', 'ok', 'again', 'x')",
            "REPLACE INTO audit (seq, at, actor, action, outcome, detail, hash) VALUES (3, 'x', 'x', 'x', 'ok', 'again', 'x')",
        ]
    };
    for sql in attempts {
        let e = cli.db.try_execute(sql).expect_err(sql);
        // SQLite's trigger names the rule; on the server a taken seq is a key violation
        // (or the rights init revoked), either way refused.
        if !cli.db.is_postgres() {
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
    }
    assert_eq!(n, count());
    assert_eq!(cli.ok(&["audit", "verify", "--json"]).json()["ok"], true);
}

fn audit_exports_carry_the_head_of_the_whole_chain(db: TestDb) {
    let cli = Cli::ready(db);
    let verify = cli.ok(&["audit", "verify", "--json"]).json();
    let head = verify["head"].as_str().unwrap().to_owned();
    let n = verify["events"].as_u64().unwrap();
    for filter in [vec![], vec!["--login", "jdoe"], vec!["--provider", "NOPE"]] {
        let mut args = vec!["audit", "--format", "csv"];
        args.extend(filter);
        let csv = cli.ok(&args).stdout;
        let last = csv.lines().last().unwrap();
        assert_eq!(last, format!("# chain-head {head} events {n}"));
    }
    let events = cli.events();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"].as_u64(), Some(i as u64 + 1));
        assert!(is_hex64(&e["hash"]), "{e}");
    }
    assert_eq!(events.last().unwrap()["hash"], head.as_str());
}

// SQLite only: about paths (tests/postgres.rs has an empty database).
#[test]
fn a_read_on_a_missing_or_empty_path_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.sqlite3");
    for args in [
        vec!["user", "list"],
        vec!["provider", "show", "ACME"],
        vec!["audit"],
        vec!["audit", "verify"],
        vec!["outbox"],
        vec!["user", "export"],
    ] {
        let r = common::run(&missing, &args, &ADMIN);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr.trim(),
            format!("spr-console: No database at {}.", missing.display())
        );
        assert!(!missing.exists(), "{args:?} created the file");
    }
    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    let r = common::run(&empty, &["user", "list"], &ADMIN);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("No database at"), "{}", r.stderr);
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}

// SQLite only: it compares the file's bytes.
#[test]
fn reads_change_no_byte_of_the_file() {
    let cli = Cli::ready(TestDb::sqlite());
    // A training database, so that the outbox can be read too (§3.11).
    cli.ok(&["mail", "set", "outbox"]);
    cli.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    let before = sha256(cli.db.path());
    for args in [
        vec!["user", "list"],
        vec!["user", "show", "--provider", "ACME", "--login", "jdoe"],
        vec!["provider", "show", "ACME"],
        vec!["audit"],
        vec!["audit", "verify"],
        vec!["outbox"],
        vec!["user", "export"],
    ] {
        cli.ok(&args);
    }
    // A wrong operator password on a read is refused (exit 3) and writes nothing either.
    let r = cli.run(
        &["user", "list"],
        &[("SPR_OPERATOR", "root"), ("SPR_OPERATOR_PASSWORD", "wrong")],
    );
    assert_eq!(r.code, 3);
    assert_eq!(sha256(cli.db.path()), before);
}

fn damaged_sentence(r: &Run, db: &Path) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains(&db.display().to_string()), "{}", r.stderr);
    assert!(r.stderr.contains("damaged"), "{}", r.stderr);
    for sql in ["CREATE", "TABLE", "SELECT"] {
        assert!(!r.stderr.contains(sql), "SQL in: {}", r.stderr);
    }
    assert!(r.stderr.len() < 300, "{}", r.stderr);
}

// SQLite only: it damages the file.
#[test]
fn damaged_files_are_exit_2_with_one_sentence_naming_the_file() {
    // Schema version 0 on a file that has tables.
    let cli = Cli::ready(TestDb::sqlite());
    cli.sql("PRAGMA user_version = 0; PRAGMA wal_checkpoint(TRUNCATE);");
    let before = sha256(cli.db.path());
    damaged_sentence(&cli.admin(&["user", "list"]), cli.db.path());
    damaged_sentence(
        &cli.admin(&["provider", "add", "NEW", "--name", "New"]),
        cli.db.path(),
    );
    assert_eq!(sha256(cli.db.path()), before, "left untouched");

    // A malformed file: the schema page is overwritten, the header kept.
    let cli = Cli::ready(TestDb::sqlite());
    cli.sql("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;");
    let mut bytes = std::fs::read(cli.db.path()).unwrap();
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(cli.db.path(), &bytes).unwrap();
    damaged_sentence(&cli.admin(&["user", "list"]), cli.db.path());
    damaged_sentence(&cli.admin(&["audit"]), cli.db.path());
    damaged_sentence(
        &cli.admin(&["provider", "add", "NEW", "--name", "New"]),
        cli.db.path(),
    );
}

// SQLite only: file and folder permissions.
#[test]
fn a_read_only_database_in_a_read_only_folder_is_read_by_another_user_unchanged() {
    // Needs root (to become nobody) and setpriv; CI runs as root.
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root || !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: needs root and setpriv to read as another user");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let cli = Cli::ready(TestDb::sqlite());
    let outer = tempfile::tempdir().unwrap();
    std::fs::set_permissions(outer.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let folder = outer.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("spr.sqlite3");
    cli.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    std::fs::copy(cli.db.path(), &db).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out_dir = outer.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let export = out_dir.join("users.csv");
    let before = sha256(&db);
    let as_nobody = |args: &[&str]| {
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_spr-console"))
            .args(args)
            .env("SPR_CONSOLE_DB", &db)
            .env("SPR_OPERATOR", "root")
            .env("SPR_OPERATOR_PASSWORD", ADMIN_PW)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = as_nobody(&["user", "list", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("jdoe"), "{stdout}");
    let (code, _, stderr) = as_nobody(&["user", "export", export.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(std::fs::read_to_string(&export).unwrap().contains("jdoe"));
    assert_eq!(
        std::fs::metadata(&export).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, _, stderr) = as_nobody(&["audit", "verify"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(sha256(&db), before, "not a byte changed");
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        1,
        "no -wal or -shm"
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn formula_cells_are_neutralised_in_both_exports_and_come_back_on_import(db: TestDb) {
    let cli = Cli::ready(db);
    // Anyone can type this at the reset form; no operator is involved.
    let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let r = cli.run(
        &[
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            evil,
            "--address",
            "a@b.org",
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let csv = cli.ok(&["audit", "--format", "csv"]).stdout;
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(csv.as_bytes());
    let logins: Vec<String> = reader.records().map(|r| r.unwrap()[4].to_owned()).collect();
    assert!(logins.contains(&format!("'{evil}")), "{csv}");
    assert!(!logins.iter().any(|l| l.starts_with('=')));

    // Users export → import elsewhere: the names come back exactly.
    let r = cli.run(
        &[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "sum",
            "--first",
            "=1+2",
            "--last=-5",
            "--email",
            "sum@example.org",
        ],
        &[ADMIN[0], ADMIN[1], ("SPR_NEW_PASSWORD", USER_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = cli.dir.path().join("acme.csv");
    cli.ok(&[
        "user",
        "export",
        "--provider",
        "ACME",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("sum,'=1+2,'-5,"), "{text}");
    // Into the same provider of another database: the file imports unchanged.
    let other = Cli {
        dir: tempfile::tempdir().unwrap(),
        db: cli.db.another(),
    };
    let r = other.run(
        &["init", "--operator", "root"],
        &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    other.ok(&["provider", "add", "ACME", "--name", "Acme Care"]);
    other.ok(&[
        "user",
        "import",
        "--provider",
        "ACME",
        file.to_str().unwrap(),
    ]);
    let u = other
        .ok(&[
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "sum",
            "--json",
        ])
        .json();
    assert_eq!(
        (u["first"].as_str(), u["last"].as_str()),
        (Some("=1+2"), Some("-5"))
    );
}

fn control_characters_are_an_input_error_and_never_reach_a_terminal_raw(db: TestDb) {
    let cli = Cli::ready(db);
    let n = cli.events().len();
    let r = cli.run(
        &[
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "evil\u{1b}]0;pwned\u{7}",
            "--address",
            "jdoe@example.org",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "spr-console: The Login Name contains a control character: type it again without one."
    );
    assert_eq!(cli.events().len(), n, "no event");
    // Stored by someone with the file: shown escaped in text, by JSON's own rules in JSON.
    cli.sql("UPDATE users SET first = 'J\u{1b}[2Jo' WHERE login = 'jdoe'");
    let r = cli.ok(&["user", "show", "--provider", "ACME", "--login", "jdoe"]);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    assert!(r.stdout.contains("J\\u{1b}[2Jo"), "{}", r.stdout);
    let r = cli.ok(&["user", "list"]);
    assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
    let r = cli.ok(&[
        "user",
        "show",
        "--provider",
        "ACME",
        "--login",
        "jdoe",
        "--json",
    ]);
    assert!(!r.stdout.contains('\u{1b}'));
    assert_eq!(r.json()["first"], "J\u{1b}[2Jo");
}

fn every_text_input_is_refused_past_its_limit_with_the_limit_in_the_sentence(db: TestDb) {
    let cli = Cli::ready(db);
    let n = cli.events().len();
    let (login65, code33, addr255, reason501) = (
        "l".repeat(65),
        "C".repeat(33),
        format!("{}@example.org", "a".repeat(243)),
        "r".repeat(501),
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "reset",
                "request",
                "--provider",
                "ACME",
                "--login",
                &login65,
                "--address",
                "a@b.org",
            ],
            "The Login Name is 65 characters long: at most 64 are allowed.",
        ),
        (
            vec![
                "reset",
                "request",
                "--provider",
                &code33,
                "--login",
                "jdoe",
                "--address",
                "a@b.org",
            ],
            "The Provider Code is 33 characters long: at most 32 are allowed.",
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
                &addr255,
            ],
            "The address is 255 characters long: at most 254 are allowed.",
        ),
        (
            vec!["reset", "resend", "--provider", "ACME", "--login", &login65],
            "The Login Name is 65 characters long: at most 64 are allowed.",
        ),
        (
            vec!["login", "--provider", "ACME", "--login", &login65],
            "The Login Name is 65 characters long: at most 64 are allowed.",
        ),
        (
            vec![
                "user",
                "unlock",
                "--provider",
                "ACME",
                "--login",
                "jdoe",
                "--reason",
                &reason501,
            ],
            "The reason is 501 characters long: at most 500 are allowed.",
        ),
    ];
    for (args, sentence) in cases {
        let r = cli.run(&args, &[ADMIN[0], ADMIN[1], ("SPR_USER_PASSWORD", USER_PW)]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr.trim(),
            format!("spr-console: {sentence}"),
            "{args:?}"
        );
    }
    assert_eq!(cli.events().len(), n, "no event for refused input");
}

engines!(
    audit_verify_finds_a_tampered_row_by_its_sequence_number,
    the_database_refuses_an_event_that_is_not_new,
    audit_exports_carry_the_head_of_the_whole_chain,
    formula_cells_are_neutralised_in_both_exports_and_come_back_on_import,
    control_characters_are_an_input_error_and_never_reach_a_terminal_raw,
    every_text_input_is_refused_past_its_limit_with_the_limit_in_the_sentence,
);
