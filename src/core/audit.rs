//! Audit events (SPEC §3.10): who did what to which account, and why it was refused.

use std::io::Write;

use serde::Serialize;

use super::CoreError;

/// The actor written for the person at the reset form.
pub const USER_ACTOR: &str = "user";

/// One audit event as stored and exported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub provider: Option<String>,
    pub login: Option<String>,
    pub outcome: String,
    pub reason: Option<String>,
    pub detail: String,
    /// The operator supervising the session this flow event belongs to (§3.15).
    pub supervisor: Option<String>,
    /// The supervised session's id.
    pub session: Option<String>,
    pub seq: i64,
}

/// An event about to be written; `at` and `seq` are set by the store.
#[derive(Clone, Debug, Default)]
pub struct NewEvent {
    pub actor: String,
    pub action: &'static str,
    pub provider: Option<String>,
    pub login: Option<String>,
    pub outcome: &'static str,
    pub reason: Option<&'static str>,
    pub detail: String,
    /// The operator supervising the session (flow events of a supervised session only).
    pub supervisor: Option<String>,
    /// The supervised session's id.
    pub session: Option<String>,
}

/// Filters for reading the log; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub provider: Option<String>,
    pub login: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// One supervised session's events.
    pub session: Option<String>,
    /// RFC 3339, inclusive.
    pub since: Option<String>,
    /// RFC 3339, exclusive.
    pub until: Option<String>,
    pub newest_first: bool,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The columns of the audit CSV export, in order.
pub const CSV_HEADER: [&str; 11] = [
    "at",
    "actor",
    "action",
    "provider",
    "login",
    "outcome",
    "reason",
    "detail",
    "supervisor",
    "session",
    "seq",
];

/// Writes `events` as CSV under [`CSV_HEADER`]; `destination` names `out` in an error.
pub fn write_audit_csv(
    events: &[AuditEvent],
    out: impl Write,
    destination: &str,
) -> Result<(), CoreError> {
    let cannot = |e: &dyn std::fmt::Display| {
        CoreError::Internal(format!("Cannot write {destination}: {e}."))
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(|e| cannot(&e))?;
    for e in events {
        let seq = e.seq.to_string();
        w.write_record([
            e.at.as_str(),
            &e.actor,
            &e.action,
            e.provider.as_deref().unwrap_or(""),
            e.login.as_deref().unwrap_or(""),
            &e.outcome,
            e.reason.as_deref().unwrap_or(""),
            &e.detail,
            e.supervisor.as_deref().unwrap_or(""),
            e.session.as_deref().unwrap_or(""),
            &seq,
        ])
        .map_err(|e| cannot(&e))?;
    }
    w.flush().map_err(|e| cannot(&e))
}

/// Action names, one place.
pub mod action {
    pub const RESET_REQUEST: &str = "reset_request";
    pub const RESET_RESEND: &str = "reset_resend";
    pub const RESET_COMPLETE: &str = "reset_complete";
    pub const LOGIN: &str = "login";
    pub const CONFIGURE_VERIFY: &str = "configure_verify";
    pub const CONFIGURE: &str = "configure";
    pub const ACCOUNT_LOCKED: &str = "account_locked";
    pub const MESSAGE_SENT: &str = "message_sent";
    pub const USER_ADD: &str = "user_add";
    pub const USER_IMPORT: &str = "user_import";
    pub const USER_EXPORT: &str = "user_export";
    pub const USER_SPR: &str = "user_spr";
    pub const USER_CONTACTS: &str = "user_contacts";
    pub const USER_UNLOCK: &str = "user_unlock";
    pub const USER_DEACTIVATE: &str = "user_deactivate";
    pub const USER_REACTIVATE: &str = "user_reactivate";
    pub const USER_DELETE: &str = "user_delete";
    pub const USER_PASSWORD: &str = "user_password";
    pub const PROVIDER_ADD: &str = "provider_add";
    pub const PROVIDER_SET: &str = "provider_set";
    pub const OPERATOR_ADD: &str = "operator_add";
    pub const OPERATOR_LOGIN: &str = "operator_login";
    pub const MAIL_SET: &str = "mail_set";
    pub const MAIL_TEST: &str = "mail_test";
    pub const INIT: &str = "init";
    pub const SESSION_STARTED: &str = "supervised_session_started";
    pub const SESSION_ENDED: &str = "supervised_session_ended";
    pub const CONSOLE_SIGN_IN: &str = "console_sign_in";
    pub const CONSOLE_SIGN_OUT: &str = "console_sign_out";
    pub const CONSOLE_LOCK: &str = "console_lock";
    pub const CONSOLE_UNLOCK: &str = "console_unlock";
    pub const HAND_OVER: &str = "hand_over";
    pub const TAKE_BACK: &str = "take_back";
    pub const DATABASE_OPEN: &str = "database_open";
}
