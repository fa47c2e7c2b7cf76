//! Password rules (SPEC §3.8) and the lockout arithmetic (SPEC §3.6).

use std::fmt;

/// Longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Lowest zxcvbn score accepted (0–4).
pub const MIN_STRENGTH_SCORE: u8 = 3;

/// One broken password rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyViolation {
    TooShort { min: u32, actual: usize },
    TooLong { max: usize, actual: usize },
    EqualsLogin,
    ContainsLogin,
    RecentlyUsed { history: u32 },
    TooGuessable { hint: Option<String> },
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min, actual } => write!(
                f,
                "The password must be at least {min} characters long (it has {actual})."
            ),
            Self::TooLong { max, actual } => write!(
                f,
                "The password may be at most {max} characters long (it has {actual})."
            ),
            Self::EqualsLogin => write!(f, "The password may not be the Login Name."),
            Self::ContainsLogin => write!(f, "The password may not contain the Login Name."),
            Self::RecentlyUsed { history } => write!(
                f,
                "The password was used recently: it may not be one of the last {history} passwords."
            ),
            Self::TooGuessable { hint } => {
                write!(f, "The password is too common or easy to guess.")?;
                if let Some(hint) = hint {
                    write!(f, " {hint}")?;
                }
                Ok(())
            }
        }
    }
}

/// The rules that need no stored hashes: length, Login Name, strength.
/// `user_inputs` are the Login Name and the person's names, given to the strength estimator.
pub fn check_new_password(
    password: &str,
    min_length: u32,
    login: &str,
    user_inputs: &[&str],
) -> Vec<PolicyViolation> {
    let mut broken = Vec::new();
    let chars = password.chars().count();
    if chars < min_length as usize {
        broken.push(PolicyViolation::TooShort {
            min: min_length,
            actual: chars,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        broken.push(PolicyViolation::TooLong {
            max: MAX_PASSWORD_CHARS,
            actual: chars,
        });
    }
    let pw_lower = password.to_lowercase();
    let login_lower = login.to_lowercase();
    if pw_lower == login_lower {
        broken.push(PolicyViolation::EqualsLogin);
    } else if login.chars().count() >= 4 && pw_lower.contains(&login_lower) {
        broken.push(PolicyViolation::ContainsLogin);
    }
    // zxcvbn's matching is quadratic in length; beyond the accepted maximum it only costs time.
    if !password.is_empty() && chars <= MAX_PASSWORD_CHARS {
        let inputs: Vec<&str> = user_inputs
            .iter()
            .copied()
            .filter(|s| !s.trim().is_empty())
            .collect();
        let estimate = zxcvbn::zxcvbn(password, &inputs);
        if u8::from(estimate.score()) < MIN_STRENGTH_SCORE {
            let hint = estimate.feedback().and_then(|fb| {
                fb.warning()
                    .map(|w| w.to_string())
                    .or_else(|| fb.suggestions().first().map(|s| s.to_string()))
            });
            broken.push(PolicyViolation::TooGuessable { hint });
        }
    }
    broken
}

/// How many more incorrect entries are tolerated before the account is Admin Locked.
pub fn tries_left(max_incorrect: u32, failed_attempts: u32) -> u32 {
    max_incorrect.saturating_sub(failed_attempts)
}

/// Whether this many consecutive incorrect entries lock the account: only *above* the maximum.
pub fn locks_at(max_incorrect: u32, failed_attempts: u32) -> bool {
    failed_attempts > max_incorrect
}

/// The policy's lockout threshold in words, for the console.
pub fn lockout_in_words(max_incorrect: u32) -> String {
    let nth = max_incorrect + 1;
    let suffix = match (nth % 10, nth % 100) {
        (1, n) if n != 11 => "st",
        (2, n) if n != 12 => "nd",
        (3, n) if n != 13 => "rd",
        _ => "th",
    };
    format!("An account is Admin Locked on the {nth}{suffix} consecutive wrong password or token.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_but_common_passwords_are_refused() {
        for pw in ["passwordpassword", "qwertyuiopasdfgh"] {
            let broken = check_new_password(pw, 15, "jdoe", &["jdoe"]);
            assert!(
                broken
                    .iter()
                    .any(|v| matches!(v, PolicyViolation::TooGuessable { .. })),
                "{pw}: {broken:?}"
            );
        }
    }

    #[test]
    fn a_strong_long_password_passes() {
        let broken = check_new_password("correct horse battery staple 42", 15, "jdoe", &["jdoe"]);
        assert_eq!(broken, vec![]);
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let broken = check_new_password("jdoe", 15, "jdoe", &["jdoe"]);
        assert!(broken.contains(&PolicyViolation::TooShort { min: 15, actual: 4 }));
        assert!(broken.contains(&PolicyViolation::EqualsLogin));
        assert!(
            broken
                .iter()
                .any(|v| matches!(v, PolicyViolation::TooGuessable { .. }))
        );
    }

    #[test]
    fn login_of_four_or_more_characters_may_not_be_contained() {
        let broken = check_new_password("xx-MARYSMITH-violet-tundra-88", 15, "marysmith", &[]);
        assert!(broken.contains(&PolicyViolation::ContainsLogin));
        let short = check_new_password("abc violet tundra marsh 88", 15, "abc", &[]);
        assert!(!short.contains(&PolicyViolation::ContainsLogin));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let pw = "ééééééééééééééé"; // 15 characters, 30 bytes
        let broken = check_new_password(pw, 15, "x", &[]);
        assert!(
            !broken
                .iter()
                .any(|v| matches!(v, PolicyViolation::TooShort { .. }))
        );
        let long: String = "é".repeat(129);
        let broken = check_new_password(&long, 15, "x", &[]);
        assert!(broken.contains(&PolicyViolation::TooLong {
            max: 128,
            actual: 129
        }));
    }

    #[test]
    fn lock_happens_only_above_the_maximum() {
        assert!(!locks_at(5, 5));
        assert!(locks_at(5, 6));
        assert!(locks_at(1, 2));
        assert!(!locks_at(100, 100));
        assert_eq!(tries_left(3, 1), 2);
        assert_eq!(
            lockout_in_words(5),
            "An account is Admin Locked on the 6th consecutive wrong password or token."
        );
        assert!(lockout_in_words(1).contains("2nd"));
        assert!(lockout_in_words(10).contains("11th"));
        assert!(lockout_in_words(20).contains("21st"));
    }

    #[test]
    fn the_lockout_words_use_the_right_ordinal_for_every_ending() {
        for (max, nth) in [
            (0, "1st"),
            (2, "3rd"),
            (10, "11th"),
            (11, "12th"),
            (12, "13th"),
            (21, "22nd"),
            (22, "23rd"),
            (99, "100th"),
            (100, "101st"),
        ] {
            assert_eq!(
                lockout_in_words(max),
                format!(
                    "An account is Admin Locked on the {nth} consecutive wrong password or token."
                ),
                "max_incorrect {max}"
            );
        }
    }

    #[test]
    fn tries_left_counts_down_to_zero_and_stays_there() {
        assert_eq!(tries_left(5, 0), 5);
        assert_eq!(tries_left(5, 4), 1);
        assert_eq!(tries_left(5, 5), 0);
        assert_eq!(tries_left(5, 7), 0);
    }

    #[test]
    fn the_length_rules_hold_exactly_at_their_limits() {
        let pw = "violet-Tundra-marsh-8841";
        let n = u32::try_from(pw.chars().count()).unwrap();
        let too_short = |min| {
            check_new_password(pw, min, "x", &[])
                .iter()
                .any(|v| matches!(v, PolicyViolation::TooShort { .. }))
        };
        assert!(!too_short(n), "exactly the minimum is long enough");
        assert!(too_short(n + 1));
        let max: String = "é".repeat(MAX_PASSWORD_CHARS);
        assert!(
            !check_new_password(&max, 15, "x", &[])
                .iter()
                .any(|v| matches!(v, PolicyViolation::TooLong { .. })),
            "exactly the maximum is short enough"
        );
    }

    #[test]
    fn a_login_of_exactly_four_characters_may_not_be_contained() {
        let broken = check_new_password("violet-MARY-tundra-marsh-88", 15, "mary", &[]);
        assert!(
            broken.contains(&PolicyViolation::ContainsLogin),
            "{broken:?}"
        );
        assert!(!broken.contains(&PolicyViolation::EqualsLogin));
    }

    #[test]
    fn every_broken_rule_reads_as_a_sentence() {
        for (v, words) in [
            (
                PolicyViolation::TooShort { min: 15, actual: 4 },
                "The password must be at least 15 characters long (it has 4).",
            ),
            (
                PolicyViolation::TooLong {
                    max: 128,
                    actual: 129,
                },
                "The password may be at most 128 characters long (it has 129).",
            ),
            (
                PolicyViolation::EqualsLogin,
                "The password may not be the Login Name.",
            ),
            (
                PolicyViolation::ContainsLogin,
                "The password may not contain the Login Name.",
            ),
            (
                PolicyViolation::RecentlyUsed { history: 5 },
                "The password was used recently: it may not be one of the last 5 passwords.",
            ),
            (
                PolicyViolation::TooGuessable {
                    hint: Some("Add another word or two.".into()),
                },
                "The password is too common or easy to guess. Add another word or two.",
            ),
            (
                PolicyViolation::TooGuessable { hint: None },
                "The password is too common or easy to guess.",
            ),
        ] {
            assert_eq!(v.to_string(), words);
        }
    }

    #[test]
    fn a_password_of_strength_3_is_accepted() {
        // zxcvbn scores "tundra lantern" exactly 3, the lowest score accepted.
        let broken = check_new_password("tundra lantern", 8, "jdoe", &["jdoe"]);
        assert_eq!(broken, vec![], "score 3 is strong enough");
    }

    #[test]
    fn the_persons_own_names_make_a_password_guessable() {
        // Random-looking on its own (score 4), but it is the person's first and last name.
        let pw = "ZyxwvutqPlorkmund";
        let guessable = |inputs: &[&str]| {
            check_new_password(pw, 8, "jdoe", inputs)
                .iter()
                .any(|v| matches!(v, PolicyViolation::TooGuessable { .. }))
        };
        assert!(!guessable(&[]));
        assert!(guessable(&["jdoe", "Zyxwvutq", "Plorkmund"]));
        assert!(
            guessable(&["", "  ", "Zyxwvutq", "Plorkmund"]),
            "blank names are skipped, not the rest"
        );
    }

    #[test]
    fn an_overlong_password_is_refused_for_length_only_without_estimating_it() {
        // The estimator is quadratic in length: beyond the limit it is not asked at all.
        let long = "a".repeat(300);
        let started = std::time::Instant::now();
        let broken = check_new_password(&long, 15, "jdoe", &["jdoe"]);
        assert_eq!(
            broken,
            vec![PolicyViolation::TooLong {
                max: MAX_PASSWORD_CHARS,
                actual: 300
            }]
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
