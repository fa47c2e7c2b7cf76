//! The outbox: a training database keeps its messages for the Outbox view instead of
//! sending them (SPEC §3.11).

use super::{MailError, MailSettings, Mailer, OutgoingMessage};
use crate::store::{self, Store};

/// Places messages in the database's `messages` table, stamped with the time given.
#[derive(Debug)]
pub struct Outbox<'a> {
    store: &'a Store,
    at: String,
}

impl<'a> Outbox<'a> {
    /// An outbox in this store; `at` is the RFC 3339 time its messages are stamped with.
    pub fn new(store: &'a Store, at: String) -> Self {
        Self { store, at }
    }
}

impl Mailer for Outbox<'_> {
    fn transport(&self) -> &'static str {
        MailSettings::Outbox.transport_name()
    }

    fn send(&self, msg: &OutgoingMessage) -> Result<String, MailError> {
        store::messages::insert(
            self.store.conn(),
            &self.at,
            &msg.to,
            msg.subject.as_deref(),
            &msg.body,
        )
        .map(|_| "placed in the outbox".to_owned())
        .map_err(|e| MailError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_sent_to_the_outbox_is_kept_whole_with_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("spr.db")).unwrap();
        let outbox = Outbox::new(&store, "2026-12-01T09:00:00Z".into());
        let msg = OutgoingMessage {
            to: "jdoe@example.org".into(),
            subject: Some("Password Reset Token".into()),
            body: "Your token is 2345-6789".into(),
        };
        assert_eq!(outbox.send(&msg).unwrap(), "placed in the outbox");
        assert_eq!(outbox.transport(), "outbox");
        let kept = store::messages::last(store.conn(), None).unwrap();
        assert_eq!(kept.len(), 1);
        let m = &kept[0];
        assert_eq!(
            (
                m.at.as_str(),
                m.to.as_str(),
                m.subject.as_deref(),
                m.body.as_str()
            ),
            (
                "2026-12-01T09:00:00Z",
                "jdoe@example.org",
                Some("Password Reset Token"),
                "Your token is 2345-6789"
            )
        );
    }
}
