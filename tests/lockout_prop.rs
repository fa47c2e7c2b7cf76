//! Property: the account is Admin Locked exactly when the consecutive wrong entries since the
//! last success or unlock exceeded `max_incorrect` (SPEC §3.6), on each engine.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use spr_console::core::model::Status;
use spr_console::core::service::ProviderChanges;

#[derive(Clone, Copy, Debug)]
enum Op {
    WrongToken,
    WrongLoginPassword,
    WrongVerifyPassword,
    RightLogin,
    Unlock,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::WrongToken),
        2 => Just(Op::WrongLoginPassword),
        1 => Just(Op::WrongVerifyPassword),
        2 => Just(Op::RightLogin),
        1 => Just(Op::Unlock),
    ]
}

/// Runs the property, each case on a fresh database of `engine`'s kind.
fn admin_locked_exactly_when_consecutive_wrong_entries_exceed_the_maximum(engine: TestDb) {
    // Each PostgreSQL case creates and migrates a database on the server: fewer of them.
    let cases = if engine.is_postgres() { 16 } else { 48 };
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    let strategy = (1u32..=5, proptest::collection::vec(op(), 1..30));
    if let Err(e) = runner.run(&strategy, |(max, ops)| story(engine.another(), max, ops)) {
        panic!("{e}");
    }
}

fn story(db: TestDb, max: u32, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut w = world_on(db, max);
    let a = w.admin.clone();
    w.svc
        .update_provider(
            &a,
            "ACME",
            &ProviderChanges {
                max_tokens_per_hour: Some(100),
                ..Default::default()
            },
        )
        .unwrap();
    let (mut wrong_in_a_row, mut locked) = (0u32, false);
    for op in ops {
        match op {
            Op::WrongToken => {
                if !locked {
                    // A live token to guess at; the request itself counts nothing.
                    w.svc
                        .request_token("jdoe", "ACME", "jdoe@example.org")
                        .unwrap();
                }
                let tok = if locked {
                    "2345-6789".to_owned()
                } else {
                    wrong_token(&last_token(&w.svc))
                };
                let _ = w.svc.complete_reset("ACME", "jdoe", &tok, NEW_PW, NEW_PW);
            }
            Op::WrongLoginPassword => {
                let _ = w.svc.login("ACME", "jdoe", "not-the-password");
            }
            Op::WrongVerifyPassword => {
                let _ = w.svc.configure_verify("ACME", "jdoe", "not-the-password");
            }
            Op::RightLogin => {
                let _ = w.svc.login("ACME", "jdoe", USER_PW);
            }
            Op::Unlock => {
                let id = w.svc.user("ACME", "jdoe").unwrap().id;
                let _ = w.svc.unlock(&a, id, "property test");
            }
        }
        // The model.
        match op {
            Op::WrongToken | Op::WrongLoginPassword | Op::WrongVerifyPassword if !locked => {
                wrong_in_a_row += 1;
                locked = wrong_in_a_row > max;
            }
            Op::RightLogin if !locked => wrong_in_a_row = 0,
            Op::Unlock if locked => {
                locked = false;
                wrong_in_a_row = 0;
            }
            _ => {}
        }
        let u = w.svc.user("ACME", "jdoe").unwrap();
        prop_assert_eq!(u.status == Status::AdminLocked, locked, "after {:?}", op);
        prop_assert_eq!(u.failed_attempts, wrong_in_a_row, "after {:?}", op);
        w.clock.advance(chrono::Duration::seconds(20));
    }
    Ok(())
}

engines!(admin_locked_exactly_when_consecutive_wrong_entries_exceed_the_maximum);
