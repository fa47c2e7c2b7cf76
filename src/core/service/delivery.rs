//! Mail settings and delivery (SPEC §3.11).

use super::*;
use crate::mail::outbox::Outbox;
use crate::mail::smtp::Smtp;
use crate::mail::{Mailer, NoRelay};

impl Service {
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
        self.write(|c, _| {
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
            Ok(((), vec![e]))
        })
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
                e.outcome = Outcome::Error;
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
    pub(super) fn deliver(
        &mut self,
        msg: &OutgoingMessage,
        who: Option<(&str, &str)>,
        what: &str,
    ) -> Result<String, MailError> {
        let settings = self.mail_settings().map_err(|e| MailError(e.to_string()))?;
        let now = self.now_str();
        let outbox;
        let smtp;
        let mailer: &dyn Mailer = match &settings {
            MailSettings::Outbox => {
                outbox = Outbox::new(&self.store, now);
                &outbox
            }
            MailSettings::Smtp(s) => {
                smtp = Smtp::new(s);
                &smtp
            }
            MailSettings::NotSet => &NoRelay,
        };
        let result = mailer.send(msg);
        let transport = mailer.transport();
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
        e.detail = format!("{what} to {} via {transport}", msg.to);
        if let Err(err) = &result {
            e.outcome = Outcome::Error;
            e.reason = Some(Reason::DeliveryFailed.code());
            e.detail = format!("{}: {err}", e.detail);
        }
        if let Err(err) = self.audit(&e) {
            return Err(MailError(err.to_string()));
        }
        result
    }

    // ----- reading (writes no event)
}
