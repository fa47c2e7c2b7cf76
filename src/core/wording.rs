//! Every sentence a person reads that the core makes, built from typed reasons at the edge.

use chrono::{DateTime, Utc};

use super::model::{IncorrectEntry, Status};
use super::policy::PolicyViolation;
use super::service::StatusChange;
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

/// The thing a person typed wrong, as the messages name it.
fn entry_noun(entry: IncorrectEntry) -> &'static str {
    match entry {
        IncorrectEntry::Password => "password",
        IncorrectEntry::Token => "password token",
    }
}

/// What a wrong entry on an account that another console locked meanwhile is told: the
/// flow's one answer, nothing about the lock.
pub(crate) fn entry_no_longer_counts(entry: IncorrectEntry) -> &'static str {
    match entry {
        IncorrectEntry::Password => LOGIN_FAILED,
        IncorrectEntry::Token => INVALID_TOKEN,
    }
}

/// How many more incorrect entries are tolerated, in words.
pub(crate) fn tries_message(entry: IncorrectEntry, left: u32) -> String {
    let what = entry_noun(entry);
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

/// What the entry that locks the account is told.
pub(crate) fn locked_now_message(entry: IncorrectEntry) -> String {
    format!(
        "The {} is incorrect. Your account is now Admin Locked: contact your administrator to unlock it.",
        entry_noun(entry)
    )
}

/// The audit detail of a lock (for operators).
pub(crate) fn lock_detail(entry: IncorrectEntry, n: u32, max: u32) -> String {
    format!(
        "Admin Locked after {n} consecutive incorrect entries (the last a wrong {}; maximum tolerated {max})",
        entry_noun(entry)
    )
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

/// Why a status change does not apply to an account in status `s`.
pub fn status_change_refused(change: StatusChange, login: &str, s: Status) -> String {
    match change {
        StatusChange::Unlock => format!("{login} is not Admin Locked (status: {}).", s.label()),
        StatusChange::Deactivate => format!(
            "{login} cannot be deactivated: the account is {}.",
            s.label()
        ),
        StatusChange::Reactivate => format!(
            "{login} cannot be reactivated: only Deactivated accounts can (the account is {}{}).",
            s.label(),
            if s == Status::AdminLocked {
                "; unlock it instead"
            } else {
                ""
            }
        ),
        StatusChange::Delete => format!("{login} is already Deleted."),
    }
}
