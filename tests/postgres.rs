//! Many seats on one PostgreSQL database (SPEC §3.16), through the real binary on the test
//! server that SPR_TEST_POSTGRES_URL names (scripts/test.sh starts one): exact lockout counts
//! across processes, two consoles that see each other's changes, `db copy` from a file, the refusals of §3.13 said of databases, and the
//! append-only audit. Every test here fails when that variable is unset, unless
//! SPR_TEST_SKIP_POSTGRES=1 (then each says SKIPPED).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{ADMIN_PW, DbArg, NEW_PW, Run, TestDb, USER_PW, token_in, world_on, wrong_token};
use serde_json::Value;
use spr_console::core::Service;
use spr_console::core::demo;
use spr_console::core::hashing::Hasher;
use spr_console::core::model::Status;

const ROOT: [(&str, &str); 2] = [
    ("SPR_OPERATOR", "root"),
    ("SPR_OPERATOR_PASSWORD", ADMIN_PW),
];

/// Runs the binary as root on `db`, expecting success.
fn ok(db: &(impl DbArg + ?Sized), args: &[&str]) -> Run {
    let r = common::run(db, args, &ROOT);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r
}

/// init; the outbox; provider ACME with SPR on and `max_incorrect`; user jdoe with an email.
fn ready(db: &TestDb, max_incorrect: u32) {
    let r = common::run(
        db,
        &["init", "--operator", "root"],
        &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    db.assert_holds_spr_console();
    ok(db, &["mail", "set", "outbox"]);
    ok(db, &["provider", "add", "ACME", "--name", "Acme Care"]);
    let max = max_incorrect.to_string();
    ok(
        db,
        &[
            "provider",
            "set",
            "ACME",
            "--spr",
            "on",
            "--max-incorrect",
            &max,
        ],
    );
    let r = common::run(
        db,
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
        &[ROOT[0], ROOT[1], ("SPR_NEW_PASSWORD", USER_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    ok(
        db,
        &["user", "spr", "--provider", "ACME", "--login", "jdoe", "on"],
    );
}

fn events(db: &(impl DbArg + ?Sized)) -> Vec<Value> {
    ok(db, &["audit", "--format", "json"])
        .json()
        .as_array()
        .unwrap()
        .clone()
}

/// One line on stderr, as every refusal of the command line is.
#[track_caller]
fn one_sentence(r: &Run) -> &str {
    let lines: Vec<&str> = r
        .stderr
        .trim()
        .lines()
        .filter(|l| !l.starts_with("note: training database"))
        .collect();
    assert_eq!(lines.len(), 1, "not one sentence: {}", r.stderr);
    lines[0]
}

#[test]
fn eight_seats_entering_ten_wrong_tokens_each_count_exactly_and_lock_once() {
    let Some(db) = TestDb::postgres() else { return };
    ready(&db, 60);
    let r = common::run(
        &db,
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
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = ok(&db, &["outbox", "--last", "1", "--json"]).json();
    let wrong = wrong_token(&token_in(out[0]["body"].as_str().unwrap()).unwrap());
    // Eight processes, as eight workstations would be, each entering 10 wrong tokens: 80 in
    // all. Entries 1 to 60 count, the 61st counts and locks, the other 19 meet a lock.
    let script = format!(
        "for i in $(seq 10); do \"$0\" reset complete --provider ACME --login jdoe --token {wrong} >/dev/null 2>&1; done; exit 0"
    );
    let seats: Vec<_> = (0..8)
        .map(|_| {
            Command::new("sh")
                .args(["-c", &script, env!("CARGO_BIN_EXE_spr-console")])
                .env("SPR_CONSOLE_DB", db.db_arg())
                .env("SPR_NEW_PASSWORD", NEW_PW)
                .env_remove("SPR_OPERATOR")
                .env_remove("SPR_OPERATOR_PASSWORD")
                .spawn()
                .unwrap()
        })
        .collect();
    for mut seat in seats {
        assert!(seat.wait().unwrap().success());
    }
    let u = ok(
        &db,
        &[
            "user",
            "show",
            "--provider",
            "ACME",
            "--login",
            "jdoe",
            "--json",
        ],
    )
    .json();
    assert_eq!(u["status"], "admin_locked");
    assert_eq!(
        u["failed_attempts"], 61,
        "locked exactly when the count went above 60, no increment lost"
    );
    let events = events(&db);
    let count = |key: &str, value: &str| events.iter().filter(|e| e[key] == value).count();
    assert_eq!(
        count("reason", "token_incorrect"),
        61,
        "every entry counted"
    );
    assert_eq!(count("action", "account_locked"), 1, "one lock event");
    assert_eq!(count("reason", "account_admin_locked"), 19);
    assert_eq!(ok(&db, &["audit", "verify", "--json"]).json()["ok"], true);
}

/// Two seats, as two open consoles are: each a `Service` on the same database. What one does
/// moves the change mark the other polls (the console refreshes when it moves), within 2 s.
#[test]
fn two_consoles_on_one_database_see_each_others_changes_within_two_seconds() {
    let Some(db) = TestDb::postgres() else { return };
    let mut seat_a = world_on(db, 1);
    let mut seat_b = Service::new(
        seat_a.db.open_store(),
        Arc::new(seat_a.clock.clone()),
        Hasher::fast_for_tests(),
    );
    // What a console's worker does while idle (src/ui/worker.rs): poll the mark.
    let waits_for_a_change = |seat: &Service, mark: i64, what: &str| {
        let start = Instant::now();
        while seat.change_mark().unwrap() == mark {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "the other seat saw no change in 2 s after {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // jdoe locks at seat A (two wrong passwords, max_incorrect 1); seat B sees it.
    let mark_b = seat_b.change_mark().unwrap();
    for _ in 0..2 {
        let _ = seat_a.svc.login("ACME", "jdoe", "not-the-password");
    }
    waits_for_a_change(&seat_b, mark_b, "the lock");
    assert_eq!(
        seat_b.user("ACME", "jdoe").unwrap().status,
        Status::AdminLocked
    );
    // Seat B unlocks; seat A sees jdoe Active.
    let mark_a = seat_a.svc.change_mark().unwrap();
    let root_b = seat_b.operator_login("root", ADMIN_PW).unwrap();
    let id = seat_b.user("ACME", "jdoe").unwrap().id;
    seat_b
        .unlock(&root_b, id, "called the helpdesk, identity checked")
        .unwrap();
    waits_for_a_change(&seat_a.svc, mark_a, "the unlock");
    let u = seat_a.svc.user("ACME", "jdoe").unwrap();
    assert_eq!((u.status, u.failed_attempts), (Status::Active, 0));
    // A new token asked for at seat A shows live at seat B.
    let mark_b = seat_b.change_mark().unwrap();
    seat_a
        .svc
        .request_token("jdoe", "ACME", "jdoe@example.org")
        .unwrap();
    waits_for_a_change(&seat_b, mark_b, "the new token");
    let token = seat_b
        .token_info(id)
        .unwrap()
        .expect("seat B sees the token");
    assert_eq!(token.address, "jdoe@example.org");
    assert_eq!(Some(token), seat_a.svc.token_info(id).unwrap());
}

/// Copies a demo database (made as `spr-console demo` makes it) to an empty PostgreSQL
/// database; the two then answer the same. `db copy` writes no event on either side.
#[test]
fn db_copy_of_the_demo_gives_the_same_users_and_the_same_audit_on_both_engines() {
    let Some(target) = TestDb::postgres() else {
        return;
    };
    let file = TestDb::sqlite();
    demo::create(file.path(), 300).unwrap();
    let trainer = [
        ("SPR_OPERATOR", demo::OPERATOR),
        ("SPR_OPERATOR_PASSWORD", demo::OPERATOR_PASSWORD),
    ];
    let on = |db: &TestDb, args: &[&str]| {
        let r = common::run(db, args, &trainer);
        assert_eq!(r.code, 0, "{} {args:?}: {}", db.engine(), r.stderr);
        r.stdout
    };
    let file_head = on(&file, &["audit", "verify", "--json"]);
    let r = common::run(&file, &["db", "copy", "--to", &target.db_arg()], &trainer);
    assert_eq!(r.code, 0, "{}", r.stderr);
    target.assert_holds_spr_console();
    for args in [
        &["user", "list", "--json"][..],
        &["user", "list", "--provider", demo::PROVIDER, "--json"],
        &["audit", "--format", "json"],
        &["audit", "verify", "--json"],
        &["provider", "show", demo::PROVIDER, "--json"],
    ] {
        assert_eq!(on(&file, args), on(&target, args), "{args:?}");
    }
    assert_eq!(
        on(&file, &["audit", "verify", "--json"]),
        file_head,
        "the copy wrote no event to the file"
    );
    let users: Value = serde_json::from_str(&on(&target, &["user", "list", "--json"])).unwrap();
    assert!(users.as_array().unwrap().len() > 300, "{users}");
    // The copy works as a database of its own: the demo's trainer signs in and resets.
    let r = common::run(
        &target,
        &[
            "reset",
            "request",
            "--provider",
            demo::PROVIDER,
            "--login",
            demo::RESET_USER,
            "--address",
            demo::RESET_USER_EMAIL,
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn db_copy_refuses_a_target_that_is_not_empty_and_leaves_it_untouched() {
    let Some(foreign) = TestDb::postgres() else {
        return;
    };
    let file = TestDb::sqlite();
    ready(&file, 5);
    // Another program's table.
    foreign.execute("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric); INSERT INTO invoices VALUES (1, 9.5);");
    let r = common::run(&file, &["db", "copy", "--to", &foreign.db_arg()], &ROOT);
    assert_eq!(r.code, 2, "{}", r.stderr);
    one_sentence(&r);
    assert_eq!(foreign.tables(), ["invoices"]);
    assert_eq!(
        foreign.query("SELECT id, total FROM invoices"),
        [["1", "9.5"]]
    );
    // An spr-console database already: refused, its events as they were.
    let seat = foreign.another();
    ready(&seat, 5);
    let before = events(&seat);
    let r = common::run(&file, &["db", "copy", "--to", &seat.db_arg()], &ROOT);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(events(&seat), before);
    assert!(
        ok(&seat, &["user", "list", "--json"])
            .stdout
            .contains("jdoe"),
        "the seat's users are still there"
    );
}

/// Commands for the refusals: reads, writes, and the ones a person runs without an operator.
const EVERY_KIND: [&[&str]; 8] = [
    &["user", "list"],
    &["provider", "show", "ACME"],
    &["audit"],
    &["audit", "verify"],
    &["outbox"],
    &["user", "export"],
    &["provider", "add", "NEW", "--name", "New"],
    &["login", "--provider", "ACME", "--login", "jdoe"],
];

#[test]
fn a_database_with_another_programs_tables_is_refused_and_left_untouched() {
    let Some(db) = TestDb::postgres() else { return };
    db.execute(
        "CREATE TABLE invoices (id integer PRIMARY KEY, total numeric); \
         INSERT INTO invoices VALUES (1, 9.5), (2, 12);",
    );
    let mut commands = EVERY_KIND.to_vec();
    commands.push(&["init", "--operator", "root"]);
    for args in commands {
        let r = common::run(
            &db,
            args,
            &[ROOT[0], ROOT[1], ("SPR_USER_PASSWORD", USER_PW)],
        );
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        one_sentence(&r);
    }
    assert_eq!(db.tables(), ["invoices"], "nothing created");
    assert_eq!(
        db.query("SELECT id, total FROM invoices ORDER BY id"),
        [["1", "9.5"], ["2", "12"]]
    );
}

#[test]
fn an_empty_database_is_no_spr_console_database_for_every_command_but_init() {
    let Some(db) = TestDb::postgres() else { return };
    for args in EVERY_KIND {
        let r = common::run(
            &db,
            args,
            &[ROOT[0], ROOT[1], ("SPR_USER_PASSWORD", USER_PW)],
        );
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            one_sentence(&r)
                .to_lowercase()
                .contains("no spr-console database"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(db.tables().is_empty(), "{args:?} created {:?}", db.tables());
        assert_eq!(
            db.value("SELECT count(*) FROM pg_extension WHERE extname = 'citext'"),
            "0",
            "{args:?} created an extension"
        );
    }
    // init makes it one.
    let r = common::run(
        &db,
        &["init", "--operator", "root"],
        &[("SPR_OPERATOR_PASSWORD", ADMIN_PW)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    db.assert_holds_spr_console();
    ok(&db, &["user", "list"]);
}

/// A port on loopback that nothing listens on (taken, then let go).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn a_server_that_cannot_be_reached_is_exit_1_naming_the_host_never_the_password() {
    // No server is needed for this one: the point is that there is none.
    const SECRET: &str = "Zebra-Quartz-Secret-991";
    const ENV_SECRET: &str = "Otter-Basalt-Secret-552";
    let url = format!(
        "postgres://spr_test:{SECRET}@127.0.0.1:{}/spr",
        closed_port()
    );
    for args in [
        &["user", "list"][..],
        &["init", "--operator", "root"],
        &["login", "--provider", "ACME", "--login", "jdoe"],
    ] {
        let r = common::run(
            url.as_str(),
            args,
            &[
                ROOT[0],
                ROOT[1],
                ("SPR_USER_PASSWORD", USER_PW),
                ("PGPASSWORD", ENV_SECRET),
            ],
        );
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        let said = one_sentence(&r);
        assert!(said.contains("127.0.0.1"), "names the host: {said}");
        for secret in [SECRET, ENV_SECRET, ADMIN_PW] {
            assert!(
                !r.stderr.contains(secret) && !r.stdout.contains(secret),
                "{args:?} shows a password: {} {}",
                r.stdout,
                r.stderr
            );
        }
    }
}

#[test]
fn a_login_the_server_refuses_is_exit_1_naming_the_host_and_the_answer_never_the_password() {
    let Some(db) = TestDb::postgres() else { return };
    const SECRET: &str = "Walrus-Copper-Secret-314";
    // A role the server does not know, with a password in the URL.
    let arg = db.db_arg();
    let rest = arg.split_once("://").unwrap().1;
    let host_and_db = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host_and_db.split([':', '/']).next().unwrap();
    let url = format!("postgres://no_such_role:{SECRET}@{host_and_db}");
    let r = common::run(url.as_str(), &["user", "list"], &ROOT);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let said = one_sentence(&r);
    assert!(said.contains(host), "names the host {host}: {said}");
    assert!(said.contains("no_such_role"), "the server's answer: {said}");
    assert!(
        !r.stderr.contains(SECRET) && !r.stdout.contains(SECRET),
        "{said}"
    );
}

#[test]
fn a_newer_schema_on_the_server_is_refused_and_left_untouched() {
    let Some(db) = TestDb::postgres() else { return };
    ready(&db, 5);
    db.execute("UPDATE spr_schema SET version = version + 1000");
    let version = db.value("SELECT version FROM spr_schema");
    let before = db.value("SELECT count(*) FROM audit");
    for args in [
        &["user", "list"][..],
        &["provider", "add", "NEW", "--name", "New"],
    ] {
        let r = common::run(&db, args, &ROOT);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        one_sentence(&r);
    }
    assert_eq!(db.value("SELECT version FROM spr_schema"), version);
    assert_eq!(db.value("SELECT count(*) FROM audit"), before);
}

#[test]
fn after_init_the_audit_refuses_update_delete_and_truncate_even_to_its_owner() {
    let Some(db) = TestDb::postgres() else { return };
    ready(&db, 5);
    let before = events(&db);
    // init revoked the rights from PUBLIC and from the role it ran as (here the owner).
    for right in ["UPDATE", "DELETE", "TRUNCATE"] {
        for role in [db.value("SELECT current_user"), "public".to_owned()] {
            assert_eq!(
                db.value(&format!(
                    "SELECT has_table_privilege('{role}', 'audit', '{right}')"
                )),
                "0",
                "{role} may still {right} the audit"
            );
        }
    }
    for sql in [
        "UPDATE audit SET detail = 'nothing happened'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        let e = db.try_execute(sql).expect_err(sql);
        assert!(e.contains("permission denied"), "{sql}: {e}");
    }
    assert_eq!(events(&db), before);
    // The owner may grant itself UPDATE and DELETE back; the trigger still refuses them.
    db.execute("GRANT UPDATE, DELETE ON audit TO CURRENT_USER");
    for sql in [
        "UPDATE audit SET detail = 'nothing happened'",
        "DELETE FROM audit",
    ] {
        let e = db.try_execute(sql).expect_err(sql);
        assert!(
            e.contains("append-only"),
            "the trigger's refusal for {sql}: {e}"
        );
    }
    assert_eq!(events(&db), before);
    assert_eq!(ok(&db, &["audit", "verify", "--json"]).json()["ok"], true);
}
