//! Users as operators administer them: add, SPR, contacts, status changes (SPEC §3.6, §3.9).

use super::*;

use std::sync::atomic::{AtomicBool, Ordering};

/// A long bulk change reports its progress, and reads its cancel flag, once this many users.
pub const BULK_STEP: usize = 100;

/// What a cancelled bulk change answers: it was one transaction, rolled back whole.
pub const CANCELLED: &str = "Cancelled: nothing changed.";

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

/// What an operator does to an account's status (SPEC §3.6, §3.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusChange {
    /// Admin Locked → Active, the counter back to 0 (helpdesk operators may do it).
    Unlock,
    /// Active or Admin Locked → Deactivated; a lock's facts stay.
    Deactivate,
    /// Deactivated → Active, or back to Admin Locked when it was locked before.
    Reactivate,
    /// Any status but Deleted → Deleted (kept for the audit, hidden by default).
    Delete,
}

impl StatusChange {
    /// The audit action this change is written as.
    pub fn action(self) -> &'static str {
        match self {
            Self::Unlock => action::USER_UNLOCK,
            Self::Deactivate => action::USER_DEACTIVATE,
            Self::Reactivate => action::USER_REACTIVATE,
            Self::Delete => action::USER_DELETE,
        }
    }

    /// Helpdesk operators unlock (§3.6, §3.9); every other status change is a super admin's.
    pub fn needs_super_admin(self) -> bool {
        match self {
            Self::Unlock => false,
            Self::Deactivate | Self::Reactivate | Self::Delete => true,
        }
    }

    /// The status an account in `from` gets, or `None` when this change does not apply to
    /// it. `was_locked`: the account carries a lock (kept while Deactivated).
    pub fn target(self, from: Status, was_locked: bool) -> Option<Status> {
        use Status::{Active, AdminLocked, Deactivated, Deleted};
        match (self, from) {
            (Self::Unlock, AdminLocked) => Some(Active),
            (Self::Unlock, Active | Deactivated | Deleted) => None,
            (Self::Deactivate, Active | AdminLocked) => Some(Deactivated),
            (Self::Deactivate, Deactivated | Deleted) => None,
            // A lock that was in place when the account was deactivated comes back with it.
            (Self::Reactivate, Deactivated) if was_locked => Some(AdminLocked),
            (Self::Reactivate, Deactivated) => Some(Active),
            (Self::Reactivate, Active | AdminLocked | Deleted) => None,
            (Self::Delete, Active | AdminLocked | Deactivated) => Some(Deleted),
            (Self::Delete, Deleted) => None,
        }
    }

    /// Whether the lock's facts (counter, time, cause) stay: only an unlock or a delete
    /// clears them.
    fn keeps_lock(self, target: Status) -> bool {
        match self {
            Self::Deactivate => true,
            Self::Reactivate => target == Status::AdminLocked,
            Self::Unlock | Self::Delete => false,
        }
    }
}

impl Service {
    /// The user with this Login Name in the provider, or a clear error.
    pub fn user(&self, code: &str, login: &str) -> Result<User, CoreError> {
        let p = self.provider(code)?;
        store::users::find(self.store.conn(), p.id, login.trim())?
            .ok_or_else(|| CoreError::Invalid(wording::no_such_user(login.trim(), p.code.as_str())))
    }

    /// The user with this id.
    pub fn user_by_id(&self, id: i64) -> Result<User, CoreError> {
        store::users::by_id(self.store.conn(), id)?
            .ok_or_else(|| CoreError::Invalid(wording::USER_GONE.into()))
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
        self.write(|c, now| {
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
                now,
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
            let u = store::users::by_id(c, id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            Ok((u, vec![e]))
        })
    }

    /// Grants or withdraws Self Password Reset for users by id (super admins only); returns how many changed.
    pub fn set_spr_for(
        &mut self,
        actor: &Operator,
        ids: &[i64],
        on: bool,
    ) -> Result<usize, CoreError> {
        let cancel = AtomicBool::new(false);
        self.set_spr_for_with(actor, ids, on, &mut |_, _| {}, &cancel)
    }

    /// [`Service::set_spr_for`] for a long batch: `progress(done, total)` every
    /// [`BULK_STEP`] users, and `cancel` read as often. A cancel rolls the whole batch back
    /// (it is one transaction) and answers [`CANCELLED`].
    pub fn set_spr_for_with(
        &mut self,
        actor: &Operator,
        ids: &[i64],
        on: bool,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<usize, CoreError> {
        Self::require_super_admin(actor)?;
        let total = ids.len() as u64;
        // A change to many users shares a batch id and ends with one summary event (SPEC §5).
        let batch = (ids.len() > 1).then(|| crate::core::audit::batch_id(self.clock.now()));
        let in_batch = batch
            .as_deref()
            .map(|b| format!(" (batch {b})"))
            .unwrap_or_default();
        self.write(|c, _| {
            let mut events = Vec::new();
            let mut changed = 0;
            for (i, &id) in ids.iter().enumerate() {
                if i % BULK_STEP == 0 {
                    progress(i as u64, total);
                    if cancel.load(Ordering::Relaxed) {
                        // The transaction ends with the error: nothing is written.
                        return Err(CoreError::Invalid(CANCELLED.into()));
                    }
                }
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
                events.push(e);
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
                events.push(e);
            }
            if cancel.load(Ordering::Relaxed) {
                return Err(CoreError::Invalid(CANCELLED.into()));
            }
            progress(total, total);
            Ok((changed, events))
        })
    }

    /// Grants or withdraws SPR for every user matching the filter (bulk enable).
    pub fn set_spr_matching(
        &mut self,
        actor: &Operator,
        filter: &UserFilter,
        on: bool,
    ) -> Result<usize, CoreError> {
        let cancel = AtomicBool::new(false);
        self.set_spr_matching_with(actor, filter, on, &mut |_, _| {}, &cancel)
    }

    /// [`Service::set_spr_matching`] with progress and cancel, as
    /// [`Service::set_spr_for_with`].
    pub fn set_spr_matching_with(
        &mut self,
        actor: &Operator,
        filter: &UserFilter,
        on: bool,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<usize, CoreError> {
        Self::require_super_admin(actor)?;
        let ids = store::users::ids(self.store.conn(), filter)?;
        self.set_spr_for_with(actor, &ids, on, progress, cancel)
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
        self.write(|c, _| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Invalid(wording::USER_GONE.into()))?;
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
            let u = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            Ok((u, vec![e]))
        })
    }

    /// Applies a status change in one transaction with its audit event; a change that does
    /// not apply to the account's status is refused and changes nothing.
    fn change_status(
        &mut self,
        actor: &Operator,
        user_id: i64,
        change: StatusChange,
        detail: String,
    ) -> Result<User, CoreError> {
        if change.needs_super_admin() {
            Self::require_super_admin(actor)?;
        }
        let act = change.action();
        self.write(|c, _| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Invalid(wording::USER_GONE.into()))?;
            let Some(target) = change.target(u.status, u.locked_at.is_some()) else {
                return Err(CoreError::Invalid(wording::status_change_refused(
                    change,
                    u.login.as_str(),
                    u.status,
                )));
            };
            // Only an unlock clears a lock (§3.6): deactivate and reactivate keep its facts.
            let locked_at = u.locked_at.map(rfc3339);
            if change.keeps_lock(target) {
                store::users::set_status(
                    c,
                    u.id,
                    target,
                    u.failed_attempts,
                    locked_at.as_deref(),
                    u.lock_cause.map(crate::core::model::IncorrectEntry::as_str),
                )?;
            } else {
                store::users::set_status(c, u.id, target, 0, None, None)?;
            }
            let ended = if target == Status::Active {
                0
            } else {
                store::tokens::invalidate_live(c, u.id, act)?
            };
            let mut e = ev(
                &actor.login,
                act,
                Some(u.provider_code.as_str()),
                Some(u.login.as_str()),
            );
            e.detail = detail + &store::tokens::ended_words(ended);
            let u = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            Ok((u, vec![e]))
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
            StatusChange::Unlock,
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
            StatusChange::Unlock,
            format!("unlocked during supervised session {session_id}: {reason}"),
        )
    }

    /// Deactivates an account (its live token stops working).
    pub fn deactivate(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            StatusChange::Deactivate,
            "account deactivated".into(),
        )
    }

    /// Reactivates a Deactivated account.
    pub fn reactivate(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            StatusChange::Reactivate,
            "account reactivated".into(),
        )
    }

    /// Deletes an account (soft: kept for the audit, hidden by default).
    pub fn delete(&mut self, actor: &Operator, user_id: i64) -> Result<User, CoreError> {
        self.change_status(
            actor,
            user_id,
            StatusChange::Delete,
            "account deleted".into(),
        )
    }
}

pub(super) fn parse_contact(v: Option<&str>) -> Result<Option<Email>, CoreError> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Email::parse(s).map(Some),
    }
}

/// Applies a contact change to the user's contacts; the result must keep at least one
/// contact when `require_one` (the person's Update step requires one).
pub(super) fn apply_contacts(
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
        return Err(CoreError::Invalid(wording::ONE_CONTACT_REQUIRED.into()));
    }
    Ok((e_new, t_new))
}

/// Ends the user's live tokens that went to an address no longer among the contacts.
pub(super) fn end_tokens_to_removed_contacts(
    c: Tx<'_>,
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

pub(super) fn contacts_detail(email: Option<&str>, text_email: Option<&str>) -> String {
    format!(
        "contacts saved: Email {}, Phone/Text Message Email {}",
        email.unwrap_or("(none)"),
        text_email.unwrap_or("(none)")
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::core::audit::AuditFilter;
    use crate::core::clock::SettableClock;
    use crate::core::model::Status::{Active, AdminLocked, Deactivated, Deleted};

    const PW: &str = "correct horse battery staple 7";

    /// A service over a real database file with one super admin, provider ACME and jdoe.
    fn world(dir: &tempfile::TempDir) -> (Service, Operator, i64) {
        let clock = SettableClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
        let store = Store::open(&dir.path().join("spr.db")).unwrap();
        let mut svc = Service::new(store, Arc::new(clock), Hasher::fast_for_tests());
        let admin = svc
            .init_first_operator("root", "a long operator passphrase 1")
            .unwrap();
        svc.add_provider(&admin, "ACME", "Acme").unwrap();
        let input = UserInput {
            login: "jdoe".into(),
            first: "Jane".into(),
            last: "Doe".into(),
            password: Some(PW.into()),
            ..UserInput::default()
        };
        let id = svc.add_user(&admin, "ACME", &input).unwrap().id;
        (svc, admin, id)
    }

    fn lock(svc: &mut Service) {
        while svc.user("ACME", "jdoe").unwrap().status != AdminLocked {
            let _ = svc.login("ACME", "jdoe", "wrong password");
        }
    }

    fn last_action(svc: &Service) -> String {
        let events = svc.audit_events(&AuditFilter::default()).unwrap();
        events.iter().max_by_key(|e| e.seq).unwrap().action.clone()
    }

    #[test]
    fn each_status_change_does_what_it_says_and_is_audited_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        let (mut svc, admin, id) = world(&dir);

        assert_eq!(svc.deactivate(&admin, id).unwrap().status, Deactivated);
        assert_eq!(last_action(&svc), "user_deactivate");
        assert_eq!(svc.reactivate(&admin, id).unwrap().status, Active);
        assert_eq!(last_action(&svc), "user_reactivate");

        lock(&mut svc);
        let u = svc.unlock(&admin, id, "caller verified").unwrap();
        assert_eq!((u.status, u.failed_attempts), (Active, 0));
        assert_eq!(last_action(&svc), "user_unlock");

        assert_eq!(svc.delete(&admin, id).unwrap().status, Deleted);
        assert_eq!(last_action(&svc), "user_delete");
    }

    #[test]
    fn a_change_that_does_not_apply_is_refused_and_deletes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut svc, admin, id) = world(&dir);
        let before = svc.audit_count(&AuditFilter::default()).unwrap();
        let err = svc.unlock(&admin, id, "why not").unwrap_err();
        assert_eq!(
            err.to_string(),
            "jdoe is not Admin Locked (status: Active)."
        );
        let err = svc.reactivate(&admin, id).unwrap_err();
        assert!(
            err.to_string().contains("only Deactivated accounts"),
            "{err}"
        );
        assert_eq!(svc.user_by_id(id).unwrap().status, Active);
        assert_eq!(svc.audit_count(&AuditFilter::default()).unwrap(), before);
        svc.delete(&admin, id).unwrap();
        let err = svc.delete(&admin, id).unwrap_err();
        assert_eq!(err.to_string(), "jdoe is already Deleted.");
    }

    #[test]
    fn a_lock_comes_back_when_a_locked_account_is_reactivated() {
        let dir = tempfile::tempdir().unwrap();
        let (mut svc, admin, id) = world(&dir);
        lock(&mut svc);
        let u = svc.deactivate(&admin, id).unwrap();
        assert_eq!(u.status, Deactivated);
        assert!(
            u.locked_at.is_some(),
            "the lock's facts stay while Deactivated"
        );
        assert_eq!(svc.reactivate(&admin, id).unwrap().status, AdminLocked);
    }

    #[test]
    fn only_an_unlock_is_open_to_a_helpdesk_operator() {
        for change in [
            StatusChange::Unlock,
            StatusChange::Deactivate,
            StatusChange::Reactivate,
            StatusChange::Delete,
        ] {
            assert_eq!(
                change.needs_super_admin(),
                change != StatusChange::Unlock,
                "{change:?}"
            );
        }
    }
}
