//! Refusals with their reason codes (SPEC §3.14) and the core's error type.

use std::fmt;

use super::policy::PolicyViolation;
use crate::store::StoreError;

/// Every reason code of SPEC §3.14. The words people see are made from these at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    UnknownAccount,
    ProviderSprDisabled,
    UserSprDisabled,
    SprNotConfigured,
    AccountAdminLocked,
    AccountDeactivated,
    AccountDeleted,
    RateLimited,
    DeliveryFailed,
    NoActiveToken,
    TokenExpired,
    TokenIncorrect,
    PasswordPolicy,
    PasswordIncorrect,
}

impl Reason {
    /// Every reason, for tests and filters.
    pub const ALL: [Reason; 14] = [
        Reason::UnknownAccount,
        Reason::ProviderSprDisabled,
        Reason::UserSprDisabled,
        Reason::SprNotConfigured,
        Reason::AccountAdminLocked,
        Reason::AccountDeactivated,
        Reason::AccountDeleted,
        Reason::RateLimited,
        Reason::DeliveryFailed,
        Reason::NoActiveToken,
        Reason::TokenExpired,
        Reason::TokenIncorrect,
        Reason::PasswordPolicy,
        Reason::PasswordIncorrect,
    ];

    /// The reason code as stored in the audit log.
    pub fn code(self) -> &'static str {
        match self {
            Self::UnknownAccount => "unknown_account",
            Self::ProviderSprDisabled => "provider_spr_disabled",
            Self::UserSprDisabled => "user_spr_disabled",
            Self::SprNotConfigured => "spr_not_configured",
            Self::AccountAdminLocked => "account_admin_locked",
            Self::AccountDeactivated => "account_deactivated",
            Self::AccountDeleted => "account_deleted",
            Self::RateLimited => "rate_limited",
            Self::DeliveryFailed => "delivery_failed",
            Self::NoActiveToken => "no_active_token",
            Self::TokenExpired => "token_expired",
            Self::TokenIncorrect => "token_incorrect",
            Self::PasswordPolicy => "password_policy",
            Self::PasswordIncorrect => "password_incorrect",
        }
    }

    /// What the operator sees beside the form: the exact reason, in words.
    pub fn operator_text(self) -> &'static str {
        match self {
            Self::UnknownAccount => {
                "No such account: the Login Name, Provider Code or address does not match."
            }
            Self::ProviderSprDisabled => "Self Password Reset is not enabled for the provider.",
            Self::UserSprDisabled => "Self Password Reset is not enabled for the user.",
            Self::SprNotConfigured => "The user has not configured an Email or Text address.",
            Self::AccountAdminLocked => "The account is Admin Locked; a super admin can unlock it.",
            Self::AccountDeactivated => "The account is Deactivated.",
            Self::AccountDeleted => "The account is Deleted.",
            Self::RateLimited => {
                "Too many password tokens were sent to this user in the last hour."
            }
            Self::DeliveryFailed => "The message could not be sent.",
            Self::NoActiveToken => "There is no valid password token: request a new one.",
            Self::TokenExpired => "The password token has expired.",
            Self::TokenIncorrect => "The password token was incorrect.",
            Self::PasswordPolicy => "The new password breaks the password policy.",
            Self::PasswordIncorrect => "The password was incorrect.",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The heading every Forgot Password refusal shows to the person (SPEC §3.3).
pub const PASSWORD_RESET_ERROR: &str = "Password Reset Error";

/// The possible causes the help article lists under "Password Reset Error".
pub const PASSWORD_RESET_ERROR_CAUSES: [&str; 6] = [
    "Self Password Reset is not enabled for your provider",
    "Self Password Reset is not enabled for your user account",
    "Your Self Password Reset was not configured with your Email information",
    "You have entered the incorrect Login Name, Provider Code, or Email/Text in the 'Reset Password' page",
    "You clicked on the Resend button on the 'Change Password' page after the validity for your password token has expired",
    "Your user account has been Admin Locked, Deactivated, or Deleted",
];

/// The uniform message of a Forgot Password refusal, causes included, as one text.
pub fn password_reset_error_text() -> String {
    let mut text =
        format!("{PASSWORD_RESET_ERROR}: a password token could not be sent. Possible reasons:");
    for cause in PASSWORD_RESET_ERROR_CAUSES {
        text.push_str("\n - ");
        text.push_str(cause);
    }
    text
}

/// A refusal by a rule: the reason code, what the person is told, and details for operators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub reason: Reason,
    /// What the person at the form sees.
    pub message: String,
    /// For `token_incorrect`: how many more incorrect entries are tolerated.
    pub tries_left: Option<u32>,
    /// For `password_policy`: every broken rule.
    pub violations: Vec<PolicyViolation>,
    /// Whether this entry made the account Admin Locked.
    pub locked_now: bool,
}

impl Refusal {
    /// A refusal whose person-facing message is given.
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            tries_left: None,
            violations: Vec::new(),
            locked_now: false,
        }
    }

    /// The audit outcome of this refusal: `error` for a failed delivery, else `denied`.
    pub fn outcome(&self) -> crate::core::audit::Outcome {
        use crate::core::audit::Outcome;
        if self.reason == Reason::DeliveryFailed {
            Outcome::Error
        } else {
            Outcome::Denied
        }
    }
}

/// Errors of the core. Each maps to one exit status of the command line.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Refused by a rule of SPEC §3 (exit 3).
    #[error("{}", .0.message)]
    Refused(Refusal),
    /// Bad input: malformed value, out-of-range setting, unknown provider or user (exit 2).
    #[error("{0}")]
    Invalid(String),
    /// The operator's password was wrong or their role does not allow this (exit 3).
    #[error("{0}")]
    Forbidden(String),
    /// The database file cannot be used: not ours, newer, unreadable (exit 2).
    #[error("{0}")]
    BadDatabase(String),
    /// Another console holds the database longer than the busy timeout (exit 1).
    #[error("The database is busy: another spr-console is writing to it. Try again in a moment.")]
    Busy,
    /// Storage or other internal failure (exit 1).
    #[error("{0}")]
    Internal(String),
}

impl CoreError {
    /// The reason code when this is a refusal.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Refused(r) => Some(r.reason),
            _ => None,
        }
    }

    /// The command line's exit status for this error (SPEC §4).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Refused(_) | Self::Forbidden(_) => 3,
            Self::Invalid(_) | Self::BadDatabase(_) => 2,
            Self::Busy | Self::Internal(_) => 1,
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => Self::Busy,
            // The command line names the file (store::name_damaged_file); never any SQL here.
            StoreError::Damaged(what) => {
                Self::BadDatabase(format!("{}{what}", crate::store::DAMAGED_PREFIX))
            }
            StoreError::BadDatabase(m) => Self::BadDatabase(m),
            // A server that cannot be reached or refuses the login: exit 1 (SPEC §3.16).
            StoreError::Unreachable(m) => Self::Internal(m),
            other @ StoreError::Other(_) => Self::Internal(other.to_string()),
        }
    }
}
