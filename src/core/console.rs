//! What the desktop console audits about its operators (SPEC §3.9): sign-in and its failure,
//! sign-out, the console's lock and unlock, hand-over and return, opening another database.

use super::audit::action;
use super::error::CoreError;
use super::model::Operator;
use super::service::{Service, ev};
use super::session::SessionEnd;
use crate::store;

/// A console event of the signed-in operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleEvent {
    /// The operator signed out.
    SignOut,
    /// The console locked (the Lock button, or idle time); `why` in words.
    Lock { why: String },
    /// The user's pages took the main window in this session.
    HandOver { session: String },
    /// The operator closes this database to open another one at `path`.
    OpenDatabase { path: String },
}

/// Why the operator's password is asked in the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsoleSignIn {
    /// The sign-in screen.
    SignIn,
    /// The lock screen of a console that locked.
    Unlock,
    /// Taking the main window back from the user's pages.
    TakeBack { session: String },
}

impl Service {
    /// Checks an operator's password in the console and audits the success (a wrong
    /// password is audited by [`Service::operator_login`] itself).
    pub fn console_sign_in(
        &mut self,
        login: &str,
        password: &str,
        why: &ConsoleSignIn,
    ) -> Result<Operator, CoreError> {
        let op = self.operator_login(login, password)?;
        let (act, detail, session) = match why {
            ConsoleSignIn::SignIn => (action::OPERATOR_LOGIN, "console sign-in".to_owned(), None),
            ConsoleSignIn::Unlock => (
                action::CONSOLE_UNLOCK,
                "console unlocked with the operator's password".to_owned(),
                None,
            ),
            ConsoleSignIn::TakeBack { session } => (
                action::TAKE_BACK,
                "the operator view came back with the operator's password".to_owned(),
                Some(session.clone()),
            ),
        };
        let mut e = ev(&op.login, act, None, None);
        e.detail = detail;
        if session.is_some() {
            e.supervisor = Some(op.login.clone());
            e.session = session;
        }
        let now = self.now_str();
        self.store
            .immediate(|c| store::audit::append(c, &now, &e))?;
        Ok(op)
    }

    /// Audits a console event; a lock, a sign-out or opening another database also ends the
    /// operator's running sessions.
    pub fn console_event(
        &mut self,
        actor: &Operator,
        what: &ConsoleEvent,
    ) -> Result<(), CoreError> {
        match what {
            ConsoleEvent::SignOut | ConsoleEvent::Lock { .. } => {
                self.end_sessions_of(&actor.login, SessionEnd::ConsoleLocked)?;
            }
            // Leaving this database leaves its sessions: the operator ended them.
            ConsoleEvent::OpenDatabase { .. } => {
                self.end_sessions_of(&actor.login, SessionEnd::EndedByOperator)?;
            }
            ConsoleEvent::HandOver { .. } => {}
        }
        let (act, detail, session) = match what {
            ConsoleEvent::SignOut => (action::CONSOLE_SIGN_OUT, "signed out".to_owned(), None),
            ConsoleEvent::Lock { why } => (action::CONSOLE_LOCK, why.clone(), None),
            ConsoleEvent::HandOver { session } => (
                action::HAND_OVER,
                "the user's pages took the main window".to_owned(),
                Some(session.clone()),
            ),
            ConsoleEvent::OpenDatabase { path } => (
                action::DATABASE_OPEN,
                format!("closed this database to open {path}"),
                None,
            ),
        };
        let mut e = ev(&actor.login, act, None, None);
        e.detail = detail;
        if session.is_some() {
            e.supervisor = Some(actor.login.clone());
            e.session = session;
        }
        let now = self.now_str();
        Ok(self
            .store
            .immediate(|c| store::audit::append(c, &now, &e))?)
    }
}
