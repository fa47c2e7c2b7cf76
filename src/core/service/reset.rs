//! Forgot Password, Resend and Change Password: the token flows (SPEC §3.3–§3.5).

use super::*;
use crate::core::model::{IncorrectEntry, TokenState};

/// The live token of a user, for the countdown (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub address: String,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: TokenState,
}

impl TokenInfo {
    /// Whole seconds of validity left at `now` (0 once expired or ended).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> i64 {
        if self.state != TokenState::Live {
            return 0;
        }
        (self.expires_at - now).num_seconds().max(0)
    }
}

impl Service {
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
        // The token's event is written once its delivery is known (below): a transaction is
        // never held open across a relay's answer.
        let issued = self.write_at(&now_s, |c, now_s| {
            let current = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(current.status) {
                return Ok((Err(r), Vec::new()));
            }
            if let Some(prev) = previous {
                // Between the checks and now the token may have ended (another console).
                match store::tokens::latest(c, u.id)? {
                    Some(t) if t.id == prev && t.state == TokenState::Live => {}
                    _ => return Ok((Err(Reason::NoActiveToken), Vec::new())),
                }
            }
            if store::tokens::delivered_since(c, u.id, &hour_ago)? >= max {
                return Ok((Err(Reason::RateLimited), Vec::new()));
            }
            let ended = store::tokens::invalidate_live(c, u.id, "replaced")?;
            let id = store::tokens::insert(c, u.id, &hash, to, now_s, &rfc3339(expires))?;
            Ok((Ok((id, ended)), Vec::new()))
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
                Ok(FlowOk {
                    message: wording::token_sent(to, p.policy.token_minutes),
                })
            }
            Err(err) => {
                e.detail = format!(
                    "sending to {to} failed: {err}; the new password token ended{replaced}"
                );
                let refusal = Refusal::new(Reason::DeliveryFailed, wording::token_not_sent(to));
                Err(self.refuse(e, refusal))
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
        let checked = self.write_at(&now_s, |c, _| {
            let u = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            let p = store::providers::by_id(c, u.provider_id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
            let latest = store::tokens::latest(c, u.id)?;
            let address_gone = latest.as_ref().is_some_and(|t| {
                t.state == TokenState::Live
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
                e.outcome = Outcome::Denied;
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
                return Ok((Err(r), vec![e]));
            }
            let state = match latest {
                Some(t) if t.state == TokenState::Live => {
                    if parse_rfc3339(&t.expires_at).is_none_or(|exp| now >= exp) {
                        Err(Reason::TokenExpired)
                    } else {
                        Ok(t)
                    }
                }
                _ => Err(Reason::NoActiveToken),
            };
            Ok((Ok((p, u, state)), Vec::new()))
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
            return Err(CoreError::Invalid(wording::ENTER_TOKEN.into()));
        }
        if new_password.is_empty() {
            return Err(CoreError::Invalid(wording::ENTER_NEW_PASSWORD.into()));
        }
        if new_password != confirm {
            return Err(CoreError::Invalid(wording::CONFIRMATION_DIFFERS.into()));
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
            let refusal = self.record_incorrect(u.id, IncorrectEntry::Token, e)?;
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
        let done = self.write_at(&now_s, |c, now_s| {
            // Between the check and now another console may have locked it or sent a new token.
            let cur = store::users::by_id(c, u.id)?
                .ok_or_else(|| CoreError::Internal("user vanished".into()))?;
            if let Some(r) = status_reason(cur.status) {
                return Ok((Err(Refusal::new(r, INVALID_TOKEN)), Vec::new()));
            }
            match store::tokens::latest(c, u.id)? {
                Some(latest) if latest.id == t.id && latest.state == TokenState::Live => {}
                _ => {
                    let refusal = Refusal::new(Reason::NoActiveToken, INVALID_TOKEN);
                    return Ok((Err(refusal), Vec::new()));
                }
            }
            store::users::set_password(c, u.id, &hash, now_s)?;
            store::tokens::mark_used(c, t.id)?;
            store::users::set_failed_attempts(c, u.id, 0)?;
            let mut ok = e.clone();
            ok.detail = "password changed with a password token; the token is used up".into();
            Ok((Ok(()), vec![ok]))
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
            message: wording::RESET_DONE.into(),
        })
    }

    // ----- delivery (SPEC §3.11)
}
