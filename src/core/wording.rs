//! Every sentence a person reads that the core makes, built from typed reasons at the edge.

use chrono::{DateTime, Utc};

use super::model::Status;
use super::policy::PolicyViolation;
use super::token::Token;
use crate::mail::OutgoingMessage;

/// The one answer to a failed login or Verify step (SPEC §3.2, §3.7).
pub const LOGIN_FAILED: &str = "Login failed: the Login Name, Provider Code or password is wrong.";
/// The one answer to Resend and Change Password for every invalid token (SPEC §3.5).
pub const INVALID_TOKEN: &str =
    "The password token is not valid. Go back to the login page and click Forgot Password? again.";

/// What a right password on an account that is not active is told (SPEC §3.7); a Deleted
/// account is told nothing more than a failed login.
pub(crate) fn login_status_message(s: Status) -> &'static str {
    match s {
        Status::AdminLocked => "This account is Admin Locked: ask your administrator to unlock it.",
        Status::Deactivated => "This account is Deactivated: ask your administrator.",
        Status::Deleted | Status::Active => LOGIN_FAILED,
    }
}

/// How many more incorrect entries are tolerated, in words.
pub(crate) fn tries_message(what: &str, left: u32) -> String {
    match left {
        0 => format!(
            "The {what} is incorrect. No more incorrect entries are tolerated: the next one will make your account Admin Locked."
        ),
        1 => format!(
            "The {what} is incorrect. 1 more incorrect entry is tolerated before your account is Admin Locked."
        ),
        n => format!(
            "The {what} is incorrect. {n} more incorrect entries are tolerated before your account is Admin Locked."
        ),
    }
}

/// Describes how a refusal of policy reads, every broken rule on its own line.
pub fn policy_message(violations: &[PolicyViolation]) -> String {
    let mut s = String::from("The new password does not meet the password policy:");
    for v in violations {
        s.push_str("\n - ");
        s.push_str(&v.to_string());
    }
    s
}

/// A token message for an email address or (shorter, no subject) a text address.
pub fn token_message(
    to: &str,
    is_text: bool,
    token: &Token,
    minutes: u32,
    login: &str,
    code: &str,
) -> OutgoingMessage {
    if is_text {
        OutgoingMessage {
            to: to.to_owned(),
            subject: None,
            body: format!(
                "Password Reset Token: {token} (valid {minutes} min). If you did not ask for this, contact your administrator."
            ),
        }
    } else {
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        OutgoingMessage {
            to: to.to_owned(),
            subject: Some("Password Reset Token".to_owned()),
            body: format!(
                "Your password reset token for Login Name {login} (Provider Code {code}) is:\n\n    {token}\n\nIt is valid for {minutes} {unit}. Enter it on the Change Password page together with your new password.\n\nIf you did not ask for this, contact your administrator.\n"
            ),
        }
    }
}

/// The "your password was changed" notice; it carries no secret.
pub fn changed_notice(
    to: &str,
    is_text: bool,
    login: &str,
    code: &str,
    at: DateTime<Utc>,
) -> OutgoingMessage {
    if is_text {
        OutgoingMessage {
            to: to.to_owned(),
            subject: None,
            body: format!(
                "Your password for {login} ({code}) was changed. If you did not do this, contact your administrator."
            ),
        }
    } else {
        OutgoingMessage {
            to: to.to_owned(),
            subject: Some("Your password was changed".to_owned()),
            body: format!(
                "The password for Login Name {login} (Provider Code {code}) was changed on {} UTC through Self Password Reset.\n\nIf you did not do this, contact your administrator.\n",
                at.format("%Y-%m-%d %H:%M")
            ),
        }
    }
}
