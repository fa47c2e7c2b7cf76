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

/// A policy value's key, as the command line and the audit log spell it (SPEC §3.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKey {
    MaxIncorrect,
    TokenMinutes,
    MinLength,
    History,
    MaxTokensPerHour,
}

impl PolicyKey {
    /// Every key, in the order the console shows them.
    pub const ALL: [PolicyKey; 5] = [
        PolicyKey::MaxIncorrect,
        PolicyKey::TokenMinutes,
        PolicyKey::MinLength,
        PolicyKey::History,
        PolicyKey::MaxTokensPerHour,
    ];

    /// The key as spelled in the command line, the audit log and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MaxIncorrect => "max_incorrect",
            Self::TokenMinutes => "token_minutes",
            Self::MinLength => "min_length",
            Self::History => "history",
            Self::MaxTokensPerHour => "max_tokens_per_hour",
        }
    }

    /// This key's range and label.
    pub fn field(self) -> &'static PolicyField {
        match self {
            Self::MaxIncorrect => &POLICY_FIELDS[0],
            Self::TokenMinutes => &POLICY_FIELDS[1],
            Self::MinLength => &POLICY_FIELDS[2],
            Self::History => &POLICY_FIELDS[3],
            Self::MaxTokensPerHour => &POLICY_FIELDS[4],
        }
    }
}

impl fmt::Display for PolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PolicyKey {
    type Err = CoreError;

    /// Parses a key; an unknown one is refused with the list of valid keys.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                let valid: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                CoreError::Invalid(format!(
                    "\"{}\" is not a policy setting: use one of {}.",
                    s.trim(),
                    valid.join(", ")
                ))
            })
    }
}

/// One policy field: its key, allowed range and meaning, for validation and for the console.
#[derive(Clone, Copy, Debug)]
pub struct PolicyField {
    pub key: PolicyKey,
    pub label: &'static str,
    pub min: u32,
    pub max: u32,
}

/// The ranges of SPEC §3.8, in one place for the CLI, the core and the console.
pub const POLICY_FIELDS: [PolicyField; 5] = [
    PolicyField {
        key: PolicyKey::MaxIncorrect,
        label: "Maximum number of incorrect passwords tolerated",
        min: 1,
        max: 100,
    },
    PolicyField {
        key: PolicyKey::TokenMinutes,
        label: "Password token valid for (minutes)",
        min: 1,
        max: 60,
    },
    PolicyField {
        key: PolicyKey::MinLength,
        label: "Minimum password length",
        min: 8,
        max: 64,
    },
    PolicyField {
        key: PolicyKey::History,
        label: "Previous passwords that may not be reused",
        min: 0,
        max: 24,
    },
    PolicyField {
        key: PolicyKey::MaxTokensPerHour,
        label: "Maximum password tokens per hour",
        min: 1,
        max: 100,
    },
];

impl Policy {
    /// Reads a value by its key.
    pub fn get(&self, key: PolicyKey) -> u32 {
        match key {
            PolicyKey::MaxIncorrect => self.max_incorrect,
            PolicyKey::TokenMinutes => self.token_minutes,
            PolicyKey::MinLength => self.min_length,
            PolicyKey::History => self.history,
            PolicyKey::MaxTokensPerHour => self.max_tokens_per_hour,
        }
    }

    /// Sets a value by its key after checking its range; out of range changes nothing.
    pub fn set(&mut self, key: PolicyKey, value: u32) -> Result<(), CoreError> {
        let field = key.field();
        if !(field.min..=field.max).contains(&value) {
            return Err(CoreError::Invalid(format!(
                "{} must be between {} and {}; {value} is out of range.",
                field.label, field.min, field.max
            )));
        }
        let slot = match key {
            PolicyKey::MaxIncorrect => &mut self.max_incorrect,
            PolicyKey::TokenMinutes => &mut self.token_minutes,
            PolicyKey::MinLength => &mut self.min_length,
            PolicyKey::History => &mut self.history,
            PolicyKey::MaxTokensPerHour => &mut self.max_tokens_per_hour,
        };
        *slot = value;
        Ok(())
    }
}

/// A password token's state (SPEC §3.5): only a live one can be used, and only until it expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenState {
    /// Sent and not yet used, replaced or ended (it may still have expired).
    Live,
    /// Used to change the password.
    Used,
    /// Ended before use: replaced, the account locked, a contact changed or not delivered.
    Invalidated,
}

impl TokenState {
    /// The state as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Used => "used",
            Self::Invalidated => "invalidated",
        }
    }
}

impl fmt::Display for TokenState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenState {
    type Err = CoreError;

    /// Parses a stored state; anything else is a damaged row, not a state.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Self::Live),
            "used" => Ok(Self::Used),
            "invalidated" => Ok(Self::Invalidated),
            other => Err(CoreError::Internal(format!(
                "A password token has the unknown state \"{other}\"."
            ))),
        }
    }
}

/// The kind of entry that counts toward the lock when incorrect (SPEC §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IncorrectEntry {
    Password,
    Token,
}

impl IncorrectEntry {
    /// As stored as an account's lock cause.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Token => "token",
        }
    }

    /// The wrong entries of this kind, in words: "wrong password tokens", "wrong passwords".
    pub fn plural_words(self) -> &'static str {
        match self {
            Self::Password => "wrong passwords",
            Self::Token => "wrong password tokens",
        }
    }
}

impl FromStr for IncorrectEntry {
    type Err = CoreError;

    /// Parses a stored lock cause; anything else is a damaged row.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "password" => Ok(Self::Password),
            "token" => Ok(Self::Token),
            other => Err(CoreError::Internal(format!(
                "An account has the unknown lock cause \"{other}\"."
            ))),
        }
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
    /// The kind of entry that locked the account.
    pub lock_cause: Option<IncorrectEntry>,
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
    /// The order of the list. Any order but the default replaces "Admin Locked first".
    pub sort: UserSort,
}

/// A column the Users list can be ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortColumn {
    /// Provider Code, then Login Name (the default order).
    #[default]
    Provider,
    LoginName,
    FirstName,
    LastName,
    Contacts,
    Spr,
    Status,
}

impl SortColumn {
    /// The column's header, in the Users table's order.
    pub fn title(self) -> &'static str {
        match self {
            Self::Provider => "Provider",
            Self::LoginName => "Login Name",
            Self::FirstName => "First name",
            Self::LastName => "Last name",
            Self::Contacts => "Contacts",
            Self::Spr => "SPR",
            Self::Status => "Status",
        }
    }
}

/// Which way a column is ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortDirection {
    #[default]
    Ascending,
    Descending,
}

impl SortDirection {
    /// The other way.
    pub fn reversed(self) -> Self {
        match self {
            Self::Ascending => Self::Descending,
            Self::Descending => Self::Ascending,
        }
    }
}

/// The order of the Users list: a column and a direction. The default (Provider, ascending)
/// is provider and Login Name order, the one the fast page plans serve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UserSort {
    pub column: SortColumn,
    pub direction: SortDirection,
}

impl UserSort {
    /// Ordered by `column`, ascending.
    pub fn by(column: SortColumn) -> Self {
        Self {
            column,
            direction: SortDirection::Ascending,
        }
    }

    /// Whether this is the default order (provider, then Login Name, ascending).
    pub fn is_default(self) -> bool {
        self == Self::default()
    }

    /// What a click on `column`'s header gives: that column ascending, or the other way
    /// round when it is already the order.
    pub fn clicked(self, column: SortColumn) -> Self {
        if self.column == column {
            Self {
                column,
                direction: self.direction.reversed(),
            }
        } else {
            Self::by(column)
        }
    }
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

/// Signposts in a long list of users, read once with its exact count: the Provider Code and
/// Login Name of every `every`th row (rows `every`, `2 × every`, … counted from 0) of the part
/// of the list read in index order, so a page anywhere is read from the signpost before it
/// instead of by skipping every row above it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Anchors {
    pub every: u64,
    pub keys: Vec<(String, String)>,
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
mod tests {
    use super::*;

    #[test]
    fn an_unknown_policy_key_is_refused_naming_the_valid_ones() {
        let err = "max_tokens".parse::<PolicyKey>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"max_tokens\" is not a policy setting: use one of max_incorrect, token_minutes, \
             min_length, history, max_tokens_per_hour."
        );
        assert!("".parse::<PolicyKey>().is_err());
    }

    #[test]
    fn every_policy_key_reads_back_and_sets_only_its_own_value() {
        for key in PolicyKey::ALL {
            assert_eq!(key.as_str().parse::<PolicyKey>().unwrap(), key);
            assert_eq!(key.field().key, key, "{key}: POLICY_FIELDS out of order");
            let mut p = Policy::default();
            let v = key.field().max;
            p.set(key, v).unwrap();
            assert_eq!(p.get(key), v, "{key}");
            for other in PolicyKey::ALL.into_iter().filter(|&o| o != key) {
                assert_eq!(
                    p.get(other),
                    Policy::default().get(other),
                    "{key} set {other}"
                );
            }
        }
    }

    #[test]
    fn an_out_of_range_policy_value_is_refused_and_changes_nothing() {
        let mut p = Policy::default();
        let err = p.set(PolicyKey::TokenMinutes, 61).unwrap_err();
        assert!(err.to_string().contains("between 1 and 60"), "{err}");
        assert_eq!(p, Policy::default());
    }

    #[test]
    fn token_states_read_back_and_an_unknown_one_is_an_error() {
        for s in [TokenState::Live, TokenState::Used, TokenState::Invalidated] {
            assert_eq!(s.as_str().parse::<TokenState>().unwrap(), s);
        }
        assert!("expired".parse::<TokenState>().is_err());
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
