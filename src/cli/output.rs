//! Writing results: plain text or the JSON shapes of SPEC §4. A closed pipe is not a panic.

use std::io::Write;

use serde_json::{Value, json};

use super::CliError;
use crate::core::Service;
use crate::core::audit::{AuditEvent, ChainReport, write_audit_csv};
use crate::core::clock::rfc3339;
use crate::core::model::UserFilter;
use crate::core::model::{IncorrectEntry, User};
use crate::core::text::escape_controls;
use crate::mail::carriers;

/// Where results go: stdout (text or JSON) and stderr for errors.
pub struct Out {
    json: bool,
}

impl Out {
    /// Output in JSON when `json`.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether JSON was asked for.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// A line on stdout, control characters escaped (SPEC §3.14).
    pub fn line(&mut self, s: &str) {
        let _ = writeln!(std::io::stdout().lock(), "{}", escape_controls(s));
    }

    /// A JSON value on stdout.
    pub fn json(&mut self, v: &Value) {
        let text = serde_json::to_string_pretty(v).unwrap_or_default();
        self.line(&text);
    }

    /// The JSON value or the text, as asked.
    pub fn value(&mut self, v: &Value, text: &str) {
        if self.json {
            self.json(v)
        } else {
            self.line(text)
        }
    }

    /// One sentence on stderr.
    pub fn error(&mut self, s: &str) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "spr-console: {}",
            escape_controls(s)
        );
    }
}

/// A user in the JSON shape of SPEC §4 (plus `contact_warnings`).
pub fn user_json(u: &User) -> Value {
    let warnings: Vec<String> = [u.email.as_ref(), u.text_email.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|e| carriers::warning_for_address(e.as_str()))
        .collect();
    json!({
        "provider": u.provider_code.as_str(),
        "login": u.login.as_str(),
        "first": u.first,
        "last": u.last,
        "status": u.status.as_str(),
        "spr_enabled": u.spr_enabled,
        "email": u.email.as_ref().map(|e| e.as_str()),
        "text_email": u.text_email.as_ref().map(|e| e.as_str()),
        "failed_attempts": u.failed_attempts,
        "locked_at": u.locked_at.map(rfc3339),
        "contact_warnings": warnings,
    })
}

/// A user as text.
pub fn user_text(u: &User) -> String {
    let mut s = format!(
        "{} ({}) — {}\n  Status: {}\n  Self Password Reset: {}\n  Email: {}\n  Phone/Text Message Email: {}\n  Consecutive incorrect entries: {}",
        u.login,
        u.provider_code,
        u.display_name(),
        u.status.label(),
        if u.spr_enabled { "enabled" } else { "disabled" },
        u.email.as_ref().map_or("(none)", |e| e.as_str()),
        u.text_email.as_ref().map_or("(none)", |e| e.as_str()),
        u.failed_attempts
    );
    if let Some(t) = u.locked_at {
        s += &format!(
            "\n  Admin Locked at: {} (wrong {})",
            rfc3339(t),
            u.lock_cause.map_or("entry", IncorrectEntry::as_str)
        );
    }
    for e in [u.email.as_ref(), u.text_email.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(w) = carriers::warning_for_address(e.as_str()) {
            s += &format!("\n  Warning: {w}");
        }
    }
    s
}

/// Every matching user, read by one statement (no ever longer offsets at a million users).
pub fn user_list(out: &mut Out, svc: &Service, filter: &UserFilter) -> Result<(), CliError> {
    let mut all = Vec::new();
    let json = out.is_json();
    let n = svc.each_user(filter, |u| -> Result<(), CliError> {
        if json {
            all.push(user_json(u));
        } else {
            out.line(&format!(
                "{:<10} {:<24} {:<28} {:<12} spr={:<3} failed={}",
                u.provider_code.as_str(),
                u.login.as_str(),
                u.display_name(),
                u.status.as_str(),
                if u.spr_enabled { "on" } else { "off" },
                u.failed_attempts
            ));
        }
        Ok(())
    })?;
    if json {
        out.json(&Value::Array(all));
    } else if n == 0 {
        out.line("No users match.");
    }
    Ok(())
}

/// The audit log as a table, CSV or JSON, oldest first.
/// CSV ends with the chain head of the whole log (SPEC §3.10).
pub fn audit(
    out: &mut Out,
    events: &[AuditEvent],
    head: Option<&ChainReport>,
    format: &str,
) -> Result<(), CliError> {
    match format {
        "json" => out.json(&serde_json::to_value(events).unwrap_or_default()),
        "csv" => {
            // Written whole, then sent: a closed pipe is not an error worth a message.
            let mut bytes = Vec::new();
            write_audit_csv(events, head, &mut bytes, "the CSV")?;
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
        _ => {
            if events.is_empty() {
                out.line("No audit events match.");
            }
            for e in events {
                // A supervised flow event names its operator and session (§3.10).
                let supervised = match (&e.supervisor, &e.session) {
                    (Some(op), Some(s)) => format!(
                        " [supervised by {op}, session {s}{}{}]",
                        e.verification
                            .as_deref()
                            .map(|v| format!(", verified by {v}"))
                            .unwrap_or_default(),
                        e.ticket
                            .as_deref()
                            .map(|t| format!(", ticket {t}"))
                            .unwrap_or_default(),
                    ),
                    _ => String::new(),
                };
                out.line(&format!(
                    "{}  {:<8} {:<16} {:<8} {:<16} {:<7} {:<22} {}{supervised}",
                    e.at,
                    e.actor,
                    e.action,
                    e.provider.as_deref().unwrap_or("-"),
                    e.login.as_deref().unwrap_or("-"),
                    e.outcome,
                    e.reason.as_deref().unwrap_or("-"),
                    e.detail
                ));
            }
        }
    }
    Ok(())
}

/// The carrier gateway list (SPEC §3.12).
pub fn carriers(out: &mut Out) {
    let list = carriers::carriers();
    if out.is_json() {
        out.json(&serde_json::to_value(list).unwrap_or_default());
        return;
    }
    let today = chrono::Utc::now().date_naive();
    for c in list {
        let status = match (c.is_retired_on(today), &c.retired_on, &c.ends_on) {
            (true, Some(d), _) | (true, None, Some(d)) => format!("retired ({d})"),
            (true, None, None) => "retired".to_owned(),
            (false, _, Some(d)) => format!("active, scheduled to end {d}"),
            (false, _, None) => "active".to_owned(),
        };
        out.line(&format!("{:<20} {:<28} {}", c.name, c.domain, status));
    }
}
