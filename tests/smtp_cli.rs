//! Delivery through the real binary and a real SMTP relay on loopback (SPEC §3.11, §3.5).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "support/smtp_relay.rs"]
mod smtp_relay;

use std::path::{Path, PathBuf};

use common::{ADMIN_PW, NEW_PW, USER_PW, token_in};
use serde_json::Value;
use smtp_relay::{Mode, Relay, RelayOptions, TestCa};

const RELAY_PW: &str = "relay-Secret-6612-heron";

struct Env {
    _dir: tempfile::TempDir,
    db: PathBuf,
    ca_file: PathBuf,
}

/// Runs the binary as the super admin `root`, with `extra` in its environment.
fn run(db: &Path, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
    let mut env = vec![
        ("SPR_OPERATOR", "root"),
        ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
    ];
    env.extend_from_slice(extra);
    let r = common::run(db, args, &env);
    (r.code, r.stdout, r.stderr)
}

fn ok(db: &Path, args: &[&str], extra: &[(&str, &str)]) -> String {
    let (code, out, err) = run(db, args, extra);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

/// ACME with SPR on; jdoe with an email and a text address; mail through the relay.
fn setup(relay: &Relay, ca: &TestCa) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spr.sqlite3");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    ok(&db, &["init"], &[]);
    ok(&db, &["provider", "add", "ACME", "--name", "Acme"], &[]);
    ok(&db, &["provider", "set", "ACME", "--spr", "on"], &[]);
    ok(
        &db,
        &[
            "user",
            "add",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--email",
            "jdoe@example.org",
            "--text-email",
            "5551234567@vtext.com",
        ],
        &[("SPR_NEW_PASSWORD", USER_PW)],
    );
    ok(
        &db,
        &["user", "spr", "--provider", "ACME", "--login", "jdoe", "on"],
        &[],
    );
    set_relay(&db, relay, &ca_file, RELAY_PW, &["--timeout-secs", "5"]);
    Env {
        _dir: dir,
        db,
        ca_file,
    }
}

/// Sends mail through `relay` with STARTTLS, signed in as `spr` with `password`; `more` adds
/// flags to `mail set smtp`.
fn set_relay(db: &Path, relay: &Relay, ca_file: &Path, password: &str, more: &[&str]) {
    let port = relay.port.to_string();
    let mut args = vec![
        "mail",
        "set",
        "smtp",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "starttls",
        "--username",
        "spr",
        "--from",
        "spr@example.org",
        "--ca-file",
        ca_file.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    ok(db, &args, &[("SPR_SMTP_PASSWORD", password)]);
}

fn starttls_relay(ca: &TestCa) -> Relay {
    Relay::start(RelayOptions {
        ca: Some(ca),
        auth: Some(("spr", RELAY_PW)),
        ..RelayOptions::new(Mode::Starttls)
    })
}

fn file_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(b) = std::fs::read(&p) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_reset_over_starttls_delivers_the_token_and_notices_and_keeps_no_secret_in_the_file() {
    let ca = TestCa::new();
    let relay = starttls_relay(&ca);
    let env = setup(&relay, &ca);
    // Holding a connection open keeps the WAL file on disk for the scan below.
    let keep = rusqlite::Connection::open(&env.db).unwrap();

    ok(
        &env.db,
        &[
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--address",
            "jdoe@example.org",
        ],
        &[],
    );
    let mail = relay.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].header("Subject").as_deref(),
        Some("Password Reset Token")
    );
    assert_eq!(mail[0].envelope_to, ["jdoe@example.org"]);
    let token = token_in(mail[0].body()).expect("token in the email");
    assert!(
        mail[0]
            .body()
            .contains("If you did not ask for this, contact your administrator")
    );

    ok(
        &env.db,
        &[
            "reset",
            "complete",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--token",
            &token,
        ],
        &[("SPR_NEW_PASSWORD", NEW_PW)],
    );
    let mail = relay.received();
    assert_eq!(mail.len(), 3, "token + a notice to each contact");
    let notice_to: Vec<&str> = mail[1..]
        .iter()
        .map(|m| m.envelope_to[0].as_str())
        .collect();
    assert_eq!(notice_to, ["jdoe@example.org", "5551234567@vtext.com"]);
    for m in &mail[1..] {
        assert!(token_in(m.body()).is_none(), "a notice carries no token");
        assert!(!m.raw.contains(NEW_PW));
    }
    assert_eq!(
        mail[2].header("Subject"),
        None,
        "text notice has no subject"
    );

    let bytes = file_bytes(&env.db);
    for secret in [
        token.as_str(),
        &token.replace('-', ""),
        NEW_PW,
        USER_PW,
        RELAY_PW,
    ] {
        if secret == RELAY_PW {
            continue; // the SMTP password is stored (SPEC §3.11); it is checked below not to leak
        }
        assert!(
            !contains(&bytes, secret),
            "the database file or WAL holds {secret}"
        );
    }
    drop(keep);

    let audit: Value = serde_json::from_str(&ok(&env.db, &["audit", "--json"], &[])).unwrap();
    let sent: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "message_sent")
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|e| e["detail"].as_str().unwrap().contains("via smtp"))
    );
    assert!(
        sent[0]["detail"]
            .as_str()
            .unwrap()
            .contains("jdoe@example.org")
    );
    let text = audit.to_string();
    assert!(!text.contains(&token) && !text.contains(RELAY_PW));
}

#[test]
fn a_text_address_gets_a_short_body_without_subject_over_smtp() {
    let ca = TestCa::new();
    let relay = starttls_relay(&ca);
    let env = setup(&relay, &ca);
    ok(
        &env.db,
        &[
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--address",
            "5551234567@VTEXT.com",
        ],
        &[],
    );
    let mail = relay.received();
    assert_eq!(mail[0].header("Subject"), None);
    let body = mail[0].body().trim_end();
    assert!(
        body.chars().count() <= 160,
        "{} chars",
        body.chars().count()
    );
    assert!(token_in(body).is_some());
}

#[test]
fn mail_test_reports_the_relay_answer_and_a_wrong_password_in_one_sentence() {
    let ca = TestCa::new();
    let relay = starttls_relay(&ca);
    let env = setup(&relay, &ca);
    let out = ok(&env.db, &["mail", "test", "--to", "admin@example.org"], &[]);
    assert!(out.contains("250"), "{out}");
    assert_eq!(relay.received().len(), 1);

    set_relay(&env.db, &relay, &env.ca_file, "not-the-password", &[]);
    let (code, _, err) = run(&env.db, &["mail", "test", "--to", "admin@example.org"], &[]);
    assert_eq!(code, 3);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("not-the-password"));
    // A failed token delivery is delivery_failed, and the person is told.
    let (code, out, _) = run(
        &env.db,
        &[
            "--json",
            "reset",
            "request",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--address",
            "jdoe@example.org",
        ],
        &[],
    );
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcome"], "error");
    assert!(v["message"].as_str().unwrap().contains("could not be sent"));
}

#[test]
fn mail_set_smtp_contacts_nothing_and_needs_the_password_only_with_a_username() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("spr.sqlite3");
    ok(&db, &["init"], &[]);
    // No relay listens on this port: setting it must still succeed (it contacts nothing).
    let port = smtp_relay::closed_port().to_string();
    ok(
        &db,
        &[
            "mail",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "tls",
            "--from",
            "spr@example.org",
        ],
        &[],
    );
    let (code, _, err) = run(
        &db,
        &[
            "mail",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "tls",
            "--username",
            "u",
            "--from",
            "spr@example.org",
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("SPR_SMTP_PASSWORD"), "{err}");
    let (code, _, _) = run(
        &db,
        &[
            "mail",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "tls",
            "--from",
            "not an address",
        ],
        &[],
    );
    assert_eq!(code, 2);
    let (code, _, err) = run(
        &db,
        &[
            "mail",
            "set",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "none",
            "--username",
            "u",
            "--from",
            "spr@example.org",
        ],
        &[("SPR_SMTP_PASSWORD", RELAY_PW)],
    );
    assert_eq!(code, 2, "a password is never sent unencrypted");
    assert!(err.contains("encryption"), "{err}");
}
