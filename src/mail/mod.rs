//! Delivery of messages: SMTP through lettre, the outbox, and the carrier gateway list.

pub mod carriers;
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
