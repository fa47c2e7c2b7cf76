//! The flows of SPEC §3 as methods, one file per concept, each its own `impl Service`.
//! Every refusal is a typed reason, audited where it happens.

mod delivery;
mod flows;
mod operators;
mod pages;
mod providers;
mod queries;
mod reset;
mod users;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use super::audit::{AuditEvent, AuditFilter, NewEvent, Outcome, USER_ACTOR, action};
use super::clock::{Clock, SystemClock, parse_rfc3339, rfc3339};
use super::error::{CoreError, Reason, Refusal, password_reset_error_text};
use super::hashing::Hasher;
use super::model::{
    Email, LoginName, Operator, Policy, Provider, ProviderCode, Role, Status, User,
};
use super::policy::{self, PolicyViolation};
use super::text;
use super::token::Token;
use super::wording::{self, login_status_message, tries_message};
use crate::mail::{MailError, MailSettings, OutgoingMessage};
use crate::store::messages::StoredMessage;
use crate::store::providers::ProviderCounts;
use crate::store::users::{NewUser, UserFilter};
use crate::store::{self, Store};

pub use super::wording::{
    INVALID_TOKEN, LOGIN_FAILED, changed_notice, policy_message, token_message,
};
pub use operators::{OPERATOR_MIN_PASSWORD, operator_delay};
pub use providers::ProviderChanges;
pub use reset::TokenInfo;
pub use users::{BULK_STEP, CANCELLED, ContactChange, StatusChange, UserInput};

/// What a flow step tells the person when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowOk {
    pub message: String,
}

/// The transaction a write's change runs in (either engine), named once for the core.
pub(crate) type Tx<'a> = store::Db<'a>;

/// The engine: a store, a clock and the argon2 parameters.
pub struct Service {
    pub(super) store: Store,
    pub(super) clock: Arc<dyn Clock>,
    hasher: Hasher,
    /// The supervised session the flow running now belongs to (§3.15), if any.
    pub(super) supervision: Option<Supervision>,
}

/// The operator and session that flow events are stamped with while a session runs a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Supervision {
    pub operator: String,
    pub session: String,
    /// How the caller was verified, and the ticket: named on every event of the session.
    pub verification: String,
    pub ticket: Option<String>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.store)
            .finish()
    }
}

pub(super) fn ev(
    actor: &str,
    act: &'static str,
    provider: Option<&str>,
    login: Option<&str>,
) -> NewEvent {
    NewEvent {
        actor: actor.to_owned(),
        action: act,
        provider: provider.map(str::to_owned),
        login: login.map(str::to_owned),
        outcome: Outcome::Ok,
        reason: None,
        detail: String::new(),
        supervisor: None,
        session: None,
        verification: None,
        ticket: None,
    }
}

fn status_reason(s: Status) -> Option<Reason> {
    match s {
        Status::Active => None,
        Status::AdminLocked => Some(Reason::AccountAdminLocked),
        Status::Deactivated => Some(Reason::AccountDeactivated),
        Status::Deleted => Some(Reason::AccountDeleted),
    }
}

/// Checks the person's typed account fields against their limits (SPEC §3.14) before
/// anything else: an input error, no state change and no event.
fn check_account_input(code: &str, login: &str) -> Result<(), CoreError> {
    text::check_typed(code.trim(), "Provider Code", text::PROVIDER_CODE_MAX)?;
    text::check_typed(login.trim(), "Login Name", text::LOGIN_NAME_MAX)
}

impl Service {
    /// Opens the database file at `path` (created when missing) with the system clock and
    /// production hashing.
    pub fn open(path: &std::path::Path) -> Result<Self, CoreError> {
        Self::open_at(&crate::store::Location::File(path.to_path_buf()))
    }

    /// Opens the database at `location` (a file, created when missing, or a PostgreSQL
    /// database that already holds spr-console's tables).
    pub fn open_at(location: &crate::store::Location) -> Result<Self, CoreError> {
        Ok(Self::new(
            Store::open_at(location)?,
            Arc::new(SystemClock),
            Hasher::default(),
        ))
    }

    /// Opens the database at `location`, creating spr-console's tables in an empty
    /// PostgreSQL database (`init` and the console's first run).
    pub fn create_at(location: &crate::store::Location) -> Result<Self, CoreError> {
        Ok(Self::new(
            Store::create_at(location)?,
            Arc::new(SystemClock),
            Hasher::default(),
        ))
    }

    /// A service over an open store, with the given clock and hashing parameters.
    pub fn new(store: Store, clock: Arc<dyn Clock>, hasher: Hasher) -> Self {
        Self {
            store,
            clock,
            hasher,
            supervision: None,
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store, for the writes of the core's other files (each its own `impl Service`).
    pub(crate) fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The argon2 parameters of this service.
    pub(crate) fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The current time of this service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) fn now_str(&self) -> String {
        rfc3339(self.clock.now())
    }

    /// Names the supervising operator and session on a flow event run in a session (§3.10).
    fn stamped(&self, mut e: NewEvent) -> NewEvent {
        if let Some(s) = &self.supervision {
            e.supervisor = Some(s.operator.clone());
            e.session = Some(s.session.clone());
            e.verification = Some(s.verification.clone());
            e.ticket.clone_from(&s.ticket);
        }
        e
    }

    /// The person's flow event for the account as typed (before it is known to exist).
    fn typed_event(&self, act: &'static str, code: &str, login: &str) -> NewEvent {
        self.stamped(ev(
            USER_ACTOR,
            act,
            Some(&code.trim().to_uppercase()),
            Some(login.trim()),
        ))
    }

    /// The person's flow event for an account that exists, in its stored spelling.
    fn account_event(&self, act: &'static str, u: &User) -> NewEvent {
        self.stamped(ev(
            USER_ACTOR,
            act,
            Some(u.provider_code.as_str()),
            Some(u.login.as_str()),
        ))
    }

    /// The one way the core writes: a change and the audit events that record it, in one
    /// immediate transaction, every event stamped with the same time. `change` gets the
    /// transaction and that time and returns its value with its events; when it fails,
    /// nothing of it is written. A refusal is a write with no change and one event.
    pub(crate) fn write<T>(
        &mut self,
        change: impl FnOnce(Tx<'_>, &str) -> Result<(T, Vec<NewEvent>), CoreError>,
    ) -> Result<T, CoreError> {
        let at = self.now_str();
        self.write_at(&at, change)
    }

    /// [`Service::write`] at a time the caller read from the clock before (a token's
    /// sending time and its expiry are computed from it).
    pub(crate) fn write_at<T>(
        &mut self,
        at: &str,
        change: impl FnOnce(Tx<'_>, &str) -> Result<(T, Vec<NewEvent>), CoreError>,
    ) -> Result<T, CoreError> {
        self.store.immediate(|c| {
            let (value, events) = change(c, at)?;
            for e in &events {
                store::audit::append(c, at, e)?;
            }
            Ok(value)
        })
    }

    /// Writes one event that goes with no change (a refusal, a message sent).
    pub(crate) fn audit(&mut self, e: &NewEvent) -> Result<(), CoreError> {
        let e = e.clone();
        self.write(|_, _| Ok(((), vec![e])))
    }

    // ----- shared by the flows and the administration

    fn password_violations(
        &self,
        user_id: Option<i64>,
        login: &str,
        first: &str,
        last: &str,
        policy: &Policy,
        password: &str,
    ) -> Result<Vec<PolicyViolation>, CoreError> {
        Ok(self
            .checked_new_password(user_id, login, first, last, policy, password, false)?
            .0)
    }

    /// The broken rules, and the new password's hash when none is broken and `hash_too`.
    /// The cheap rules run first; the history verifies (and the new hash) then run in
    /// parallel, stopping at the first match; no hash is made once a cheap rule is broken.
    #[allow(clippy::too_many_arguments)]
    fn checked_new_password(
        &self,
        user_id: Option<i64>,
        login: &str,
        first: &str,
        last: &str,
        policy: &Policy,
        password: &str,
        hash_too: bool,
    ) -> Result<(Vec<PolicyViolation>, Option<String>), CoreError> {
        let mut broken =
            policy::check_new_password(password, policy.min_length, login, &[login, first, last]);
        let hashes = match user_id {
            Some(id) if policy.history > 0 => {
                store::users::recent_password_hashes(self.store.conn(), id, policy.history)?
            }
            _ => Vec::new(),
        };
        let check = self
            .hasher
            .check_history(password, &hashes, hash_too && broken.is_empty())?;
        if check.reused {
            broken.push(PolicyViolation::RecentlyUsed {
                history: policy.history,
            });
        }
        Ok((broken, check.new_hash))
    }
}

/// An unlock's reason: required, at most 500 characters, no control characters (§3.14).
/// An unlock's reason: required, and typed text within the limits of SPEC §3.14.
pub(crate) fn check_reason(reason: &str) -> Result<&str, CoreError> {
    let reason = reason.trim();
    text::check_typed(reason, "reason", text::NOTE_MAX)?;
    if reason.is_empty() {
        return Err(CoreError::Invalid(
            "Give a reason for the unlock; it is written to the audit log.".into(),
        ));
    }
    Ok(reason)
}

pub(crate) fn check_name(s: &str, what: &str) -> Result<(), CoreError> {
    if s.chars().count() > 100 || s.chars().any(char::is_control) {
        return Err(CoreError::Invalid(format!(
            "The {what} must be at most 100 characters, without control characters."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::clock::SettableClock;

    fn service(dir: &tempfile::TempDir) -> Service {
        let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap());
        let store = Store::open(&dir.path().join("spr.db")).unwrap();
        Service::new(store, Arc::new(clock), Hasher::fast_for_tests())
    }

    fn add_acme(c: Tx<'_>, now: &str) -> Result<(), CoreError> {
        let code = ProviderCode::parse("ACME")?;
        store::providers::insert(c, &code, "Acme", now)?;
        Ok(())
    }

    #[test]
    fn a_write_keeps_its_change_and_its_event_together_at_one_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut svc = service(&dir);
        svc.write(|c, now| {
            add_acme(c, now)?;
            let mut e = ev("root", action::PROVIDER_ADD, Some("ACME"), None);
            e.detail = "provider \"Acme\" added".into();
            Ok(((), vec![e]))
        })
        .unwrap();
        assert_eq!(svc.providers().unwrap().len(), 1);
        let events = svc.audit_events(&AuditFilter::default()).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].action.as_str(), events[0].at.as_str()),
            ("provider_add", "2026-12-01T09:30:00.000Z")
        );
    }

    #[test]
    fn a_write_that_fails_leaves_neither_its_change_nor_its_event() {
        let dir = tempfile::tempdir().unwrap();
        let mut svc = service(&dir);
        let failed: Result<(), CoreError> = svc.write(|c, now| {
            add_acme(c, now)?;
            Err(CoreError::Invalid("refused after the change".into()))
        });
        assert!(failed.is_err());
        assert!(
            svc.providers().unwrap().is_empty(),
            "the change was rolled back"
        );
        assert_eq!(svc.audit_count(&AuditFilter::default()).unwrap(), 0);
    }
}
