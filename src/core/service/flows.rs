//! The person's password steps: login, the Verify step and Update of contacts (SPEC §3.2, §3.7).

use super::users::{apply_contacts, contacts_detail, end_tokens_to_removed_contacts};
use super::*;
use crate::core::model::IncorrectEntry;

impl Service {
    // ----- the person's flows (actor `user`)

    pub(super) fn lookup(
        &self,
        code: &str,
        login: &str,
    ) -> Result<Option<(Provider, User)>, CoreError> {
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
    pub(super) fn refuse(&mut self, mut e: NewEvent, refusal: Refusal) -> CoreError {
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
    pub(super) fn record_incorrect(
        &mut self,
        user_id: i64,
        entry: IncorrectEntry,
        mut e: NewEvent,
    ) -> Result<Refusal, CoreError> {
        let reason = match entry {
            IncorrectEntry::Password => Reason::PasswordIncorrect,
            IncorrectEntry::Token => Reason::TokenIncorrect,
        };
        self.write(|c, now| {
            let u = store::users::by_id(c, user_id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            let p = store::providers::by_id(c, u.provider_id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
            if let Some(r) = status_reason(u.status) {
                // Another console locked it meanwhile: this entry no longer counts.
                let refusal = Refusal::new(r, wording::entry_no_longer_counts(entry));
                e.outcome = Outcome::Denied;
                e.reason = Some(r.code());
                e.detail = r.operator_text().into();
                return Ok((refusal, vec![e]));
            }
            let n = u.failed_attempts + 1;
            let max = p.policy.max_incorrect;
            let mut events = Vec::new();
            let mut refusal;
            if policy::locks_at(max, n) {
                store::users::set_status(
                    c,
                    u.id,
                    Status::AdminLocked,
                    n,
                    Some(now),
                    Some(entry.as_str()),
                )?;
                let ended = store::tokens::invalidate_live(c, u.id, "account_locked")?;
                let mut lock = ev(
                    &e.actor,
                    action::ACCOUNT_LOCKED,
                    e.provider.as_deref(),
                    e.login.as_deref(),
                );
                lock.outcome = Outcome::Denied;
                lock.supervisor.clone_from(&e.supervisor);
                lock.session.clone_from(&e.session);
                lock.verification.clone_from(&e.verification);
                lock.ticket.clone_from(&e.ticket);
                lock.reason = Some(action::ACCOUNT_LOCKED);
                lock.detail =
                    wording::lock_detail(entry, n, max) + &store::tokens::ended_words(ended);
                events.push(lock);
                refusal = Refusal::new(reason, wording::locked_now_message(entry));
                refusal.tries_left = Some(0);
                refusal.locked_now = true;
            } else {
                store::users::set_failed_attempts(c, u.id, n)?;
                let left = policy::tries_left(max, n);
                refusal = Refusal::new(reason, tries_message(entry, left));
                refusal.tries_left = Some(left);
            }
            e.outcome = Outcome::Denied;
            e.reason = Some(reason.code());
            e.detail = format!("incorrect entry {n} of {max} tolerated");
            events.push(e);
            Ok((refusal, events))
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
        self.write(|c, _| {
            let cur = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(cur.status) {
                // Nothing changes for an account that is not active (SPEC §3.7).
                e.outcome = Outcome::Denied;
                e.reason = Some(r.code());
                e.detail = format!("right password; {}", r.operator_text());
                let refusal = Refusal::new(r, login_status_message(cur.status));
                return Ok((Err(refusal), vec![e]));
            }
            store::users::set_failed_attempts(c, u.id, 0)?;
            if spr {
                let p = store::providers::by_id(c, cur.provider_id)?
                    .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
                let refusal = if !p.spr_enabled {
                    let r = Reason::ProviderSprDisabled;
                    Some(Refusal::new(r, wording::SPR_OFF_FOR_PROVIDER))
                } else if !cur.spr_enabled {
                    let r = Reason::UserSprDisabled;
                    Some(Refusal::new(r, wording::SPR_OFF_FOR_USER))
                } else {
                    None
                };
                if let Some(refusal) = refusal {
                    e.outcome = Outcome::Denied;
                    e.reason = Some(refusal.reason.code());
                    e.detail = format!("right password; {}", refusal.reason.operator_text());
                    return Ok((Err(refusal), vec![e]));
                }
            }
            e.detail = ok_detail.into();
            Ok((Ok(()), vec![e]))
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
            let mut refusal = self.record_incorrect(u.id, IncorrectEntry::Password, e)?;
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
            message: wording::welcome(&u.display_name()),
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
            return Err(CoreError::Invalid(wording::ENTER_A_CONTACT.into()));
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
            return Err(CoreError::Invalid(wording::ONE_CONTACT_REQUIRED.into()));
        }
        let u = self.configure_verify(code, login, password)?;
        // "At least one remains" depends on the account: told only after a right password.
        let (e_new, t_new) = apply_contacts(&u, email, text_email, true)?;
        let mut e = self.account_event(action::CONFIGURE, &u);
        self.write(|c, _| {
            store::users::set_contacts(c, u.id, e_new.as_deref(), t_new.as_deref())?;
            let ended = end_tokens_to_removed_contacts(c, u.id, &e_new, &t_new)?;
            e.detail = contacts_detail(e_new.as_deref(), t_new.as_deref())
                + &store::tokens::ended_words(ended);
            let u = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            Ok((u, vec![e]))
        })
    }
}
