//! The password token: alphabet, generation and parsing (SPEC §3.4).

use std::fmt;

use rand::Rng;

/// 31 symbols without 0/O/1/I/L.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols in a token.
pub const TOKEN_LEN: usize = 8;

/// A password token. Its `Display` is the two groups of four, `7KQ2-M9XD`.
/// Its text is wiped from memory when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(zeroize::Zeroizing<String>);

impl Token {
    /// Draws a new token uniformly from the alphabet with the OS-seeded CSPRNG.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        let s = (0..TOKEN_LEN)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect::<String>();
        Self(zeroize::Zeroizing::new(s))
    }

    /// Parses what a person typed: case, spaces and hyphens are ignored.
    /// Returns `None` when it cannot be a token at all (wrong length or symbol).
    pub fn parse(input: &str) -> Option<Self> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = s.len() == TOKEN_LEN && s.bytes().all(|b| ALPHABET.contains(&b));
        ok.then(|| Self(zeroize::Zeroizing::new(s)))
    }

    /// The canonical form that is hashed: eight symbols, no hyphen.
    pub fn canonical(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", &self.0[..4], &self.0[4..])
    }
}

impl fmt::Debug for Token {
    // A token must never reach a log through Debug formatting.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(********)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_use_only_the_alphabet_and_show_as_two_groups() {
        for _ in 0..200 {
            let t = Token::generate();
            let shown = t.to_string();
            assert_eq!(shown.len(), 9);
            assert_eq!(&shown[4..5], "-");
            assert!(t.canonical().bytes().all(|b| ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn entry_ignores_case_spaces_and_hyphens() {
        let t = Token::parse("7KQ2-M9XD").expect("valid");
        assert_eq!(Token::parse(" 7kq2 m9xd "), Some(t.clone()));
        assert_eq!(Token::parse("7kq2m9xd"), Some(t));
        assert_eq!(Token::parse("7KQ2-M9X"), None);
        assert_eq!(Token::parse("0KQ2-M9XD"), None, "0 is not in the alphabet");
    }

    #[test]
    fn every_symbol_is_drawn() {
        let mut seen = [false; 31];
        for _ in 0..400 {
            for b in Token::generate().canonical().bytes() {
                let i = ALPHABET.iter().position(|&a| a == b).expect("in alphabet");
                seen[i] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let t = Token::parse("7KQ2-M9XD").expect("valid");
        let shown = format!("{t:?} {:?}", Some(&t));
        assert_eq!(format!("{t:?}"), "Token(********)");
        assert!(
            !shown.contains("7KQ2") && !shown.contains("M9XD"),
            "{shown}"
        );
        assert_eq!(t.to_string(), "7KQ2-M9XD");
        assert_eq!(t.canonical(), "7KQ2M9XD");
    }
}
