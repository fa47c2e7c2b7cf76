//! Supervised reset sessions (SPEC §3.15): an operator helps one user through the flows; the
//! user types every secret, and every flow event names the operator and the session.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::audit::action;
use super::clock::{parse_rfc3339, rfc3339};
use super::error::CoreError;
use super::model::{Operator, User};
use super::service::{Service, Supervision, ev};
use crate::store;

/// A session with no flow step for this long ends by itself.
pub const SESSION_IDLE_MINUTES: i64 = 30;
/// The longest ticket number accepted.
pub const TICKET_MAX_CHARS: usize = 64;
/// The longest note accepted (§3.14).
pub const NOTE_MAX_CHARS: usize = 500;

/// How the caller's identity was verified before the session started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerificationMethod {
    /// Called back on a number on file.
    Callback,
    /// Known to the operator.
    InPerson,
    /// Photo ID at the desk.
    PhotoId,
    /// Confirmed by the user's manager.
    Manager,
    /// Something else, described in the note.
    Other,
}

impl VerificationMethod {
    /// Every method, in the order the start dialog offers them.
    pub const ALL: [Self; 5] = [
        Self::Callback,
        Self::InPerson,
        Self::PhotoId,
        Self::Manager,
        Self::Other,
    ];

    /// The code stored and audited.
    pub fn code(self) -> &'static str {
        match self {
            Self::Callback => "callback",
            Self::InPerson => "in_person",
            Self::PhotoId => "photo_id",
            Self::Manager => "manager",
            Self::Other => "other",
        }
    }

    /// Words for the start dialog.
    pub fn label(self) -> &'static str {
        match self {
            Self::Callback => "Called back on a number on file",
            Self::InPerson => "Known to me in person",
            Self::PhotoId => "Photo ID at the desk",
            Self::Manager => "Confirmed by the user's manager",
            Self::Other => "Other (describe in the note)",
        }
    }

    /// The method with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// What the operator records when starting a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionStart {
    pub method: VerificationMethod,
    /// Required for [`VerificationMethod::Other`].
    pub note: String,
    /// An optional ticket number.
    pub ticket: String,
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The password was changed and the user logged in with it.
    ResetDone,
    /// The operator ended it.
    EndedByOperator,
    /// The console locked (idle, Lock, or sign-out).
    ConsoleLocked,
    /// 30 minutes without a flow step.
    Idle,
}

impl SessionEnd {
    /// The code stored and audited.
    pub fn code(self) -> &'static str {
        match self {
            Self::ResetDone => "reset_done",
            Self::EndedByOperator => "ended_by_operator",
            Self::ConsoleLocked => "console_locked",
            Self::Idle => "idle",
        }
    }

    /// The end in words.
    pub fn words(self) -> &'static str {
        match self {
            Self::ResetDone => "the reset is done",
            Self::EndedByOperator => "ended by the operator",
            Self::ConsoleLocked => "the console locked",
            Self::Idle => "30 minutes without activity",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            Self::ResetDone,
            Self::EndedByOperator,
            Self::ConsoleLocked,
            Self::Idle,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// Which flow a session step runs, for what the session does after it succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStep {
    /// Change Password: a success marks the reset done.
    Complete,
    /// Login: a success after the reset ends the session.
    Login,
    /// Any other step.
    Other,
}

/// A supervised session as the operator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub operator: String,
    pub user_id: i64,
    pub method: VerificationMethod,
    pub note: String,
    pub ticket: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub reset_done: bool,
    /// `None` while it runs.
    pub ended: Option<SessionEnd>,
}

impl Session {
    /// When it ends by itself if nothing happens.
    pub fn idle_deadline(&self) -> DateTime<Utc> {
        self.last_activity_at + Duration::minutes(SESSION_IDLE_MINUTES)
    }
}

fn session_from(row: store::sessions::SessionRow) -> Result<Session, CoreError> {
    let bad = || CoreError::Internal(format!("The supervised session {} is unreadable.", row.id));
    Ok(Session {
        method: VerificationMethod::from_code(&row.method).ok_or_else(bad)?,
        started_at: parse_rfc3339(&row.started_at).ok_or_else(bad)?,
        last_activity_at: parse_rfc3339(&row.last_activity_at).ok_or_else(bad)?,
        reset_done: row.reset_done_at.is_some(),
        ended: match row.end_reason.as_deref() {
            Some(code) => Some(SessionEnd::from_code(code).ok_or_else(bad)?),
            None => row.ended_at.as_ref().map(|_| SessionEnd::EndedByOperator),
        },
        id: row.id,
        operator: row.operator,
        user_id: row.user_id,
        note: row.note,
        ticket: row.ticket,
    })
}

fn check_text(s: &str, what: &str, max: usize) -> Result<String, CoreError> {
    let s = s.trim();
    if s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(CoreError::Invalid(format!(
            "The {what} must be at most {max} characters, without control characters."
        )));
    }
    Ok(s.to_owned())
}

fn new_session_id() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let tail: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("S-{tail}")
}

impl Service {
    /// Starts a supervised session for the user with this id (super admins and helpdesk).
    pub fn start_session(
        &mut self,
        actor: &Operator,
        user_id: i64,
        start: &SessionStart,
    ) -> Result<Session, CoreError> {
        let note = check_text(&start.note, "note", NOTE_MAX_CHARS)?;
        let ticket = check_text(&start.ticket, "ticket number", TICKET_MAX_CHARS)?;
        if start.method == VerificationMethod::Other && note.is_empty() {
            return Err(CoreError::Invalid(
                "Describe in the note how the caller's identity was verified.".into(),
            ));
        }
        let ticket = Some(ticket).filter(|t| !t.is_empty());
        let u = self.user_by_id(user_id)?;
        let id = new_session_id();
        let actor_login = actor.login.clone();
        self.write(|c, now| {
            store::sessions::insert(
                c,
                &id,
                &actor_login,
                u.id,
                start.method.code(),
                &note,
                ticket.as_deref(),
                now,
            )?;
            let mut e = ev(
                &actor_login,
                action::SESSION_STARTED,
                Some(u.provider_code.as_str()),
                Some(u.login.as_str()),
            );
            e.supervisor = Some(actor_login.clone());
            e.session = Some(id.clone());
            e.verification = Some(start.method.code().to_owned());
            e.ticket.clone_from(&ticket);
            e.detail = format!(
                "identity verified: {}{}{}",
                start.method.code(),
                ticket
                    .as_ref()
                    .map(|t| format!("; ticket {t}"))
                    .unwrap_or_default(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!("; note: {note}")
                }
            );
            Ok(((), vec![e]))
        })?;
        self.session(&id)
    }

    /// Starts a session for the user named by Provider Code and Login Name.
    pub fn start_session_for(
        &mut self,
        actor: &Operator,
        code: &str,
        login: &str,
        start: &SessionStart,
    ) -> Result<Session, CoreError> {
        let u: User = self.user(code, login)?;
        self.start_session(actor, u.id, start)
    }

    /// The session with this id, as stored (an idle session is ended by [`Self::check_session`]).
    pub fn session(&self, id: &str) -> Result<Session, CoreError> {
        let row = store::sessions::by_id(self.store.conn(), id)?
            .ok_or_else(|| CoreError::Invalid("That supervised session does not exist.".into()))?;
        session_from(row)
    }

    /// The session, ended first if it has been idle for 30 minutes.
    pub fn check_session(&mut self, id: &str) -> Result<Session, CoreError> {
        let s = self.session(id)?;
        if s.ended.is_none() && self.clock.now() >= s.idle_deadline() {
            self.end_session(id, SessionEnd::Idle)?;
            return self.session(id);
        }
        Ok(s)
    }

    /// Ends a session and audits how; returns false when it had already ended.
    pub fn end_session(&mut self, id: &str, how: SessionEnd) -> Result<bool, CoreError> {
        let s = self.session(id)?;
        let u = self.user_by_id(s.user_id)?;
        self.write(|c, now| {
            if !store::sessions::end(c, id, now, how.code())? {
                return Ok((false, Vec::new()));
            }
            let mut e = ev(
                &s.operator,
                action::SESSION_ENDED,
                Some(u.provider_code.as_str()),
                Some(u.login.as_str()),
            );
            e.supervisor = Some(s.operator.clone());
            e.session = Some(s.id.clone());
            e.verification = Some(s.method.code().to_owned());
            e.ticket.clone_from(&s.ticket);
            e.detail = format!("{}: {}", how.code(), how.words());
            Ok((true, vec![e]))
        })
    }

    /// Ends every running session of this operator (the console locked or signed out).
    pub fn end_sessions_of(&mut self, operator: &str, how: SessionEnd) -> Result<usize, CoreError> {
        let open = store::sessions::open_of(self.store.conn(), operator)?;
        let mut n = 0;
        for row in open {
            if self.end_session(&row.id, how)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Refuses a step typed for another account than the session's (the user's screen
    /// works for that one account; nothing is checked, counted or audited).
    pub fn check_session_account(
        &self,
        id: &str,
        code: &str,
        login: &str,
    ) -> Result<(), CoreError> {
        let s = self.session(id)?;
        let u = self.user_by_id(s.user_id)?;
        let same = code.trim().eq_ignore_ascii_case(u.provider_code.as_str())
            && login.trim().eq_ignore_ascii_case(u.login.as_str());
        if same {
            Ok(())
        } else {
            Err(CoreError::Invalid(format!(
                "This supervised session is for Login Name {} in Provider Code {}: enter that account.",
                u.login, u.provider_code
            )))
        }
    }

    /// Runs one of the person's flow steps in the session: its events name the operator and
    /// the session. A password change marks the reset done; the login after it ends the session.
    pub fn in_session<T>(
        &mut self,
        id: &str,
        step: SessionStep,
        f: impl FnOnce(&mut Self) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let s = self.check_session(id)?;
        if let Some(how) = s.ended {
            return Err(CoreError::Invalid(format!(
                "The supervised session has ended ({}). Start a new one to go on.",
                how.words()
            )));
        }
        self.supervision = Some(Supervision {
            operator: s.operator.clone(),
            session: s.id.clone(),
            verification: s.method.code().to_owned(),
            ticket: s.ticket.clone(),
        });
        let result = f(self);
        self.supervision = None;
        let now = rfc3339(self.clock.now());
        self.store
            .immediate(|c| store::sessions::touch(c, id, &now))?;
        if result.is_ok() {
            match step {
                SessionStep::Complete => {
                    self.store
                        .immediate(|c| store::sessions::mark_reset_done(c, id, &now))?;
                }
                SessionStep::Login if s.reset_done => {
                    self.end_session(id, SessionEnd::ResetDone)?;
                }
                _ => {}
            }
        }
        result
    }
}
