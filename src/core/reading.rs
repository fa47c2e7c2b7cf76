//! Reading without writing (SPEC §3.9, §3.13): a read-only service, the operator check of a
//! read command, the audit chain check, and the backup copy.

use std::path::Path;
use std::sync::Arc;

use super::CoreError;
use super::audit::{ChainReport, NewEvent, Outcome, action};
use super::clock::SystemClock;
use super::hashing::Hasher;
use super::model::Operator;
use super::service::Service;
use crate::store::{self, Store};

impl Service {
    /// Opens an existing database for reading only: never creates it, never writes a byte.
    pub fn open_read_only(path: &Path) -> Result<Self, CoreError> {
        Self::open_read_only_at(&crate::store::Location::File(path.to_path_buf()))
    }

    /// Opens an existing database (a file or a server's) for reading only.
    pub fn open_read_only_at(location: &crate::store::Location) -> Result<Self, CoreError> {
        Ok(Self::new(
            Store::open_read_only_at(location)?,
            Arc::new(SystemClock),
            Hasher::default(),
        ))
    }

    /// Checks an operator's password for a command that only reads: nothing is written, no
    /// event; an unknown login costs the same argon2 work as a known one. `None` when wrong.
    pub fn operator_check(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<Operator>, CoreError> {
        let row = store::operators::find(self.store().conn(), login)?;
        Ok(match row {
            Some(r) if self.hasher().verify(password, &r.password_hash) => Some(r.operator),
            Some(_) => None,
            None => {
                self.hasher().verify_dummy(password);
                None
            }
        })
    }

    /// Recomputes the audit hash chain (SPEC §3.10); reads only.
    pub fn audit_verify(&self) -> Result<ChainReport, CoreError> {
        Ok(store::audit::verify(self.store().conn())?)
    }

    /// Copies the whole database to `dest` (super admins only: a copy holds every password
    /// hash and the SMTP password), written beside it and renamed, owner-only; audited.
    pub fn backup(
        &mut self,
        actor: &Operator,
        dest: &Path,
        progress: impl FnMut(i32, i32),
    ) -> Result<(), CoreError> {
        Self::require_super_admin(actor)?;
        if let Some(db) = self.store().file() {
            crate::core::files::refuse_database_target(dest, db)?;
        }
        let mut e = NewEvent {
            actor: actor.login.clone(),
            action: action::BACKUP,
            outcome: Outcome::Ok,
            ..NewEvent::default()
        };
        let result = self.store().backup_to(dest, progress);
        match &result {
            Ok(()) => e.detail = format!("backup copy saved to {}", dest.display()),
            Err(err) => {
                e.outcome = Outcome::Error;
                e.detail = format!("backup copy to {} failed: {err}", dest.display());
            }
        }
        self.audit(&e)?;
        Ok(result?)
    }
}

impl Service {
    /// Copies this database file into the empty PostgreSQL database at `to` and checks the
    /// copy (SPEC §3.16). Super admins only; no event is written on either side, so both
    /// audit chains stay equal.
    pub fn copy_to(
        &self,
        actor: &Operator,
        to: &store::Location,
        progress: impl FnMut(&str, u64),
    ) -> Result<store::copy::CopyReport, CoreError> {
        Self::require_super_admin(actor)?;
        let mut target = Store::create_empty_at(to)?;
        Ok(store::copy::copy(self.store(), &mut target, progress)?)
    }
}
