//! Delivery of messages behind the small [`Mailer`] trait: SMTP through lettre, the outbox,
//! and the carrier gateway list.

pub mod carriers;
pub mod outbox;
pub mod smtp;

use serde::{Deserialize, Serialize};

/// One message to deliver. `subject` is `None` for a text (email-to-SMS) address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub to: String,
    pub subject: Option<String>,
    pub body: String,
}

/// How the console delivers messages (SPEC §3.11). Stored in the database.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailSettings {
    /// No delivery yet: a new database that is not a demo, until a super admin chooses (§3.11).
    #[default]
    #[serde(rename = "none")]
    NotSet,
    /// Messages are stored in the database and shown in the Outbox view (a training database).
    Outbox,
    /// Messages are sent to an SMTP relay.
    Smtp(smtp::SmtpSettings),
}

impl MailSettings {
    /// The transport's name as written in the audit log.
    pub fn transport_name(&self) -> &'static str {
        match self {
            Self::NotSet => "none",
            Self::Outbox => "outbox",
            Self::Smtp(_) => "smtp",
        }
    }
}

/// What a delivery attempt says when no delivery is set up (§3.11).
pub const NO_RELAY: &str = "No mail relay is set up";

/// Why a message could not be sent, in one plain sentence.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct MailError(pub String);

/// A way to deliver one message. The core picks one from the saved [`MailSettings`] and
/// audits what it answers; nothing here writes the audit log.
pub trait Mailer {
    /// The transport's name as written in the audit log (`smtp`, `outbox`, `none`).
    fn transport(&self) -> &'static str;

    /// Delivers the message; `Ok` holds the relay's answer or where the message went.
    ///
    /// # Errors
    /// One plain sentence naming why the message could not be delivered.
    fn send(&self, msg: &OutgoingMessage) -> Result<String, MailError>;
}

/// The mailer of a database whose delivery is not set up yet: every message fails with
/// [`NO_RELAY`] (SPEC §3.11).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRelay;

impl Mailer for NoRelay {
    fn transport(&self) -> &'static str {
        MailSettings::NotSet.transport_name()
    }

    fn send(&self, _msg: &OutgoingMessage) -> Result<String, MailError> {
        Err(MailError(NO_RELAY.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_relay_every_message_fails_with_the_no_relay_sentence() {
        let msg = OutgoingMessage {
            to: "jdoe@example.org".into(),
            subject: None,
            body: "hello".into(),
        };
        assert_eq!(NoRelay.send(&msg), Err(MailError(NO_RELAY.to_owned())));
        assert_eq!(NoRelay.transport(), "none");
    }
}
