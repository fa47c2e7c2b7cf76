//! Property: the account is Admin Locked exactly when the consecutive wrong entries since the
//! last success or unlock exceeded `max_incorrect` (SPEC §3.6).

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use proptest::prelude::*;
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn admin_locked_exactly_when_consecutive_wrong_entries_exceed_the_maximum(
        max in 1u32..=5,
        ops in proptest::collection::vec(op(), 1..30),
    ) {
        let mut w = world(max);
        let a = w.admin.clone();
        w.svc.update_provider(&a, "ACME", &ProviderChanges { max_tokens_per_hour: Some(100), ..Default::default() }).unwrap();
        let (mut wrong_in_a_row, mut locked) = (0u32, false);
        for op in ops {
            match op {
                Op::WrongToken => {
                    if !locked {
                        // A live token to guess at; the request itself counts nothing.
                        w.svc.request_token("jdoe", "ACME", "jdoe@example.org").unwrap();
                    }
                    let tok = if locked { "2345-6789".to_owned() } else { wrong_token(&last_token(&w.svc)) };
                    let _ = w.svc.complete_reset("ACME", "jdoe", &tok, NEW_PW, NEW_PW);
                }
                Op::WrongLoginPassword => { let _ = w.svc.login("ACME", "jdoe", "not-the-password"); }
                Op::WrongVerifyPassword => { let _ = w.svc.configure_verify("ACME", "jdoe", "not-the-password"); }
                Op::RightLogin => { let _ = w.svc.login("ACME", "jdoe", USER_PW); }
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
                Op::Unlock if locked => { locked = false; wrong_in_a_row = 0; }
                _ => {}
            }
            let u = w.svc.user("ACME", "jdoe").unwrap();
            prop_assert_eq!(u.status == Status::AdminLocked, locked, "after {:?}", op);
            prop_assert_eq!(u.failed_attempts, wrong_in_a_row, "after {:?}", op);
            w.clock.advance(chrono::Duration::seconds(20));
        }
    }
}
