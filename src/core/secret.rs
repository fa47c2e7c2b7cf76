//! A password or a token in memory (issue 10): wiped when dropped, never shown by `Debug`.

use std::fmt;
use std::ops::Deref;

use zeroize::Zeroizing;

/// A secret string: its bytes are zeroed when it is dropped, and `Debug` prints
/// `Secret(<redacted>)`, so a log line or a panic message never carries it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The secret's text, for the one place that needs it (a hash, a form field).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The text as a form field edits it; what the field drops is not wiped by this type.
    pub fn as_mut_string(&mut self) -> &mut String {
        &mut self.0
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes the secret out, leaving an empty one.
    pub fn take(&mut self) -> Secret {
        std::mem::take(self)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(Zeroizing::new(s))
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(Zeroizing::new(s.to_owned()))
    }
}

impl Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let s = Secret::from("hunter2-Lantern");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(Secret(<redacted>))");
        assert_eq!(s.expose(), "hunter2-Lantern");
    }
}
