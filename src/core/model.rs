//! Providers, users, operators, policies and the value types with rules (SPEC §2).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::CoreError;

/// A Provider Code: 2–32 characters of `A-Z 0-9 - _`, compared case-insensitively (kept upper case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProviderCode(String);

impl ProviderCode {
    /// Parses and normalises a Provider Code typed by a person.
    pub fn parse(s: &str) -> Result<Self, CoreError> {
        // Over its limit or with a control character, the input is not echoed back.
        crate::core::text::check_typed(
            s.trim(),
            "Provider Code",
            crate::core::text::PROVIDER_CODE_MAX,
        )?;
        let code = s.trim().to_uppercase();
        let ok_len = (2..=32).contains(&code.chars().count());
        let ok_chars = code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if ok_len && ok_chars {
            Ok(Self(code))
        } else {
            Err(CoreError::Invalid(format!(
                "\"{}\" is not a valid Provider Code: use 2 to 32 letters, digits, '-' or '_'.",
                s.trim()
            )))
        }
    }

    /// The code as stored (upper case).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Login Name: 1–64 characters, unique within a provider, compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoginName(String);

impl LoginName {
    /// Parses a Login Name typed by a person (surrounding spaces are dropped).
    pub fn parse(s: &str) -> Result<Self, CoreError> {
        crate::core::text::check_typed(s.trim(), "Login Name", crate::core::text::LOGIN_NAME_MAX)?;
        let login = s.trim();
        let n = login.chars().count();
        if (1..=64).contains(&n) && !login.chars().any(char::is_control) {
            Ok(Self(login.to_owned()))
        } else {
            Err(CoreError::Invalid(format!(
                "\"{}\" is not a valid Login Name: use 1 to 64 characters.",
                s.trim()
            )))
        }
    }

    /// The Login Name as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A syntactically valid email address (also used for Phone/Text Message Email gateways).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Parses an email address; the error names the field it came from.
    pub fn parse(s: &str) -> Result<Self, CoreError> {
        crate::core::text::check_typed(s.trim(), "address", crate::core::text::ADDRESS_MAX)?;
        let addr = s.trim();
        let valid = addr.len() <= 254
            && lettre::Address::from_str(addr).is_ok_and(|a| a.domain().contains('.'));
        if valid {
            Ok(Self(addr.to_owned()))
        } else {
            Err(CoreError::Invalid(format!(
                "\"{}\" is not a valid email address (expected name@example.org).",
                s.trim()
            )))
        }
    }

    /// The address as entered.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison, as SPEC §3.3 check 5 requires.
    pub fn matches(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.trim())
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user's account status (SPEC §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    AdminLocked,
    Deactivated,
    Deleted,
}

impl Status {
    /// All statuses, in the order the console lists them.
    pub const ALL: [Status; 4] = [
        Status::Active,
        Status::AdminLocked,
        Status::Deactivated,
        Status::Deleted,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::AdminLocked => "admin_locked",
            Self::Deactivated => "deactivated",
            Self::Deleted => "deleted",
        }
    }

    /// The help article's words.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::AdminLocked => "Admin Locked",
            Self::Deactivated => "Deactivated",
            Self::Deleted => "Deleted",
        }
    }
}

impl FromStr for Status {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "active" => Ok(Self::Active),
            "admin_locked" | "locked" => Ok(Self::AdminLocked),
            "deactivated" => Ok(Self::Deactivated),
            "deleted" => Ok(Self::Deleted),
            _ => Err(CoreError::Invalid(format!(
                "\"{s}\" is not a status: use active, admin_locked, deactivated or deleted."
            ))),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's password policy and SPR limits (SPEC §3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub max_incorrect: u32,
    pub token_minutes: u32,
    pub min_length: u32,
    pub history: u32,
    pub max_tokens_per_hour: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_incorrect: 5,
            token_minutes: 5,
            min_length: 15,
            history: 5,
            max_tokens_per_hour: 5,
        }
    }
}

/// One policy field: its name, allowed range and meaning, for validation and for the console.
#[derive(Clone, Copy, Debug)]
pub struct PolicyField {
    pub key: &'static str,
    pub label: &'static str,
    pub min: u32,
    pub max: u32,
}

/// The ranges of SPEC §3.8, in one place for the CLI, the core and the console.
pub const POLICY_FIELDS: [PolicyField; 5] = [
    PolicyField {
        key: "max_incorrect",
        label: "Maximum number of incorrect passwords tolerated",
        min: 1,
        max: 100,
    },
    PolicyField {
        key: "token_minutes",
        label: "Password token valid for (minutes)",
        min: 1,
        max: 60,
    },
    PolicyField {
        key: "min_length",
        label: "Minimum password length",
        min: 8,
        max: 64,
    },
    PolicyField {
        key: "history",
        label: "Previous passwords that may not be reused",
        min: 0,
        max: 24,
    },
    PolicyField {
        key: "max_tokens_per_hour",
        label: "Maximum password tokens per hour",
        min: 1,
        max: 100,
    },
];

impl Policy {
    /// Reads a field by its key.
    pub fn get(&self, key: &str) -> Option<u32> {
        Some(match key {
            "max_incorrect" => self.max_incorrect,
            "token_minutes" => self.token_minutes,
            "min_length" => self.min_length,
            "history" => self.history,
            "max_tokens_per_hour" => self.max_tokens_per_hour,
            _ => return None,
        })
    }

    /// Sets a field by its key after checking its range.
    pub fn set(&mut self, key: &str, value: u32) -> Result<(), CoreError> {
        let field = POLICY_FIELDS
            .iter()
            .find(|f| f.key == key)
            .ok_or_else(|| CoreError::Invalid(format!("unknown policy setting {key}")))?;
        if !(field.min..=field.max).contains(&value) {
            return Err(CoreError::Invalid(format!(
                "{} must be between {} and {}; {value} is out of range.",
                field.label, field.min, field.max
            )));
        }
        match key {
            "max_incorrect" => self.max_incorrect = value,
            "token_minutes" => self.token_minutes = value,
            "min_length" => self.min_length = value,
            "history" => self.history = value,
            _ => self.max_tokens_per_hour = value,
        }
        Ok(())
    }
}

/// A provider (agency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    pub id: i64,
    pub code: ProviderCode,
    pub name: String,
    pub spr_enabled: bool,
    pub policy: Policy,
}

/// A user of a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub provider_id: i64,
    pub provider_code: ProviderCode,
    pub login: LoginName,
    pub first: String,
    pub last: String,
    pub status: Status,
    pub spr_enabled: bool,
    pub email: Option<Email>,
    pub text_email: Option<Email>,
    pub failed_attempts: u32,
    pub locked_at: Option<DateTime<Utc>>,
    /// `token` or `password`: the kind of entry that locked the account.
    pub lock_cause: Option<String>,
    pub has_password: bool,
}

impl User {
    /// Whether the user configured at least one SPR contact.
    pub fn is_configured(&self) -> bool {
        self.email.is_some() || self.text_email.is_some()
    }

    /// "First Last", or the Login Name when no name is known.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first, self.last);
        let name = name.trim();
        if name.is_empty() {
            self.login.to_string()
        } else {
            name.to_owned()
        }
    }
}

/// The stored form of a time, read back (RFC 3339, UTC).
pub use super::clock::parse_rfc3339;

// ---- Query types: what the store is asked and what it answers with. ----

/// How the Users list is narrowed. Every field narrows; `None` means any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserFilter {
    pub provider_id: Option<i64>,
    /// `None` hides deleted users; `Some(s)` shows only that status.
    pub status: Option<Status>,
    pub spr_enabled: Option<bool>,
    pub configured: Option<bool>,
    /// Matches the start of Login Name, first or last name, or email (case-insensitive).
    pub search: Option<String>,
    /// Lists Admin Locked users first, most recently locked first.
    pub locked_first: bool,
    /// Only users whose contacts are all on retired text gateways (SPEC §3.12: they cannot
    /// receive a token).
    pub retired_gateway_only: bool,
}

/// Counts at a glance for the Provider panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProviderCounts {
    pub users: u64,
    pub spr_enabled: u64,
    pub configured: u64,
    pub admin_locked: u64,
}

/// A message in the outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredMessage {
    #[serde(skip)]
    pub id: i64,
    pub at: String,
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

/// One user row of an import, already checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedUser {
    pub login: String,
    pub first: String,
    pub last: String,
    pub email: Option<String>,
    pub text_email: Option<String>,
    pub spr_enabled: bool,
}

/// How many users match: exactly, or at least `n` ("more than `n`").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matches {
    pub n: u64,
    pub exact: bool,
}

impl fmt::Display for Matches {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = super::text::thousands(self.n);
        if self.exact && self.n == 1 {
            write!(f, "1 user matches")
        } else if self.exact {
            write!(f, "{n} users match")
        } else {
            write!(f, "More than {n} users match (counting…)")
        }
    }
}

/// A console operator's role (SPEC §3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    Helpdesk,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuperAdmin => "super_admin",
            Self::Helpdesk => "helpdesk",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::SuperAdmin => "Super Admin",
            Self::Helpdesk => "Helpdesk",
        }
    }
}

impl FromStr for Role {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, CoreError> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "super_admin" => Ok(Self::SuperAdmin),
            "helpdesk" => Ok(Self::Helpdesk),
            _ => Err(CoreError::Invalid(format!(
                "\"{s}\" is not a role: use super-admin or helpdesk."
            ))),
        }
    }
}

/// A console account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub id: i64,
    pub login: String,
    pub role: Role,
}

impl Operator {
    /// Whether this operator may change enablement, policy, mail settings, operators and statuses.
    pub fn is_super_admin(&self) -> bool {
        self.role == Role::SuperAdmin
    }
}

#[cfg(test)]
mod matches_tests {
    use super::Matches;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(
            Matches { n: 1, exact: true }.to_string(),
            "1 user matches",
            "one is singular"
        );
        assert_eq!(
            Matches {
                n: 2_000,
                exact: false
            }
            .to_string(),
            "More than 2,000 users match (counting…)"
        );
        assert_eq!(
            Matches {
                n: 43_210,
                exact: true
            }
            .to_string(),
            "43,210 users match"
        );
    }
}
