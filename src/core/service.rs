//! The flows of SPEC §3 as methods. Every refusal is a typed reason, audited where it happens.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use super::audit::{AuditEvent, AuditFilter, NewEvent, USER_ACTOR, action};
use super::clock::{Clock, SystemClock, parse_rfc3339, rfc3339};
use super::error::{CoreError, Reason, Refusal, password_reset_error_text};
use super::hashing::Hasher;
use super::model::{
    Email, LoginName, Operator, Policy, Provider, ProviderCode, Role, Status, User,
};
use super::policy::{self, PolicyViolation};
use super::text;
use super::token::Token;
use crate::mail::{MailError, MailSettings, OutgoingMessage};
use crate::store::messages::StoredMessage;
use crate::store::providers::ProviderCounts;
use crate::store::users::{NewUser, UserFilter};
use crate::store::{self, Store};

/// What a flow step tells the person when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowOk {
    pub message: String,
}

/// The live token of a user, for the countdown (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub address: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `live`, `used` or `invalidated`.
    pub state: String,
}

impl TokenInfo {
    /// Whole seconds of validity left at `now` (0 once expired or ended).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        if self.state != "live" {
            return 0;
        }
        (self.expires_at - now).num_seconds().max(0)
    }
}

/// Changes to a provider; `None` leaves a value as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderChanges {
    pub name: Option<String>,
    pub spr_enabled: Option<bool>,
    pub max_incorrect: Option<u32>,
    pub token_minutes: Option<u32>,
    pub min_length: Option<u32>,
    pub history: Option<u32>,
    pub max_tokens_per_hour: Option<u32>,
}

impl ProviderChanges {
    /// The policy values by their `POLICY_FIELDS` key, `None` where unchanged.
    fn policy_values(&self) -> [(&'static str, Option<u32>); 5] {
        [
            ("max_incorrect", self.max_incorrect),
            ("token_minutes", self.token_minutes),
            ("min_length", self.min_length),
            ("history", self.history),
            ("max_tokens_per_hour", self.max_tokens_per_hour),
        ]
    }
}

/// A new user as an operator enters it. `Debug` never shows the password.
#[derive(Clone, Default)]
pub struct UserInput {
    pub login: String,
    pub first: String,
    pub last: String,
    pub email: Option<String>,
    pub text_email: Option<String>,
    pub spr_enabled: bool,
    pub password: Option<String>,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserInput")
            .field("login", &self.login)
            .field("first", &self.first)
            .field("last", &self.last)
            .field("email", &self.email)
            .field("text_email", &self.text_email)
            .field("spr_enabled", &self.spr_enabled)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A contact change: `None` keeps the value, `Some("")` clears it, else sets it.
pub type ContactChange<'a> = Option<&'a str>;

/// Minimum length of an operator's password.
pub const OPERATOR_MIN_PASSWORD: u32 = 12;

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
        outcome: "ok",
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

/// The one answer to a failed login or Verify step (SPEC §3.2, §3.7).
pub const LOGIN_FAILED: &str = "Login failed: the Login Name, Provider Code or password is wrong.";
/// The one answer to Resend and Change Password for every invalid token (SPEC §3.5).
pub const INVALID_TOKEN: &str =
    "The password token is not valid. Go back to the login page and click Forgot Password? again.";

/// What a right password on an account that is not active is told (SPEC §3.7); a Deleted
/// account is told nothing more than a failed login.
fn login_status_message(s: Status) -> &'static str {
    match s {
        Status::AdminLocked => "This account is Admin Locked: ask your administrator to unlock it.",
        Status::Deactivated => "This account is Deactivated: ask your administrator.",
        Status::Deleted | Status::Active => LOGIN_FAILED,
    }
}

/// Checks the person's typed account fields against their limits (SPEC §3.14) before
/// anything else: an input error, no state change and no event.
fn check_account_input(code: &str, login: &str) -> Result<(), CoreError> {
    text::check_typed(code.trim(), "Provider Code", text::PROVIDER_CODE_MAX)?;
    text::check_typed(login.trim(), "Login Name", text::LOGIN_NAME_MAX)
}

fn tries_message(what: &str, left: u32) -> String {
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

    fn audit(&mut self, e: &NewEvent) -> Result<(), CoreError> {
        let at = self.now_str();
        Ok(store::audit::append(self.store.conn(), &at, e)?)
    }

    // ----- operators (SPEC §3.9)

    /// Whether the database has no operator yet (the first start asks for a super admin).
    pub fn needs_first_operator(&self) -> Result<bool, CoreError> {
        Ok(store::operators::count(self.store.conn())? == 0)
    }

    fn check_operator_password(login: &str, password: &str) -> Result<(), CoreError> {
        let broken = policy::check_new_password(password, OPERATOR_MIN_PASSWORD, login, &[login]);
        if broken.is_empty() {
            Ok(())
        } else {
            let mut s = String::from("The operator password is not accepted:");
            for b in broken {
                s.push(' ');
                s.push_str(&b.to_string());
            }
            Err(CoreError::Invalid(s))
        }
    }

    fn valid_operator_login(login: &str) -> Result<String, CoreError> {
        let l = login.trim();
        if (1..=64).contains(&l.chars().count())
            && !l.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            Ok(l.to_owned())
        } else {
            Err(CoreError::Invalid(format!(
                "\"{login}\" is not a valid operator login: use 1 to 64 characters without spaces."
            )))
        }
    }

    /// Creates the first super admin of an empty database.
    pub fn init_first_operator(
        &mut self,
        login: &str,
        password: &str,
    ) -> Result<Operator, CoreError> {
        let login = Self::valid_operator_login(login)?;
        Self::check_operator_password(&login, password)?;
        let hash = self.hasher.hash(password)?;
        let now = self.now_str();
        self.store.immediate(|c| {
            if store::operators::count(c)? > 0 {
                return Err(CoreError::Invalid(
                    "This database already has operators: sign in as one of them instead.".into(),
                ));
            }
            let id = store::operators::insert(c, &login, Role::SuperAdmin, &hash, &now)?;
            let mut e = ev(&login, action::INIT, None, None);
            e.detail = format!("first super admin {login} created");
            store::audit::append(c, &now, &e)?;
            Ok(Operator {
                id,
                login: login.clone(),
                role: Role::SuperAdmin,
            })
        })
    }

    /// How long the operator must wait before the next password try (growing after wrong ones).
    pub fn operator_wait(&self, login: &str) -> Result<StdDuration, CoreError> {
        Ok(store::operators::find(self.store.conn(), login)?
            .map_or(StdDuration::ZERO, |row| self.wait_left(&row)))
    }

    /// What is left of the delay that the operator's recent wrong passwords earned.
    fn wait_left(&self, row: &store::operators::OperatorRow) -> StdDuration {
        let delay = operator_delay(row.failed_attempts);
        match row.last_failed_at.as_deref().and_then(parse_rfc3339) {
            Some(t) => {
                let until = t + Duration::from_std(delay).unwrap_or_default();
                (until - self.clock.now())
                    .to_std()
                    .unwrap_or(StdDuration::ZERO)
            }
            None => StdDuration::ZERO,
        }
    }

    /// Checks an operator's password. A wrong one grows the delay before the next try;
    /// no number of wrong tries locks an operator out for good.
    pub fn operator_login(&mut self, login: &str, password: &str) -> Result<Operator, CoreError> {
        let row = store::operators::find(self.store.conn(), login)?;
        let wait = row
            .as_ref()
            .map_or(StdDuration::ZERO, |r| self.wait_left(r));
        if !wait.is_zero() {
            return Err(CoreError::Forbidden(format!(
                "Too many wrong passwords: wait {} seconds before trying again.",
                wait.as_secs().max(1)
            )));
        }
        let ok = row
            .as_ref()
            .is_some_and(|r| self.hasher.verify(password, &r.password_hash));
        let now = self.now_str();
        match row {
            Some(r) if ok => {
                if r.failed_attempts > 0 {
                    store::operators::set_failures(self.store.conn(), r.operator.id, 0, None)?;
                }
                Ok(r.operator)
            }
            _ => {
                let found = row.is_some();
                self.store.immediate(|c| {
                    if let Some(r) = store::operators::find(c, login)? {
                        store::operators::set_failures(
                            c,
                            r.operator.id,
                            r.failed_attempts + 1,
                            Some(&now),
                        )?;
                    }
                    let mut e = ev(login, action::OPERATOR_LOGIN, None, None);
                    e.outcome = "denied";
                    e.reason = Some(if found {
                        Reason::PasswordIncorrect.code()
                    } else {
                        Reason::UnknownAccount.code()
                    });
                    e.detail = "operator sign-in refused".into();
                    store::audit::append(c, &now, &e)
                })?;
                Err(CoreError::Forbidden(format!(
                    "The operator login or password is wrong for \"{login}\"."
                )))
            }
        }
    }

    pub(crate) fn require_super_admin(actor: &Operator) -> Result<(), CoreError> {
        if actor.is_super_admin() {
            Ok(())
        } else {
            Err(CoreError::Forbidden(format!(
                "Operator {} is {}: only a super admin may do this.",
                actor.login,
                actor.role.label()
            )))
        }
    }

    /// Adds an operator (super admins only).
    pub fn add_operator(
        &mut self,
        actor: &Operator,
        login: &str,
        role: Role,
        password: &str,
    ) -> Result<Operator, CoreError> {
        Self::require_super_admin(actor)?;
        let login = Self::valid_operator_login(login)?;
        Self::check_operator_password(&login, password)?;
        let hash = self.hasher.hash(password)?;
        let now = self.now_str();
        self.store.immediate(|c| {
            if store::operators::find(c, &login)?.is_some() {
                return Err(CoreError::Invalid(format!(
                    "An operator \"{login}\" already exists."
                )));
            }
            let id = store::operators::insert(c, &login, role, &hash, &now)?;
            let mut e = ev(&actor.login, action::OPERATOR_ADD, None, None);
            e.detail = format!("operator {login} added as {}", role.label());
            store::audit::append(c, &now, &e)?;
            Ok(Operator {
                id,
                login: login.clone(),
                role,
            })
        })
    }

    /// Every operator.
    pub fn operators(&self) -> Result<Vec<Operator>, CoreError> {
        Ok(store::operators::all(self.store.conn())?)
    }

    // ----- providers

    /// Every provider.
    pub fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        Ok(store::providers::all(self.store.conn())?)
    }

    /// The provider with this code, or a clear error.
    pub fn provider(&self, code: &str) -> Result<Provider, CoreError> {
        let code = ProviderCode::parse(code)?;
        store::providers::by_code(self.store.conn(), code.as_str())?.ok_or_else(|| {
            CoreError::Invalid(format!("There is no provider with Provider Code {code}."))
        })
    }

    /// Users, SPR enabled, configured and Admin Locked counts.
    pub fn provider_counts(&self, provider_id: i64) -> Result<ProviderCounts, CoreError> {
        Ok(store::providers::counts(self.store.conn(), provider_id)?)
    }

    /// Adds a provider with the default policy and SPR off (super admins only).
    pub fn add_provider(
        &mut self,
        actor: &Operator,
        code: &str,
        name: &str,
    ) -> Result<Provider, CoreError> {
        Self::require_super_admin(actor)?;
        let code = ProviderCode::parse(code)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(CoreError::Invalid(
                "The provider name must be 1 to 200 characters.".into(),
            ));
        }
        let now = self.now_str();
        self.store.immediate(|c| {
            if store::providers::by_code(c, code.as_str())?.is_some() {
                return Err(CoreError::Invalid(format!(
                    "A provider with Provider Code {code} already exists."
                )));
            }
            let id = store::providers::insert(c, &code, name, &now)?;
            let mut e = ev(
                &actor.login,
                action::PROVIDER_ADD,
                Some(code.as_str()),
                None,
            );
            e.detail = format!("provider \"{name}\" added");
            store::audit::append(c, &now, &e)?;
            store::providers::by_id(c, id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))
        })
    }

    /// Changes SPR enablement, name or policy values (super admins only); each change is audited.
    pub fn update_provider(
        &mut self,
        actor: &Operator,
        code: &str,
        ch: &ProviderChanges,
    ) -> Result<Provider, CoreError> {
        Self::require_super_admin(actor)?;
        let code = ProviderCode::parse(code)?;
        let mut policy = Policy::default();
        // Validate every value before touching anything.
        for (key, v) in ch.policy_values() {
            if let Some(v) = v {
                policy.set(key, v)?;
            }
        }
        if let Some(name) = &ch.name
            && (name.trim().is_empty() || name.chars().count() > 200)
        {
            return Err(CoreError::Invalid(
                "The provider name must be 1 to 200 characters.".into(),
            ));
        }
        let now = self.now_str();
        self.store.immediate(|c| {
            let mut p = store::providers::by_code(c, code.as_str())?.ok_or_else(|| {
                CoreError::Invalid(format!("There is no provider with Provider Code {code}."))
            })?;
            let mut changes = Vec::new();
            if let Some(name) = &ch.name
                && name.trim() != p.name
            {
                changes.push(format!("name \"{}\" → \"{}\"", p.name, name.trim()));
                p.name = name.trim().to_owned();
            }
            if let Some(on) = ch.spr_enabled
                && on != p.spr_enabled
            {
                changes.push(format!(
                    "Self Password Reset {}",
                    if on { "enabled" } else { "disabled" }
                ));
                p.spr_enabled = on;
            }
            for (key, v) in ch.policy_values() {
                if let Some(v) = v {
                    let old = p.policy.get(key).unwrap_or_default();
                    if old != v {
                        p.policy.set(key, v)?;
                        changes.push(format!("{key} {old} → {v}"));
                    }
                }
            }
            if ch.spr_enabled == Some(false) && changes.iter().any(|x| x.ends_with("disabled")) {
                let ended =
                    store::tokens::invalidate_live_of_provider(c, p.id, "provider_spr_disabled")?;
                if let Some(last) = changes.iter_mut().find(|x| x.ends_with("disabled")) {
                    last.push_str(&store::tokens::ended_words(ended));
                }
            }
            if !changes.is_empty() {
                store::providers::update(c, &p)?;
                let mut e = ev(
                    &actor.login,
                    action::PROVIDER_SET,
                    Some(code.as_str()),
                    None,
                );
                e.detail = changes.join("; ");
                store::audit::append(c, &now, &e)?;
            }
            Ok(p)
        })
    }

    // ----- users, administration

    /// The user with this Login Name in the provider, or a clear error.
    pub fn user(&self, code: &str, login: &str) -> Result<User, CoreError> {
        let p = self.provider(code)?;
        store::users::find(self.store.conn(), p.id, login.trim())?.ok_or_else(|| {
            CoreError::Invalid(format!(
                "There is no user with Login Name {} in provider {}.",
                login.trim(),
                p.code
            ))
        })
    }

    /// The user with this id.
    pub fn user_by_id(&self, id: i64) -> Result<User, CoreError> {
        store::users::by_id(self.store.conn(), id)?
            .ok_or_else(|| CoreError::Invalid("That user no longer exists.".into()))
    }

    /// One page of users matching the filter.
    pub fn list_users(
        &self,
        filter: &UserFilter,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<User>, CoreError> {
        Ok(store::users::list(
            self.store.conn(),
            filter,
            offset,
            limit,
        )?)
    }

    /// How many users match the filter.
    pub fn count_users(&self, filter: &UserFilter) -> Result<u64, CoreError> {
        Ok(store::users::count(self.store.conn(), filter)?)
    }

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

    /// Adds a user (super admins only). A password given must meet the provider's policy.
    pub fn add_user(
        &mut self,
        actor: &Operator,
        code: &str,
        input: &UserInput,
    ) -> Result<User, CoreError> {
        Self::require_super_admin(actor)?;
        let p = self.provider(code)?;
        let login = LoginName::parse(&input.login)?;
        let email = parse_contact(input.email.as_deref())?;
        let text_email = parse_contact(input.text_email.as_deref())?;
        check_name(&input.first, "first name")?;
        check_name(&input.last, "last name")?;
        let hash = match &input.password {
            Some(pw) => {
                let broken = self.password_violations(
                    None,
                    login.as_str(),
                    &input.first,
                    &input.last,
                    &p.policy,
                    pw,
                )?;
                if !broken.is_empty() {
                    return Err(CoreError::Invalid(policy_message(&broken)));
                }
                Some(self.hasher.hash(pw)?)
            }
            None => None,
        };
        let now = self.now_str();
        self.store.immediate(|c| {
            if store::users::find(c, p.id, login.as_str())?.is_some() {
                return Err(CoreError::Invalid(format!(
                    "A user with Login Name {login} already exists in provider {}.",
                    p.code
                )));
            }
            let id = store::users::insert(
                c,
                p.id,
                &NewUser {
                    login: login.as_str(),
                    first: input.first.trim(),
                    last: input.last.trim(),
                    email: email.as_ref().map(Email::as_str),
                    text_email: text_email.as_ref().map(Email::as_str),
                    spr_enabled: input.spr_enabled,
                    password_hash: hash.as_deref(),
                },
                &now,
            )?;
            let mut e = ev(
                &actor.login,
                action::USER_ADD,
                Some(p.code.as_str()),
                Some(login.as_str()),
            );
            e.detail = format!(
                "user added{}{}",
                if hash.is_some() {
                    " with an initial password"
                } else {
                    " without a password"
                },
                if input.spr_enabled {
                    ", Self Password Reset enabled"
                } else {
                    ""
                }
            );
            store::audit::append(c, &now, &e)?;
            store::users::by_id(c, id)?.ok_or_else(|| CoreError::Internal("user vanished".into()))
        })
    }

    /// Grants or withdraws Self Password Reset for users by id (super admins only); returns how many changed.
    pub fn set_spr_for(
        &mut self,
        actor: &Operator,
        ids: &[i64],
        on: bool,
    ) -> Result<usize, CoreError> {
        Self::require_super_admin(actor)?;
        let now = self.now_str();
        // A change to many users shares a batch id and ends with one summary event (SPEC §5).
        let batch = (ids.len() > 1).then(|| super::audit::batch_id(self.clock.now()));
        let in_batch = batch
            .as_deref()
            .map(|b| format!(" (batch {b})"))
            .unwrap_or_default();
        self.store.immediate(|c| {
            let mut changed = 0;
            for &id in ids {
                let Some(u) = store::users::by_id(c, id)? else {
                    continue;
                };
                if u.spr_enabled == on {
                    continue;
                }
                store::users::set_spr(c, id, on)?;
                let ended = if on {
                    0
                } else {
                    store::tokens::invalidate_live(c, id, "user_spr_disabled")?
                };
                let mut e = ev(
                    &actor.login,
                    action::USER_SPR,
                    Some(u.provider_code.as_str()),
                    Some(u.login.as_str()),
                );
                e.detail = format!(
                    "Self Password Reset {}{}{in_batch}",
                    if on { "enabled" } else { "disabled" },
                    store::tokens::ended_words(ended)
                );
                store::audit::append(c, &now, &e)?;
                changed += 1;
            }
            if let Some(b) = &batch {
                let mut e = ev(&actor.login, action::USER_SPR_BATCH, None, None);
                e.detail = format!(
                    "Self Password Reset {} for {} (batch {b}; {} already so or gone)",
                    if on { "enabled" } else { "disabled" },
                    if changed == 1 {
                        "1 user".to_owned()
                    } else {
                        format!("{changed} users")
                    },
                    ids.len() - changed
                );
                store::audit::append(c, &now, &e)?;
            }
            Ok(changed)
        })
    }

    /// Grants or withdraws SPR for every user matching the filter (bulk enable).
    pub fn set_spr_matching(
        &mut self,
        actor: &Operator,
        filter: &UserFilter,
        on: bool,
    ) -> Result<usize, CoreError> {
        Self::require_super_admin(actor)?;
        let ids = store::users::ids(self.store.conn(), filter)?;
        self.set_spr_for(actor, &ids, on)
    }

    /// Sets a user's SPR contacts as an administrator (no current password needed).
    pub fn set_contacts(
        &mut self,
        actor: &Operator,
        user_id: i64,
        email: ContactChange<'_>,
        text_email: ContactChange<'_>,
    ) -> Result<User, CoreError> {
        Self::require_super_admin(actor)?;
        let now = self.now_str();
        self.store.immediate(|c| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Invalid("That user no longer exists.".into()))?;
            let (e_new, t_new) = apply_contacts(&u, email, text_email, false)?;
            store::users::set_contacts(c, u.id, e_new.as_deref(), t_new.as_deref())?;
            let ended = end_tokens_to_removed_contacts(c, u.id, &e_new, &t_new)?;
            let mut e = ev(
                &actor.login,
                action::USER_CONTACTS,
                Some(u.provider_code.as_str()),
                Some(u.login.as_str()),
            );
            e.detail = contacts_detail(e_new.as_deref(), t_new.as_deref())
                + &store::tokens::ended_words(ended);
            store::audit::append(c, &now, &e)?;
            store::users::by_id(c, u.id)?.ok_or_else(|| CoreError::Internal("user vanished".into()))
        })
    }

    fn change_status(
        &mut self,
        actor: &Operator,
        user_id: i64,
        act: &'static str,
        detail: String,
    ) -> Result<User, CoreError> {
        // Helpdesk operators unlock (§3.6, §3.9); every other status change is a super admin's.
        if act != action::USER_UNLOCK {
            Self::require_super_admin(actor)?;
        }
        let now = self.now_str();
        self.store.immediate(|c| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Invalid("That user no longer exists.".into()))?;
            let target = match (act, u.status) {
                (action::USER_UNLOCK, Status::AdminLocked) => Status::Active,
                (action::USER_UNLOCK, s) => return Err(CoreError::Invalid(format!("{} is not Admin Locked (status: {}).", u.login, s.label()))),
                (action::USER_DEACTIVATE, Status::Active | Status::AdminLocked) => Status::Deactivated,
                (action::USER_DEACTIVATE, s) => return Err(CoreError::Invalid(format!("{} cannot be deactivated: the account is {}.", u.login, s.label()))),
                // A lock that was in place when the account was deactivated comes back with it.
                (action::USER_REACTIVATE, Status::Deactivated) if u.locked_at.is_some() => Status::AdminLocked,
                (action::USER_REACTIVATE, Status::Deactivated) => Status::Active,
                (action::USER_REACTIVATE, s) => return Err(CoreError::Invalid(format!(
                    "{} cannot be reactivated: only Deactivated accounts can (the account is {}{}).",
                    u.login, s.label(), if s == Status::AdminLocked { "; unlock it instead" } else { "" }
                ))),
                (action::USER_DELETE, Status::Deleted) => return Err(CoreError::Invalid(format!("{} is already Deleted.", u.login))),
                (_, _) => Status::Deleted,
            };
            // Only an unlock clears a lock (§3.6): deactivate and reactivate keep its facts.
            let locked_at = u.locked_at.map(rfc3339);
            let kept = matches!(
                (act, target),
                (action::USER_DEACTIVATE, _) | (action::USER_REACTIVATE, Status::AdminLocked)
            );
            if kept {
                store::users::set_status(
                    c,
                    u.id,
                    target,
                    u.failed_attempts,
                    locked_at.as_deref(),
                    u.lock_cause.as_deref(),
                )?;
            } else {
                store::users::set_status(c, u.id, target, 0, None, None)?;
            }
            let ended = if target == Status::Active {
                0
            } else {
                store::tokens::invalidate_live(c, u.id, act)?
            };
            let mut e = ev(&actor.login, act, Some(u.provider_code.as_str()), Some(u.login.as_str()));
            e.detail = detail + &store::tokens::ended_words(ended);
            store::audit::append(c, &now, &e)?;
            store::users::by_id(c, u.id)?.ok_or_else(|| CoreError::Internal("user vanished".into()))
        })
    }

    /// Unlocks an Admin Locked account: status active, counter 0; the reason is required and audited.
    pub fn unlock(
        &mut self,
        actor: &Operator,
        user_id: i64,
        reason: &str,
    ) -> Result<User, CoreError> {
        let reason = check_reason(reason)?;
        self.change_status(
            actor,
            user_id,
            action::USER_UNLOCK,
            format!("unlocked: {reason}"),
        )
    }

    /// Unlocks the account of a supervised session on the spot (§3.15), naming the session.
    pub fn unlock_in_session(
        &mut self,
        actor: &Operator,
        session_id: &str,
        reason: &str,
    ) -> Result<User, CoreError> {
        let reason = check_reason(reason)?;
        let row = store::sessions::by_id(self.store.conn(), session_id)?
            .ok_or_else(|| CoreError::Invalid("That supervised session does not exist.".into()))?;
        self.change_status(
            actor,
            row.user_id,
            action::USER_UNLOCK,
            format!("unlocked during supervised session {session_id}: {reason}"),
        )
    }

    /// Deactivates an account (its live token stops working).
    pub fn deactivate(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            action::USER_DEACTIVATE,
            "account deactivated".into(),
        )
    }

    /// Reactivates a Deactivated account.
    pub fn reactivate(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            action::USER_REACTIVATE,
            "account reactivated".into(),
        )
    }

    /// Deletes an account (soft: kept for the audit, hidden by default).
    pub fn delete(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            action::USER_DELETE,
            "account deleted".into(),
        )
    }

    // ----- the person's flows (actor `user`)

    fn lookup(&self, code: &str, login: &str) -> Result<Option<(Provider, User)>, CoreError> {
        let Ok(code) = ProviderCode::parse(code) else {
            return Ok(None);
        };
        let Some(p) = store::providers::by_code(self.store.conn(), code.as_str())? else {
            return Ok(None);
        };
        let Some(u) = store::users::find(self.store.conn(), p.id, login.trim())? else {
            return Ok(None);
        };
        Ok(Some((p, u)))
    }

    /// Writes the refusal's audit event and returns it as an error.
    fn refuse(&mut self, mut e: NewEvent, refusal: Refusal) -> CoreError {
        e.outcome = refusal.outcome();
        e.reason = Some(refusal.reason.code());
        if e.detail.is_empty() {
            e.detail = refusal.reason.operator_text().to_owned();
        }
        if let Err(err) = self.audit(&e) {
            return err;
        }
        CoreError::Refused(refusal)
    }

    /// Counts one incorrect entry (§3.6) in one transaction; locks above the maximum.
    /// Returns the refusal to report, already audited with the lock before it.
    fn record_incorrect(
        &mut self,
        user_id: i64,
        kind: &str,
        mut e: NewEvent,
        reason: Reason,
    ) -> Result<Refusal, CoreError> {
        let now = self.now_str();
        self.store.immediate(|c| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            let p = store::providers::by_id(c, u.provider_id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
            if let Some(r) = status_reason(u.status) {
                // Another console locked it meanwhile: this entry no longer counts.
                let refusal =
                    Refusal::new(r, if kind == "token" { INVALID_TOKEN } else { LOGIN_FAILED });
                e.outcome = "denied";
                e.reason = Some(r.code());
                e.detail = r.operator_text().into();
                store::audit::append(c, &now, &e)?;
                return Ok(refusal);
            }
            let n = u.failed_attempts + 1;
            let max = p.policy.max_incorrect;
            let what = if kind == "token" { "password token" } else { "password" };
            let mut refusal;
            if policy::locks_at(max, n) {
                store::users::set_status(c, u.id, Status::AdminLocked, n, Some(&now), Some(kind))?;
                let ended = store::tokens::invalidate_live(c, u.id, "account_locked")?;
                let mut lock = ev(&e.actor, action::ACCOUNT_LOCKED, e.provider.as_deref(), e.login.as_deref());
                lock.outcome = "denied";
                lock.supervisor.clone_from(&e.supervisor);
                lock.session.clone_from(&e.session);
                lock.verification.clone_from(&e.verification);
                lock.ticket.clone_from(&e.ticket);
                lock.reason = Some(action::ACCOUNT_LOCKED);
                lock.detail = format!("Admin Locked after {n} consecutive incorrect entries (the last a wrong {what}; maximum tolerated {max}){}", store::tokens::ended_words(ended));
                store::audit::append(c, &now, &lock)?;
                refusal = Refusal::new(reason, format!("The {what} is incorrect. Your account is now Admin Locked: contact your administrator to unlock it."));
                refusal.tries_left = Some(0);
                refusal.locked_now = true;
            } else {
                store::users::set_failed_attempts(c, u.id, n)?;
                let left = policy::tries_left(max, n);
                refusal = Refusal::new(reason, tries_message(what, left));
                refusal.tries_left = Some(left);
            }
            e.outcome = "denied";
            e.reason = Some(reason.code());
            e.detail = format!("incorrect entry {n} of {max} tolerated");
            store::audit::append(c, &now, &e)?;
            Ok(refusal)
        })
    }

    /// Checks the user's password with one argon2 verification whatever the account: an
    /// account without a password is checked against the dummy hash (SPEC §3.3, §3.7).
    fn password_is_right(&self, u: &User, password: &str) -> Result<bool, CoreError> {
        Ok(
            match store::users::password_hash(self.store.conn(), u.id)? {
                Some(h) => self.hasher.verify(password, &h),
                None => {
                    self.hasher.verify_dummy(password);
                    false
                }
            },
        )
    }

    /// A right password, in one transaction that re-reads the account: still active (and,
    /// with `spr`, SPR still enabled for the provider and the user) → the counter is reset
    /// and the event audited as `ok`; else the refusal is audited with its exact reason.
    fn accept_password(
        &mut self,
        u: &User,
        mut e: NewEvent,
        ok_detail: &str,
        spr: bool,
    ) -> Result<Result<(), Refusal>, CoreError> {
        let now = self.now_str();
        self.store.immediate(|c| {
            let cur = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(cur.status) {
                // Nothing changes for an account that is not active (SPEC §3.7).
                e.outcome = "denied";
                e.reason = Some(r.code());
                e.detail = format!("right password; {}", r.operator_text());
                store::audit::append(c, &now, &e)?;
                return Ok(Err(Refusal::new(r, login_status_message(cur.status))));
            }
            store::users::set_failed_attempts(c, u.id, 0)?;
            if spr {
                let p = store::providers::by_id(c, cur.provider_id)?
                    .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
                let refusal = if !p.spr_enabled {
                    Some(Refusal::new(
                        Reason::ProviderSprDisabled,
                        "Self Password Reset is not enabled for your provider.",
                    ))
                } else if !cur.spr_enabled {
                    Some(Refusal::new(
                        Reason::UserSprDisabled,
                        "Self Password Reset is not enabled for your user account. Ask a super admin to enable it.",
                    ))
                } else {
                    None
                };
                if let Some(refusal) = refusal {
                    e.outcome = "denied";
                    e.reason = Some(refusal.reason.code());
                    e.detail = format!("right password; {}", refusal.reason.operator_text());
                    store::audit::append(c, &now, &e)?;
                    return Ok(Err(refusal));
                }
            }
            e.detail = ok_detail.into();
            store::audit::append(c, &now, &e)?;
            Ok(Ok(()))
        })
    }

    /// The password step shared by login and the Verify step: one argon2 verification for
    /// every account, one message for an unknown account, a wrong password and a wrong
    /// password on an account that is not active (SPEC §3.2, §3.7).
    fn password_step(
        &mut self,
        act: &'static str,
        code: &str,
        login: &str,
        password: &str,
        ok_detail: &str,
        spr: bool,
    ) -> Result<User, CoreError> {
        check_account_input(code, login)?;
        let e = self.typed_event(act, code, login);
        let Some((_, u)) = self.lookup(code, login)? else {
            self.hasher.verify_dummy(password);
            return Err(self.refuse(e, Refusal::new(Reason::UnknownAccount, LOGIN_FAILED)));
        };
        let e = self.account_event(act, &u);
        let right = self.password_is_right(&u, password)?;
        if let Some(r) = status_reason(u.status) {
            // Right password or wrong, nothing changes; only a right one is told the status.
            let message = if right {
                login_status_message(u.status)
            } else {
                LOGIN_FAILED
            };
            return Err(self.refuse(e, Refusal::new(r, message)));
        }
        if !right {
            let mut refusal =
                self.record_incorrect(u.id, "password", e, Reason::PasswordIncorrect)?;
            // The entry that locks the account is a wrong password too: one message for all
            // (SPEC §3.2, §3.7); only a right password is later told of the lock.
            refusal.message = LOGIN_FAILED.into();
            return Err(CoreError::Refused(refusal));
        }
        match self.accept_password(&u, e, ok_detail, spr)? {
            Ok(()) => Ok(u),
            Err(refusal) => Err(CoreError::Refused(refusal)),
        }
    }

    /// Logs in as the user (SPEC §3.7): the console's check that a reset worked.
    pub fn login(&mut self, code: &str, login: &str, password: &str) -> Result<FlowOk, CoreError> {
        let u = self.password_step(action::LOGIN, code, login, password, "logged in", false)?;
        Ok(FlowOk {
            message: format!("Welcome, {}: you are logged in.", u.display_name()),
        })
    }

    /// §3.2 step 1: checks the user's current password (a wrong one counts toward the lock).
    /// Only after a right password is the person told that SPR is off or the account is not
    /// active.
    pub fn configure_verify(
        &mut self,
        code: &str,
        login: &str,
        password: &str,
    ) -> Result<User, CoreError> {
        self.password_step(
            action::CONFIGURE_VERIFY,
            code,
            login,
            password,
            "current password verified",
            true,
        )
    }

    /// §3.2: verifies the current password, then saves the contacts (`None` keeps, `""` clears).
    /// A live token sent to a contact that is changed or removed ends (SPEC §3.5).
    pub fn configure(
        &mut self,
        code: &str,
        login: &str,
        password: &str,
        email: ContactChange<'_>,
        text_email: ContactChange<'_>,
    ) -> Result<User, CoreError> {
        check_account_input(code, login)?;
        for v in [email, text_email].into_iter().flatten() {
            text::check_typed(v.trim(), "address", text::ADDRESS_MAX)?;
        }
        if email.is_none() && text_email.is_none() {
            return Err(CoreError::Invalid(
                "Enter an Email and/or a Phone/Text Message Email.".into(),
            ));
        }
        // Malformed addresses are refused before the password is checked (nothing counted).
        for v in [email, text_email].into_iter().flatten() {
            if !v.trim().is_empty() {
                Email::parse(v)?;
            }
        }
        if [email, text_email]
            .iter()
            .all(|v| v.is_some_and(|v| v.trim().is_empty()))
        {
            return Err(CoreError::Invalid(
                "At least one of Email and Phone/Text Message Email is required.".into(),
            ));
        }
        let u = self.configure_verify(code, login, password)?;
        // "At least one remains" depends on the account: told only after a right password.
        let (e_new, t_new) = apply_contacts(&u, email, text_email, true)?;
        let now = self.now_str();
        let mut e = self.account_event(action::CONFIGURE, &u);
        self.store.immediate(|c| {
            store::users::set_contacts(c, u.id, e_new.as_deref(), t_new.as_deref())?;
            let ended = end_tokens_to_removed_contacts(c, u.id, &e_new, &t_new)?;
            e.detail = contacts_detail(e_new.as_deref(), t_new.as_deref())
                + &store::tokens::ended_words(ended);
            store::audit::append(c, &now, &e)?;
            store::users::by_id(c, u.id)?.ok_or_else(|| CoreError::Internal("user vanished".into()))
        })
    }

    /// The user's latest token, for the countdown and the operator's view.
    pub fn token_info(&self, user_id: i64) -> Result<Option<TokenInfo>, CoreError> {
        let Some(t) = store::tokens::latest(self.store.conn(), user_id)? else {
            return Ok(None);
        };
        let (Some(sent_at), Some(expires_at)) =
            (parse_rfc3339(&t.sent_at), parse_rfc3339(&t.expires_at))
        else {
            return Ok(None);
        };
        Ok(Some(TokenInfo {
            address: t.address,
            sent_at,
            expires_at,
            state: t.state,
        }))
    }

    /// The argon2 work a refusal does in place of hashing a new token, so that every
    /// refusal and every acceptance of Forgot Password and Resend take the same time (§3.3).
    fn dummy_token_hash(&self) {
        let _ = self.hasher.hash(Token::generate().canonical());
    }

    /// §3.3: Forgot Password. Checks in order, then makes, stores (hashed) and sends a token.
    pub fn request_token(
        &mut self,
        login: &str,
        code: &str,
        address: &str,
    ) -> Result<FlowOk, CoreError> {
        check_account_input(code, login)?;
        text::check_typed(address.trim(), "address", text::ADDRESS_MAX)?;
        let mut e = self.typed_event(action::RESET_REQUEST, code, login);
        e.detail = format!("address entered: {}", address.trim());
        let generic = |r: Reason| Refusal::new(r, password_reset_error_text());
        let Some((p, u)) = self.lookup(code, login)? else {
            self.dummy_token_hash();
            return Err(self.refuse(e, generic(Reason::UnknownAccount)));
        };
        e.provider = Some(p.code.to_string());
        e.login = Some(u.login.to_string());
        let check = if !p.spr_enabled {
            Some(Reason::ProviderSprDisabled)
        } else if !u.spr_enabled {
            Some(Reason::UserSprDisabled)
        } else if !u.is_configured() {
            Some(Reason::SprNotConfigured)
        } else if !u.email.as_ref().is_some_and(|m| m.matches(address))
            && !u.text_email.as_ref().is_some_and(|m| m.matches(address))
        {
            Some(Reason::UnknownAccount)
        } else {
            status_reason(u.status)
        };
        if let Some(r) = check {
            self.dummy_token_hash();
            return Err(self.refuse(e, generic(r)));
        }
        let is_text = !u.email.as_ref().is_some_and(|m| m.matches(address));
        let to = address.trim().to_owned();
        self.issue_token(&p, &u, &to, is_text, None, e)
    }

    /// Checks the hourly limit, replaces any live token, sends the new one; audits the result.
    /// For a Resend, `previous` is the token being resent: it must still be the live one.
    fn issue_token(
        &mut self,
        p: &Provider,
        u: &User,
        to: &str,
        is_text: bool,
        previous: Option<i64>,
        mut e: NewEvent,
    ) -> Result<FlowOk, CoreError> {
        let token = Token::generate();
        let hash = self.hasher.hash(token.canonical())?;
        let now = self.clock.now();
        let now_s = rfc3339(now);
        let hour_ago = rfc3339(now - Duration::hours(1));
        let expires = now + Duration::minutes(i64::from(p.policy.token_minutes));
        let max = p.policy.max_tokens_per_hour;
        let issued = self.store.immediate(|c| -> Result<_, CoreError> {
            let current = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(current.status) {
                return Ok(Err(r));
            }
            if let Some(prev) = previous {
                // Between the checks and now the token may have ended (another console).
                match store::tokens::latest(c, u.id)? {
                    Some(t) if t.id == prev && t.state == "live" => {}
                    _ => return Ok(Err(Reason::NoActiveToken)),
                }
            }
            if store::tokens::delivered_since(c, u.id, &hour_ago)? >= max {
                return Ok(Err(Reason::RateLimited));
            }
            let ended = store::tokens::invalidate_live(c, u.id, "replaced")?;
            Ok(Ok((
                store::tokens::insert(c, u.id, &hash, to, &now_s, &rfc3339(expires))?,
                ended,
            )))
        })?;
        let (token_id, ended) = match issued {
            Ok(ok) => ok,
            Err(r) => {
                let message = if previous.is_some() && r != Reason::RateLimited {
                    INVALID_TOKEN.to_owned()
                } else {
                    password_reset_error_text()
                };
                return Err(self.refuse(e, Refusal::new(r, message)));
            }
        };
        let msg = token_message(
            to,
            is_text,
            &token,
            p.policy.token_minutes,
            u.login.as_str(),
            p.code.as_str(),
        );
        let sent = self.deliver(
            &msg,
            Some((p.code.as_str(), u.login.as_str())),
            "password token",
        );
        store::tokens::set_delivery(self.store.conn(), token_id, sent.is_ok())?;
        let replaced = if ended > 0 {
            "; the previous live password token ended"
        } else {
            ""
        };
        match sent {
            Ok(_) => {
                e.detail = format!(
                    "token sent to {to}, valid until {}{replaced}",
                    rfc3339(expires)
                );
                self.audit(&e)?;
                let unit = if p.policy.token_minutes == 1 {
                    "minute"
                } else {
                    "minutes"
                };
                Ok(FlowOk {
                    message: format!(
                        "A message containing a password token was sent to {to}. The password token is valid for the next {} {unit}.",
                        p.policy.token_minutes
                    ),
                })
            }
            Err(err) => {
                e.detail = format!(
                    "sending to {to} failed: {err}; the new password token ended{replaced}"
                );
                Err(self.refuse(e, Refusal::new(Reason::DeliveryFailed, format!("Password Reset Error: the message could not be sent to {to}. Try again later or contact your administrator."))))
            }
        }
    }

    /// The re-checks of Resend and Change Password (SPEC §3.5), before the token: the account
    /// exists and is active, SPR is on for the provider and the user, and the address the
    /// live token went to is still a contact. A failed check ends the live token in the same
    /// transaction and is audited with its own reason; then the token's state. Every failure
    /// is told [`INVALID_TOKEN`] and costs one argon2 operation (done here).
    fn token_gate(
        &mut self,
        act: &'static str,
        code: &str,
        login: &str,
    ) -> Result<(Provider, User, store::tokens::TokenRow), CoreError> {
        let invalid = |r: Reason| Refusal::new(r, INVALID_TOKEN);
        let e = self.typed_event(act, code, login);
        let Some((_, u)) = self.lookup(code, login)? else {
            self.dummy_token_hash();
            return Err(self.refuse(e, invalid(Reason::UnknownAccount)));
        };
        let mut e = self.account_event(act, &u);
        let now = self.clock.now();
        let now_s = rfc3339(now);
        let checked = self.store.immediate(|c| -> Result<_, CoreError> {
            let u = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            let p = store::providers::by_id(c, u.provider_id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
            let latest = store::tokens::latest(c, u.id)?;
            let address_gone = latest.as_ref().is_some_and(|t| {
                t.state == "live"
                    && !u.email.as_ref().is_some_and(|m| m.matches(&t.address))
                    && !u.text_email.as_ref().is_some_and(|m| m.matches(&t.address))
            });
            let failed = if let Some(r) = status_reason(u.status) {
                Some((r, "the account is not active"))
            } else if !p.spr_enabled {
                Some((Reason::ProviderSprDisabled, "SPR is off for the provider"))
            } else if !u.spr_enabled {
                Some((Reason::UserSprDisabled, "SPR is off for the user"))
            } else if address_gone {
                Some((Reason::NoActiveToken, "its address is no longer a contact"))
            } else {
                None
            };
            if let Some((r, why)) = failed {
                let ended = store::tokens::invalidate_live(c, u.id, r.code())?;
                e.outcome = "denied";
                e.reason = Some(r.code());
                e.detail = format!(
                    "{}{}",
                    r.operator_text(),
                    if ended > 0 {
                        format!("; its live password token ended: {why}")
                    } else {
                        String::new()
                    }
                );
                store::audit::append(c, &now_s, &e)?;
                return Ok(Err(r));
            }
            let state = match latest {
                Some(t) if t.state == "live" => {
                    if parse_rfc3339(&t.expires_at).is_none_or(|exp| now >= exp) {
                        Err(Reason::TokenExpired)
                    } else {
                        Ok(t)
                    }
                }
                _ => Err(Reason::NoActiveToken),
            };
            Ok(Ok((p, u, state)))
        })?;
        match checked {
            Err(r) => {
                self.dummy_token_hash();
                Err(CoreError::Refused(invalid(r)))
            }
            Ok((_, u, Err(r))) => {
                self.dummy_token_hash();
                {
                    let e = self.account_event(act, &u);
                    Err(self.refuse(e, invalid(r)))
                }
            }
            Ok((p, u, Ok(t))) => Ok((p, u, t)),
        }
    }

    /// §3.5 Resend: a new token to the same address while the live one is still valid.
    pub fn resend(&mut self, code: &str, login: &str) -> Result<FlowOk, CoreError> {
        check_account_input(code, login)?;
        let (p, u, t) = self.token_gate(action::RESET_RESEND, code, login)?;
        let e = self.account_event(action::RESET_RESEND, &u);
        let is_text = !u.email.as_ref().is_some_and(|m| m.matches(&t.address));
        self.issue_token(&p, &u, &t.address, is_text, Some(t.id), e)
    }

    /// §3.5 Change Password: token, new password and its confirmation.
    pub fn complete_reset(
        &mut self,
        code: &str,
        login: &str,
        token: &str,
        new_password: &str,
        confirm: &str,
    ) -> Result<FlowOk, CoreError> {
        check_account_input(code, login)?;
        text::check_typed(token.trim(), "password token", text::TOKEN_MAX)?;
        if token.trim().is_empty() {
            return Err(CoreError::Invalid("Enter the password token.".into()));
        }
        if new_password.is_empty() {
            return Err(CoreError::Invalid("Enter the new password.".into()));
        }
        if new_password != confirm {
            return Err(CoreError::Invalid(
                "The new password and its confirmation differ.".into(),
            ));
        }
        let now = self.clock.now();
        let (p, u, t) = self.token_gate(action::RESET_COMPLETE, code, login)?;
        let e = self.account_event(action::RESET_COMPLETE, &u);
        let right = match Token::parse(token) {
            Some(tok) => self.hasher.verify(tok.canonical(), &t.hash),
            None => {
                self.hasher.verify_dummy(token);
                false
            }
        };
        if !right {
            let refusal = self.record_incorrect(u.id, "token", e, Reason::TokenIncorrect)?;
            return Err(CoreError::Refused(refusal));
        }
        let (broken, new_hash) = self.checked_new_password(
            Some(u.id),
            u.login.as_str(),
            &u.first,
            &u.last,
            &p.policy,
            new_password,
            true,
        )?;
        if !broken.is_empty() {
            let mut refusal = Refusal::new(Reason::PasswordPolicy, policy_message(&broken));
            let mut e = e;
            e.detail = broken
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            refusal.violations = broken;
            return Err(self.refuse(e, refusal));
        }
        let hash = match new_hash {
            Some(h) => h,
            None => self.hasher.hash(new_password)?,
        };
        let now_s = rfc3339(now);
        let done = self.store.immediate(|c| -> Result<_, CoreError> {
            // Between the check and now another console may have locked it or sent a new token.
            let cur = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(cur.status) {
                return Ok(Err(Refusal::new(r, INVALID_TOKEN)));
            }
            match store::tokens::latest(c, u.id)? {
                Some(latest) if latest.id == t.id && latest.state == "live" => {}
                _ => return Ok(Err(Refusal::new(Reason::NoActiveToken, INVALID_TOKEN))),
            }
            store::users::set_password(c, u.id, &hash, &now_s)?;
            store::tokens::mark_used(c, t.id)?;
            store::users::set_failed_attempts(c, u.id, 0)?;
            let mut ok = e.clone();
            ok.detail = "password changed with a password token; the token is used up".into();
            store::audit::append(c, &now_s, &ok)?;
            Ok(Ok(()))
        })?;
        if let Err(refusal) = done {
            return Err(self.refuse(e, refusal));
        }
        for (addr, is_text) in [(u.email.as_ref(), false), (u.text_email.as_ref(), true)] {
            if let Some(addr) = addr {
                let notice = changed_notice(
                    addr.as_str(),
                    is_text,
                    u.login.as_str(),
                    p.code.as_str(),
                    now,
                );
                // A notice that fails is audited; the password change itself stands.
                let _ = self.deliver(
                    &notice,
                    Some((p.code.as_str(), u.login.as_str())),
                    "password changed notice",
                );
            }
        }
        Ok(FlowOk {
            message: "Your password was reset successfully. Click Login to go to the login page and log in with your new password.".into(),
        })
    }

    // ----- delivery (SPEC §3.11)

    /// The console-wide mail settings.
    pub fn mail_settings(&self) -> Result<MailSettings, CoreError> {
        Ok(store::settings::mail(self.store.conn())?)
    }

    /// Replaces the mail settings (super admins only); contacts nothing.
    pub fn set_mail_settings(
        &mut self,
        actor: &Operator,
        m: &MailSettings,
    ) -> Result<(), CoreError> {
        Self::require_super_admin(actor)?;
        if let MailSettings::Smtp(s) = m {
            crate::mail::smtp::check_settings(s).map_err(CoreError::Invalid)?;
        }
        let now = self.now_str();
        Ok(self.store.immediate(|c| {
            let was_training = store::settings::mail(c)? == MailSettings::Outbox;
            store::settings::set_mail(c, m)?;
            let mut e = ev(&actor.login, action::MAIL_SET, None, None);
            // The outbox's messages are training data: they go when the training ends (§3.11).
            let emptied = if was_training && *m != MailSettings::Outbox {
                store::messages::clear(c)?
            } else {
                0
            };
            e.detail = match m {
                MailSettings::NotSet => "delivery: none".into(),
                MailSettings::Outbox => {
                    "delivery: outbox (a training database: every operator can read the messages)"
                        .into()
                }
                MailSettings::Smtp(s) => format!(
                    "delivery: SMTP {}:{} ({}){}, from {}",
                    s.host,
                    s.port,
                    s.security,
                    s.username
                        .as_ref()
                        .map(|u| format!(", user {u}"))
                        .unwrap_or_default(),
                    s.from
                ),
            };
            if emptied > 0 {
                e.detail += &format!("; the outbox's {emptied} training message(s) removed");
            }
            store::audit::append(c, &now, &e)
        })?)
    }

    /// Sends one test message (super admins only) and returns the relay's answer.
    pub fn send_test(&mut self, actor: &Operator, to: &str) -> Result<String, CoreError> {
        Self::require_super_admin(actor)?;
        let to = Email::parse(to)?;
        let msg = OutgoingMessage {
            to: to.to_string(),
            subject: Some("spr-console test message".into()),
            body: "This is a test message from spr-console. Mail delivery works.\n".into(),
        };
        let mut e = ev(&actor.login, action::MAIL_TEST, None, None);
        match self.deliver(&msg, None, "test message") {
            Ok(answer) => {
                e.detail = format!("test message to {to}: {answer}");
                self.audit(&e)?;
                Ok(answer)
            }
            Err(err) => {
                e.outcome = "error";
                e.reason = Some(Reason::DeliveryFailed.code());
                e.detail = format!("test message to {to} failed: {err}");
                self.audit(&e)?;
                Err(CoreError::Refused(Refusal::new(
                    Reason::DeliveryFailed,
                    err.to_string(),
                )))
            }
        }
    }

    /// Sends or places a message and audits it (recipient and transport, never the body).
    fn deliver(
        &mut self,
        msg: &OutgoingMessage,
        who: Option<(&str, &str)>,
        what: &str,
    ) -> Result<String, MailError> {
        let settings = self.mail_settings().map_err(|e| MailError(e.to_string()))?;
        let now = self.now_str();
        let result = match &settings {
            MailSettings::Outbox => store::messages::insert(
                self.store.conn(),
                &now,
                &msg.to,
                msg.subject.as_deref(),
                &msg.body,
            )
            .map(|_| "placed in the outbox".to_owned())
            .map_err(|e| MailError(e.to_string())),
            MailSettings::Smtp(s) => crate::mail::smtp::send(s, msg),
            MailSettings::NotSet => Err(MailError(crate::mail::NO_RELAY.to_owned())),
        };
        let mut e = ev(
            USER_ACTOR,
            action::MESSAGE_SENT,
            who.map(|w| w.0),
            who.map(|w| w.1),
        );
        e.actor = "system".into();
        if who.is_some() {
            e = self.stamped(e);
        }
        e.detail = format!("{what} to {} via {}", msg.to, settings.transport_name());
        if let Err(err) = &result {
            e.outcome = "error";
            e.reason = Some(Reason::DeliveryFailed.code());
            e.detail = format!("{}: {err}", e.detail);
        }
        if let Err(err) = self.audit(&e) {
            return Err(MailError(err.to_string()));
        }
        result
    }

    // ----- reading (writes no event)

    /// Audit events matching the filter.
    pub fn audit_events(&self, f: &AuditFilter) -> Result<Vec<AuditEvent>, CoreError> {
        Ok(store::audit::list(self.store.conn(), f)?)
    }

    /// How many audit events match the filter.
    pub fn audit_count(&self, f: &AuditFilter) -> Result<u64, CoreError> {
        Ok(store::audit::count(self.store.conn(), f)?)
    }

    /// The newest outbox message to any of these addresses (the user's mailbox or phone view).
    pub fn latest_message_to(
        &self,
        addresses: &[String],
    ) -> Result<Option<StoredMessage>, CoreError> {
        let mut newest: Option<StoredMessage> = None;
        for a in addresses {
            if let Some(m) = store::messages::latest_to(self.store.conn(), a)?
                && newest.as_ref().is_none_or(|old| m.id > old.id)
            {
                newest = Some(m);
            }
        }
        Ok(newest)
    }

    /// Whether this database was made by `spr-console demo`.
    pub fn is_demo(&self) -> Result<bool, CoreError> {
        Ok(store::bulk::is_demo(self.store.conn())?)
    }

    /// Whether this is a training database: its messages stay in the outbox (§3.11).
    pub fn is_training(&self) -> Result<bool, CoreError> {
        Ok(self.mail_settings()? == MailSettings::Outbox)
    }

    /// The last `n` outbox messages, oldest first; only a training database keeps an outbox.
    pub fn outbox(&self, n: Option<u32>) -> Result<Vec<StoredMessage>, CoreError> {
        if !self.is_training()? {
            return Err(CoreError::Forbidden(
                "This is not a training database: messages are delivered, never kept, so there is no outbox to show.".into(),
            ));
        }
        Ok(store::messages::last(self.store.conn(), n)?)
    }

    /// A number that moves whenever anything changes (the audit log's head: every change
    /// writes an event). Open consoles poll it to see other seats' changes (§3.16).
    pub fn change_mark(&self) -> Result<i64, CoreError> {
        Ok(store::audit::head_seq(self.store.conn())?)
    }
}

/// The delay before an operator's next password try after `failures` wrong ones in a row.
pub fn operator_delay(failures: u32) -> StdDuration {
    if failures < 3 {
        StdDuration::ZERO
    } else {
        StdDuration::from_secs((1u64 << (failures - 3).min(6)).min(60))
    }
}

fn parse_contact(v: Option<&str>) -> Result<Option<Email>, CoreError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Email::parse(s).map(Some),
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

/// Applies a contact change to the user's contacts; the result must keep at least one
/// contact when `require_one` (the person's Update step requires one).
fn apply_contacts(
    u: &User,
    email: ContactChange<'_>,
    text_email: ContactChange<'_>,
    require_one: bool,
) -> Result<(Option<String>, Option<String>), CoreError> {
    let apply =
        |change: ContactChange<'_>, old: &Option<Email>| -> Result<Option<String>, CoreError> {
            match change {
                None => Ok(old.as_ref().map(|e| e.to_string())),
                Some(v) => parse_contact(Some(v)).map(|e| e.map(|e| e.to_string())),
            }
        };
    let e_new = apply(email, &u.email)?;
    let t_new = apply(text_email, &u.text_email)?;
    if require_one && e_new.is_none() && t_new.is_none() {
        return Err(CoreError::Invalid(
            "At least one of Email and Phone/Text Message Email is required.".into(),
        ));
    }
    Ok((e_new, t_new))
}

/// Ends the user's live tokens that went to an address no longer among the contacts.
fn end_tokens_to_removed_contacts(
    c: store::Db<'_>,
    user_id: i64,
    email: &Option<String>,
    text_email: &Option<String>,
) -> Result<usize, CoreError> {
    let kept: Vec<&str> = [email.as_deref(), text_email.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    Ok(store::tokens::invalidate_live_not_to(
        c,
        user_id,
        &kept,
        "contact_changed",
    )?)
}

fn contacts_detail(email: Option<&str>, text_email: Option<&str>) -> String {
    format!(
        "contacts saved: Email {}, Phone/Text Message Email {}",
        email.unwrap_or("(none)"),
        text_email.unwrap_or("(none)")
    )
}
