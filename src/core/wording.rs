//! Every sentence a person reads that the core makes, built from typed reasons at the edge.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::{IncorrectEntry, Operator, Status};
use super::policy::PolicyViolation;
use super::service::StatusChange;
use super::token::Token;
use crate::mail::OutgoingMessage;

/// The one answer to a failed login or Verify step (SPEC §3.2, §3.7).
pub const LOGIN_FAILED: &str = "Login failed: the Login Name, Provider Code or password is wrong.";
/// The one answer to Resend and Change Password for every invalid token (SPEC §3.5).
pub const INVALID_TOKEN: &str =
    "The password token is not valid. Go back to the login page and click Forgot Password? again.";

/// The Verify step's answer after a right password when SPR is off for the provider (§3.2).
pub const SPR_OFF_FOR_PROVIDER: &str = "Self Password Reset is not enabled for your provider.";
/// The Verify step's answer after a right password when SPR is off for the user (§3.2).
pub const SPR_OFF_FOR_USER: &str =
    "Self Password Reset is not enabled for your user account. Ask a super admin to enable it.";
/// Update with neither contact typed.
pub const ENTER_A_CONTACT: &str = "Enter an Email and/or a Phone/Text Message Email.";
/// A change that would leave no contact.
pub const ONE_CONTACT_REQUIRED: &str =
    "At least one of Email and Phone/Text Message Email is required.";
/// Change Password without a token.
pub const ENTER_TOKEN: &str = "Enter the password token.";
/// Change Password without a new password.
pub const ENTER_NEW_PASSWORD: &str = "Enter the new password.";
/// Change Password with a confirmation that differs.
pub const CONFIRMATION_DIFFERS: &str = "The new password and its confirmation differ.";
/// Change Password done (SPEC §3.5).
pub const RESET_DONE: &str = "Your password was reset successfully. Click Login to go to the login page and log in with your new password.";
/// An operator acted on a user that another console removed meanwhile.
pub const USER_GONE: &str = "That user no longer exists.";
/// A provider name out of its limits.
pub const PROVIDER_NAME_LENGTH: &str = "The provider name must be 1 to 200 characters.";

/// The console's login check succeeded (SPEC §3.7).
pub fn welcome(display_name: &str) -> String {
    format!("Welcome, {display_name}: you are logged in.")
}

/// Forgot Password or Resend sent a token (SPEC §3.3).
pub fn token_sent(to: &str, minutes: u32) -> String {
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!(
        "A message containing a password token was sent to {to}. The password token is valid for the next {minutes} {unit}."
    )
}

/// The token could not be delivered (SPEC §3.3, §3.11).
pub fn token_not_sent(to: &str) -> String {
    format!(
        "Password Reset Error: the message could not be sent to {to}. Try again later or contact your administrator."
    )
}

/// No provider has this code.
pub fn no_such_provider(code: &str) -> String {
    format!("There is no provider with Provider Code {code}.")
}

/// No user has this Login Name in the provider.
pub fn no_such_user(login: &str, code: &str) -> String {
    format!("There is no user with Login Name {login} in provider {code}.")
}

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

/// An operator password that breaks the rules, every broken rule named.
pub fn operator_password_refused(broken: &[PolicyViolation]) -> String {
    let mut s = String::from("The operator password is not accepted:");
    for b in broken {
        s.push(' ');
        s.push_str(&b.to_string());
    }
    s
}

/// An operator login out of its limits.
pub fn bad_operator_login(login: &str) -> String {
    format!("\"{login}\" is not a valid operator login: use 1 to 64 characters without spaces.")
}

/// An operator login that is taken.
pub fn operator_exists(login: &str) -> String {
    format!("An operator \"{login}\" already exists.")
}

/// An operator signing in before the delay their wrong passwords earned is over.
pub fn operator_wait(wait: Duration) -> String {
    format!(
        "Too many wrong passwords: wait {} seconds before trying again.",
        wait.as_secs().max(1)
    )
}

/// An operator's wrong login or password (one sentence for both).
pub fn operator_login_wrong(login: &str) -> String {
    format!("The operator login or password is wrong for \"{login}\".")
}

/// A helpdesk operator tried a super admin's work.
pub fn not_a_super_admin(actor: &Operator) -> String {
    format!(
        "Operator {} is {}: only a super admin may do this.",
        actor.login,
        actor.role.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_minute_is_singular_and_more_are_plural() {
        assert!(token_sent("a@example.org", 1).ends_with("for the next 1 minute."));
        assert!(token_sent("a@example.org", 5).ends_with("for the next 5 minutes."));
    }

    #[test]
    fn a_locked_account_is_pointed_at_unlock_rather_than_reactivate() {
        let s = status_change_refused(StatusChange::Reactivate, "jdoe", Status::AdminLocked);
        assert!(
            s.ends_with("(the account is Admin Locked; unlock it instead)."),
            "{s}"
        );
        let s = status_change_refused(StatusChange::Reactivate, "jdoe", Status::Active);
        assert!(s.ends_with("(the account is Active)."), "{s}");
    }

    #[test]
    fn the_entry_that_locks_names_what_was_wrong() {
        assert!(locked_now_message(IncorrectEntry::Token).starts_with("The password token is"));
        assert!(locked_now_message(IncorrectEntry::Password).starts_with("The password is"));
        assert_eq!(entry_no_longer_counts(IncorrectEntry::Token), INVALID_TOKEN);
        assert_eq!(
            entry_no_longer_counts(IncorrectEntry::Password),
            LOGIN_FAILED
        );
    }
}
