//! Text that crosses a boundary (SPEC §3.14): typed input and its limits, CSV cells a
//! spreadsheet must not run, and control characters that must never reach a terminal raw.

use std::borrow::Cow;

use super::CoreError;

/// The limit of a Provider Code, in characters.
pub const PROVIDER_CODE_MAX: usize = 32;
/// The limit of a Login Name, in characters.
pub const LOGIN_NAME_MAX: usize = 64;
/// The limit of a first or a last name, in characters.
pub const NAME_MAX: usize = 100;
/// The limit of an (email or text) address, in characters.
pub const ADDRESS_MAX: usize = 254;
/// The limit of a reason or a note, in characters.
pub const NOTE_MAX: usize = 500;
/// The limit of a typed password token (8 symbols, with room for spaces and hyphens).
pub const TOKEN_MAX: usize = 64;

/// Checks text a person typed against its limit and for control characters (SPEC §3.10):
/// either is an input error, found before anything else is done.
pub fn check_typed(value: &str, what: &str, max: usize) -> Result<(), CoreError> {
    if value.chars().any(char::is_control) {
        return Err(CoreError::Invalid(format!(
            "The {what} contains a control character: type it again without one."
        )));
    }
    let n = value.chars().count();
    if n > max {
        return Err(CoreError::Invalid(format!(
            "The {what} is {n} characters long: at most {max} are allowed."
        )));
    }
    Ok(())
}

/// Whether a spreadsheet would run a cell that starts with this character.
fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Whether the value is `'`s (any number, none included) followed by a formula character.
fn quoted_formula(value: &str) -> bool {
    value
        .trim_start_matches('\'')
        .chars()
        .next()
        .is_some_and(is_formula_start)
}

/// A CSV cell as written: one that starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`, so a spreadsheet shows it as text. So that every value comes
/// back unchanged through [`csv_uncell`], a value that starts with `'`s before one of those
/// characters gets one more.
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    if quoted_formula(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A CSV cell as read back: a `'` followed by one of the characters [`csv_cell`] guards
/// (or by more `'`s and then one of them) loses that one `'`.
pub fn csv_uncell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if quoted_formula(rest) => rest,
        _ => value,
    }
}

/// Text for a terminal or a pipe: every control character but a newline escaped as
/// `\u{1b}`, so nothing stored can move the cursor, ring the bell or retitle the window.
pub fn escape_controls(value: &str) -> Cow<'_, str> {
    if !value.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c.is_control() && c != '\n' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A count with thousands separators: `100,007`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_get_a_quote_and_lose_it_on_the_way_back() {
        for v in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            let cell = csv_cell(v);
            assert_eq!(cell, format!("'{v}"));
            assert_eq!(csv_uncell(&cell), v);
        }
        for v in ["ann", "", "'quoted", "a=b", "'x"] {
            assert_eq!(csv_cell(v), v);
            assert_eq!(csv_uncell(v), v);
        }
        // A value that looks guarded already keeps its quote through the round trip.
        assert_eq!(csv_cell("'=x"), "''=x");
        assert_eq!(csv_uncell(&csv_cell("'=x")), "'=x");
        assert_eq!(csv_uncell(&csv_cell("''-1")), "''-1");
    }

    #[test]
    fn control_characters_are_escaped_for_terminals() {
        assert_eq!(escape_controls("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
        assert_eq!(escape_controls("two\nlines"), "two\nlines");
    }

    #[test]
    fn typed_text_over_its_limit_or_with_a_control_is_refused() {
        assert!(check_typed(&"a".repeat(64), "Login Name", 64).is_ok());
        let e = check_typed(&"a".repeat(65), "Login Name", 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "The Login Name is 65 characters long: at most 64 are allowed."
        );
        assert!(check_typed("a\u{1b}b", "Login Name", 64).is_err());
    }
}
