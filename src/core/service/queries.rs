//! Reading: the audit log and the database's kind (writes no event).

use super::*;

impl Service {
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
