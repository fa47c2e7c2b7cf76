//! Property tests over every parser of typed input (SPEC §3.4, §3.14): tokens, addresses,
//! Provider Codes, Login Names, CSV cells and whole CSV files. None may panic, and what they
//! accept stays inside the limits.

// Test code may unwrap: a failure is a failed test with its location.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::prelude::*;
use spr_console::core::model::{Email, LoginName, ProviderCode};
use spr_console::core::text::{self, csv_cell, csv_uncell, escape_controls};
use spr_console::core::token::{ALPHABET, Token};

/// Text that mixes what breaks parsers: controls, quotes, separators, long runs, RTL marks.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[=+@\\t\\r\\n'\",;\\-\\x1b\\x07\\u{202e}\\u{0}a-zA-Z0-9 .]{0,80}",
        ".{0,300}",
        "[A-Za-z0-9]{60,70}",
        "[a-z]{1,64}@[a-z]{1,63}\\.[a-z]{2,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_token_parser_never_panics_and_accepts_only_tokens(s in nasty()) {
        if let Some(t) = Token::parse(&s) {
            prop_assert_eq!(t.canonical().len(), 8);
            prop_assert!(t.canonical().bytes().all(|b| ALPHABET.contains(&b)));
            prop_assert_eq!(Token::parse(&t.to_string()), Some(t));
        }
    }

    #[test]
    fn typed_names_and_addresses_are_accepted_only_inside_their_limits(s in nasty()) {
        if let Ok(c) = ProviderCode::parse(&s) {
            prop_assert!(c.as_str().chars().count() <= text::PROVIDER_CODE_MAX);
            prop_assert!(!c.as_str().chars().any(char::is_control));
        }
        if let Ok(l) = LoginName::parse(&s) {
            prop_assert!(l.as_str().chars().count() <= text::LOGIN_NAME_MAX);
            prop_assert!(!l.as_str().chars().any(char::is_control));
        }
        if let Ok(e) = Email::parse(&s) {
            prop_assert!(e.as_str().chars().count() <= text::ADDRESS_MAX);
            prop_assert!(!e.as_str().chars().any(char::is_control));
        }
        // A refusal never echoes more than the limit back.
        for err in [
            ProviderCode::parse(&s).err(),
            LoginName::parse(&s).err(),
            Email::parse(&s).err(),
        ]
        .into_iter()
        .flatten()
        {
            let m = err.to_string();
            prop_assert!(m.chars().count() < 400, "{}", m);
            prop_assert!(!m.chars().any(char::is_control), "{:?}", m);
        }
    }

    #[test]
    fn csv_cells_round_trip_and_never_start_a_formula(s in nasty()) {
        let cell = csv_cell(&s);
        prop_assert_eq!(csv_uncell(&cell), s.as_str());
        prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
    }

    #[test]
    fn escaped_output_holds_no_control_character_but_newlines(s in nasty()) {
        let out = escape_controls(&s);
        prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n'));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Whole CSV files of odd rows: the import answers with a report or named bad rows.
    #[test]
    fn a_csv_import_of_any_rows_never_panics(
        rows in prop::collection::vec(prop::collection::vec(nasty(), 0..8), 0..6),
        header in prop_oneof![
            Just("login,first,last,email,text_email,spr".to_owned()),
            Just("login,email".to_owned()),
            nasty(),
        ],
    ) {
        let mut w = common::world(5);
        let mut csv = header;
        csv.push('\n');
        for r in rows {
            csv.push_str(&r.join(","));
            csv.push('\n');
        }
        let admin = w.admin.clone();
        let _ = w.svc.import_users(&admin, "ACME", "prop.csv", csv.as_bytes(), csv.len() as u64, |_, _| {});
        prop_assert!(w.svc.audit_verify().unwrap().ok);
    }
}
