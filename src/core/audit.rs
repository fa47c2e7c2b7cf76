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
    /// How the supervised session's caller was verified (`callback`, `in_person`, …).
    pub verification: Option<String>,
    /// The supervised session's ticket number, if one was given.
    pub ticket: Option<String>,
    pub seq: i64,
    /// SHA-256 over the previous event's hash and this event's canonical form, 64 hex digits.
    pub hash: String,
}

/// The hash the first event chains from: 32 zero bytes.
pub const CHAIN_START: [u8; 32] = [0; 32];

/// The fixed canonical form of an event's fields, the input of its chain hash (SPEC §3.10).
///
/// Every field, in this order, as a tag (0 = absent, 1 = present) and for a present one its
/// byte length (8 bytes, big-endian) and its UTF-8 bytes; `seq` as 8 bytes big-endian.
/// A field added to the audit later goes at the end of this list, in this one function.
#[allow(clippy::too_many_arguments)]
pub fn canonical_form(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    provider: Option<&str>,
    login: Option<&str>,
    outcome: &str,
    reason: Option<&str>,
    detail: &str,
    supervisor: Option<&str>,
    session: Option<&str>,
    verification: Option<&str>,
    ticket: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + detail.len());
    out.extend_from_slice(b"spr-console audit v1\0");
    out.extend_from_slice(&seq.to_be_bytes());
    for field in [
        Some(at),
        Some(actor),
        Some(action),
        provider,
        login,
        Some(outcome),
        reason,
        Some(detail),
        supervisor,
        session,
        verification,
        ticket,
    ] {
        match field {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u64).to_be_bytes());
                out.extend_from_slice(v.as_bytes());
            }
        }
    }
    out
}

/// The chain hash of an event: SHA-256 over the previous hash and the canonical form.
pub fn chain_hash(previous: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(previous);
    ctx.update(canonical);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// 64 lowercase hex characters.
pub fn to_hex(bytes: &[u8; 32]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(64);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The 32 bytes of a 64-hex-digit hash, or `None` when it is not one.
pub fn from_hex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl AuditEvent {
    /// This event's canonical form (see [`canonical_form`]).
    pub fn canonical(&self) -> Vec<u8> {
        canonical_form(
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            self.provider.as_deref(),
            self.login.as_deref(),
            &self.outcome,
            self.reason.as_deref(),
            &self.detail,
            self.supervisor.as_deref(),
            self.session.as_deref(),
            self.verification.as_deref(),
            self.ticket.as_deref(),
        )
    }
}

/// What `audit verify` found (SPEC §3.10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// How many events the log holds.
    pub events: u64,
    /// The head hash: the last event's stored hash (64 zeros for an empty log).
    pub head: String,
    pub ok: bool,
    /// The sequence number of the first event whose hash does not match.
    pub first_bad: Option<i64>,
}

/// How an audited action ended: the `outcome` column (SPEC §3.10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// Done as asked.
    #[default]
    Ok,
    /// Refused by a rule.
    Denied,
    /// Failed for a reason outside the rules (a failed delivery, a backup that could not be
    /// written).
    Error,
}

impl Outcome {
    /// Every outcome, in the order the Audit filter lists them.
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Denied, Outcome::Error];

    /// The word stored in the log and shown everywhere.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }
}

/// An event about to be written; `at` and `seq` are set by the store.
#[derive(Clone, Debug, Default)]
pub struct NewEvent {
    pub actor: String,
    pub action: &'static str,
    pub provider: Option<String>,
    pub login: Option<String>,
    pub outcome: Outcome,
    pub reason: Option<&'static str>,
    pub detail: String,
    /// The operator supervising the session (flow events of a supervised session only).
    pub supervisor: Option<String>,
    /// The supervised session's id.
    pub session: Option<String>,
    /// How the supervised session's caller was verified.
    pub verification: Option<String>,
    /// The supervised session's ticket number.
    pub ticket: Option<String>,
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
pub const CSV_HEADER: [&str; 14] = [
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
    "verification",
    "ticket",
    "seq",
    "hash",
];

/// Writes `events` as CSV under [`CSV_HEADER`], each cell neutralised for spreadsheets
/// (SPEC §3.14), then the chain head of the whole log as a final comment line
/// `# chain-head <hex> events <n>` when `head` is given; `destination` names `out` in an error.
pub fn write_audit_csv(
    events: &[AuditEvent],
    head: Option<&ChainReport>,
    mut out: impl Write,
    destination: &str,
) -> Result<(), CoreError> {
    let cannot = |e: &dyn std::fmt::Display| {
        CoreError::Internal(format!("Cannot write {destination}: {e}."))
    };
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(CSV_HEADER).map_err(|e| cannot(&e))?;
        for e in events {
            let seq = e.seq.to_string();
            w.write_record(
                [
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
                    e.verification.as_deref().unwrap_or(""),
                    e.ticket.as_deref().unwrap_or(""),
                    &seq,
                    &e.hash,
                ]
                .map(crate::core::text::csv_cell)
                .iter()
                .map(|c| c.as_bytes()),
            )
            .map_err(|e| cannot(&e))?;
        }
        w.flush().map_err(|e| cannot(&e))?;
    }
    if let Some(h) = head {
        writeln!(out, "# chain-head {} events {}", h.head, h.events).map_err(|e| cannot(&e))?;
    }
    out.flush().map_err(|e| cannot(&e))
}

/// An id shared by the events of one change to many users and its summary event:
/// the time and 32 random bits, e.g. `20261202T031500Z-4f2a09c1`.
pub fn batch_id(now: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}-{:08x}",
        now.format("%Y%m%dT%H%M%SZ"),
        rand::random::<u32>()
    )
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
    /// The summary of one unlock of many accounts (an incident of the Overview).
    pub const UNLOCK_BATCH: &str = "unlock_batch";
    /// The summary of one change of SPR for many users (bulk enable or disable).
    pub const USER_SPR_BATCH: &str = "user_spr_batch";
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
    pub const BACKUP: &str = "backup";
    pub const SESSION_STARTED: &str = "supervised_session_started";
    pub const SESSION_ENDED: &str = "supervised_session_ended";
    pub const CONSOLE_SIGN_IN: &str = "console_sign_in";
    pub const CONSOLE_SIGN_OUT: &str = "console_sign_out";
    pub const CONSOLE_LOCK: &str = "console_lock";
    pub const CONSOLE_UNLOCK: &str = "console_unlock";
    pub const HAND_OVER: &str = "hand_over";
    pub const TAKE_BACK: &str = "take_back";
    pub const DATABASE_OPEN: &str = "database_open";

    /// Every action above, for the Audit view's list (a test keeps it complete).
    pub const ALL: &[&str] = &[
        RESET_REQUEST,
        RESET_RESEND,
        RESET_COMPLETE,
        LOGIN,
        CONFIGURE_VERIFY,
        CONFIGURE,
        ACCOUNT_LOCKED,
        MESSAGE_SENT,
        USER_ADD,
        USER_IMPORT,
        USER_EXPORT,
        USER_SPR,
        USER_CONTACTS,
        USER_UNLOCK,
        UNLOCK_BATCH,
        USER_SPR_BATCH,
        USER_DEACTIVATE,
        USER_REACTIVATE,
        USER_DELETE,
        USER_PASSWORD,
        PROVIDER_ADD,
        PROVIDER_SET,
        OPERATOR_ADD,
        OPERATOR_LOGIN,
        MAIL_SET,
        MAIL_TEST,
        INIT,
        BACKUP,
        SESSION_STARTED,
        SESSION_ENDED,
        CONSOLE_SIGN_IN,
        CONSOLE_SIGN_OUT,
        CONSOLE_LOCK,
        CONSOLE_UNLOCK,
        HAND_OVER,
        TAKE_BACK,
        DATABASE_OPEN,
    ];

    /// Families of actions that share a first word, with their words: the Audit view filters
    /// on `reset_*` and the like (a trailing `*` matches the start of the action).
    pub const FAMILIES: &[(&str, &str)] = &[
        ("reset_*", "every reset step"),
        ("user_*", "every change to a user"),
        ("configure*", "the Settings step"),
        ("provider_*", "every provider change"),
        ("operator_*", "operators"),
        ("mail_*", "mail settings and tests"),
        ("supervised_session_*", "supervised sessions"),
        ("console_*", "console sign-in, sign-out, lock and unlock"),
    ];
}

#[cfg(test)]
mod action_list_tests {
    use super::action;

    #[test]
    fn the_list_of_actions_names_every_action_constant() {
        let src = include_str!("audit.rs");
        let module = src
            .split("pub mod action {")
            .nth(1)
            .and_then(|m| m.split("pub const ALL").next())
            .expect("the action module");
        let names: Vec<&str> = module
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub const "))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert!(names.len() >= 20, "{names:?}");
        for n in &names {
            assert!(action::ALL.contains(n), "action::ALL lacks {n}");
        }
        assert_eq!(names.len(), action::ALL.len(), "action::ALL has extras");
    }
}
