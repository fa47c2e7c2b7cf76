//! The worker thread: it owns the `Service` (argon2, SQLite and SMTP run here, never on the UI
//! thread). The UI sends a [`Job`], the worker answers with an [`Answer`] and repaints the UI.
//! Between jobs, and after each, it looks at the database's change mark: a change made here
//! or at another seat comes to the UI as [`AppAnswer::Changed`] (SPEC §3.16, within 2 s).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::time::Duration;

use crate::core::clock::Clock;
use crate::core::console::{ConsoleEvent, ConsoleSignIn};
use crate::core::hashing::Hasher;
use crate::core::model::{Operator, Provider, User};
use crate::core::model::{ProviderCounts, StoredMessage};
use crate::core::secret::Secret;
use crate::core::service::{FlowOk, ProviderChanges, TokenInfo};
use crate::core::session::{Session, SessionStart, SessionStep};
use crate::core::{CoreError, Service};
use crate::mail::MailSettings;
use crate::mail::smtp::SmtpSettings;
use crate::store::Location;

/// Which step of the person's flow a [`Job::Flow`] answer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStep {
    Request,
    Resend,
    Complete,
    Login,
}

/// What the UI asks of the worker.
#[derive(Debug)]
pub enum Job {
    // ----- operators
    /// Creates the first super admin of an empty database.
    InitFirstOperator {
        login: String,
        password: Secret,
        /// Choose the outbox (a training database); else no delivery until SMTP is set.
        training: bool,
    },
    /// How long before this operator's next password try.
    OperatorWait { login: String },
    /// Checks an operator's password (sign-in, or the lock screen's unlock).
    OperatorLogin {
        login: String,
        password: Secret,
        why: ConsoleSignIn,
    },
    /// An operator event of the console (sign-out, lock, hand-over, opening another file).
    Console {
        actor: Operator,
        event: ConsoleEvent,
    },
    /// Whether this is a training database now.
    Training,
    // ----- supervised sessions (§3.15)
    /// Starts a session for the user named by Provider Code and Login Name.
    StartSession {
        actor: Operator,
        code: String,
        login: String,
        start: SessionStart,
    },
    /// Ends a session (by the operator).
    EndSession { id: String },
    /// Unlocks an Admin Locked user with a reason.
    Unlock {
        actor: Operator,
        user_id: i64,
        reason: String,
    },
    /// Unlocks the session's user on the spot.
    UnlockInSession {
        actor: Operator,
        session: String,
        reason: String,
    },
    // ----- providers
    /// Every provider.
    Providers,
    /// One provider with its counts.
    ProviderView { code: String },
    /// Adds a provider.
    AddProvider {
        actor: Operator,
        code: String,
        name: String,
    },
    /// Changes SPR enablement or policy values.
    UpdateProvider {
        actor: Operator,
        code: String,
        changes: ProviderChanges,
    },
    // ----- mail
    /// The mail settings (the SMTP password is never sent back to the UI).
    Mail,
    /// Replaces the mail settings. `keep_password`/`keep_ca` keep the stored secret or
    /// certificate when the form left them empty; `ca_file` is read here, off the UI thread.
    SetMail {
        actor: Operator,
        settings: MailSettings,
        keep_password: bool,
        ca_file: Option<PathBuf>,
        keep_ca: bool,
    },
    /// Sends a test message.
    SendTest { actor: Operator, to: String },
    // ----- the person's flows
    /// Forgot Password, Resend, Change Password, Login.
    Flow {
        step: FlowStep,
        input: FlowInput,
        session: Option<String>,
    },
    /// Settings step 1: check the current password.
    ConfigureVerify {
        session: Option<String>,
        code: String,
        login: String,
        password: Secret,
    },
    /// Settings step 2: save the contacts.
    Configure {
        session: Option<String>,
        code: String,
        login: String,
        password: Secret,
        email: String,
        text_email: String,
    },
    /// The operator's live view of one account.
    Watch {
        code: String,
        login: String,
        session: Option<String>,
    },
    /// A job of the Users, Audit and Outbox views or the File menu (see `data`).
    Data(super::data::DataJob),
    /// The Overview panel's counts, activity and incidents.
    Overview { actor: Operator },
    /// Unlocks the accounts of one incident with one reason.
    UnlockAccounts {
        actor: Operator,
        ids: Vec<i64>,
        reason: String,
        progress: super::data::Progress,
        /// Set by the dialog's Cancel: the worker stops and rolls the whole unlock back.
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
}

/// The fields of the person's flow forms; the secrets are wiped when dropped and never
/// shown by `Debug`.
#[derive(Clone, Debug, Default)]
pub struct FlowInput {
    pub code: String,
    pub login: String,
    pub address: String,
    pub token: Secret,
    pub password: Secret,
    pub confirm: Secret,
}

impl Job {
    /// Actions show a spinner while they run; reads for drawing do not.
    pub fn is_action(&self) -> bool {
        if let Job::Data(j) = self {
            return j.is_action();
        }
        !matches!(
            self,
            Job::OperatorWait { .. }
                | Job::Providers
                | Job::ProviderView { .. }
                | Job::Mail
                | Job::Watch { .. }
                | Job::Overview { .. }
                | Job::Training
                | Job::Console { .. }
        )
    }

    /// Words for the spinner.
    pub fn describe(&self) -> &'static str {
        match self {
            Job::InitFirstOperator { .. } => "Creating the super admin…",
            Job::OperatorLogin { .. } => "Checking the password…",
            Job::AddProvider { .. } => "Adding the provider…",
            Job::UpdateProvider { .. } => "Saving…",
            Job::SetMail { .. } => "Saving the mail settings…",
            Job::SendTest { .. } => "Sending the test message…",
            Job::Flow {
                step: FlowStep::Request | FlowStep::Resend,
                ..
            } => "Sending the password token…",
            Job::Flow {
                step: FlowStep::Complete,
                ..
            } => "Changing the password…",
            Job::Flow {
                step: FlowStep::Login,
                ..
            } => "Logging in…",
            Job::ConfigureVerify { .. } => "Verifying…",
            Job::Data(j) => j.describe(),
            Job::Configure { .. } => "Updating…",
            Job::UnlockAccounts { .. } => "Unlocking…",
            Job::StartSession { .. } => "Starting the session…",
            Job::EndSession { .. } => "Ending the session…",
            Job::Unlock { .. } | Job::UnlockInSession { .. } => "Unlocking…",
            _ => "Reading…",
        }
    }
}

/// A provider with its counts at a glance.
#[derive(Clone, Debug)]
pub struct ProviderView {
    pub provider: Provider,
    pub counts: ProviderCounts,
}

/// The mail settings as the UI may see them: never the SMTP password itself.
#[derive(Clone, Debug)]
pub struct MailView {
    pub settings: MailSettings,
    pub has_password: bool,
    pub has_ca: bool,
}

/// What the operator sees beside the person's form.
#[derive(Clone, Debug, Default)]
pub struct WatchView {
    pub code: String,
    pub login: String,
    pub provider: Option<Provider>,
    pub user: Option<User>,
    pub token: Option<TokenInfo>,
    /// The newest outbox message to one of the user's contacts or the token's address.
    pub message: Option<StoredMessage>,
    pub outbox: bool,
    /// The supervised session followed, as stored now.
    pub session: Option<Session>,
}

/// What the worker answers, grouped by the view that takes it: the app hands each group to
/// its owner with one match (see `app::ConsoleApp::on_answer`).
#[derive(Debug)]
pub enum Answer {
    /// The app shell's own: opening, sign-in, console events, and changes in the database.
    App(AppAnswer),
    Overview(OverviewAnswer),
    Provider(ProviderAnswer),
    Reset(ResetAnswer),
    Users(super::data::UsersAnswer),
    Audit(super::data::AuditAnswer),
    Outbox(super::data::OutboxAnswer),
    /// The File menu's (a backup copy).
    Files(super::data::FilesAnswer),
}

/// The app shell's answers.
#[derive(Debug)]
pub enum AppAnswer {
    /// The database was opened (or could not be).
    Opened(Result<Opened, CoreError>),
    FirstOperator(Result<Operator, CoreError>),
    OperatorWait {
        login: String,
        wait: Duration,
    },
    OperatorLogin(Result<Operator, CoreError>),
    /// The answer to a [`Job::Console`] event (only an error is worth telling).
    Console(Result<(), CoreError>),
    Training(Result<bool, CoreError>),
    /// A job panicked; the worker goes on with the next.
    Crashed(String),
    /// The database changed (at this seat or another, §3.16): what the views show is read
    /// again.
    Changed,
}

/// The Overview panel's answers.
#[derive(Debug)]
pub enum OverviewAnswer {
    Overview(Result<Box<crate::core::overview::Overview>, CoreError>),
    /// How many accounts an incident's unlock unlocked.
    AccountsUnlocked(Result<usize, CoreError>),
}

/// The Provider panel's answers.
#[derive(Debug)]
pub enum ProviderAnswer {
    Providers(Result<Vec<Provider>, CoreError>),
    ProviderView(Result<ProviderView, CoreError>),
    ProviderSaved(Result<Provider, CoreError>),
    Mail(Result<MailView, CoreError>),
    MailSaved(Result<(), CoreError>),
    TestSent(Result<String, CoreError>),
}

/// The Reset panel's answers (and its user's screen's).
#[derive(Debug)]
pub enum ResetAnswer {
    SessionStarted(Result<(Session, String, String), CoreError>),
    SessionEnded(Result<(), CoreError>),
    Unlocked(Result<User, CoreError>),
    Flow {
        step: FlowStep,
        code: String,
        login: String,
        result: Result<FlowOk, CoreError>,
    },
    Verified(Result<User, CoreError>),
    Configured(Result<User, CoreError>),
    Watch(Result<Box<WatchView>, CoreError>),
}

impl From<AppAnswer> for Answer {
    fn from(a: AppAnswer) -> Self {
        Answer::App(a)
    }
}

impl From<OverviewAnswer> for Answer {
    fn from(a: OverviewAnswer) -> Self {
        Answer::Overview(a)
    }
}

impl From<ProviderAnswer> for Answer {
    fn from(a: ProviderAnswer) -> Self {
        Answer::Provider(a)
    }
}

impl From<ResetAnswer> for Answer {
    fn from(a: ResetAnswer) -> Self {
        Answer::Reset(a)
    }
}

/// Facts about the database learnt when it was opened.
#[derive(Clone, Debug)]
pub struct Opened {
    pub needs_first_operator: bool,
    pub is_demo: bool,
    pub is_training: bool,
}

/// How often an idle worker looks for changes made elsewhere: another seat's change shows
/// within 2 seconds (SPEC §3.16). One indexed read; a busy worker also looks after each job.
pub const CHANGE_POLL: Duration = Duration::from_secs(1);

/// Builds the worker's `Service` for a database (on the worker thread: a connection cannot
/// cross threads). Tests give one with the fast hasher and a settable clock.
pub type ServiceFactory = Arc<dyn Fn(&Location) -> Result<Service, CoreError> + Send + Sync>;

/// The console's own factory: the database at `location` (the console's first run creates
/// it, on a server as in a file: SPEC §3.13), `clock`, the real hasher.
pub fn default_factory(clock: Arc<dyn Clock>) -> ServiceFactory {
    Arc::new(move |location| Service::create_with(location, clock.clone(), Hasher::default()))
}

struct Envelope {
    id: u64,
    job: Job,
}

struct Reply {
    /// The job answered; `None` for a change seen while idle.
    id: Option<u64>,
    answer: Option<Answer>,
    /// The database changed since the worker last looked (by this job, or elsewhere).
    changed: bool,
}

/// The UI's handle on the worker thread.
pub struct Worker {
    tx: Sender<Envelope>,
    rx: Receiver<Reply>,
    next_id: u64,
    /// Actions sent and not answered yet, with their words.
    running: BTreeMap<u64, &'static str>,
    /// Replies still owed: every job sent, plus the opening answer.
    waiting: usize,
    stopped: bool,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts the worker thread; it builds its `Service` on the database at `path` with
    /// `factory` and answers [`AppAnswer::Opened`] first.
    pub fn spawn(location: Location, ctx: egui::Context, factory: ServiceFactory) -> Self {
        let (job_tx, job_rx) = channel::<Envelope>();
        let (reply_tx, reply_rx) = channel::<Reply>();
        let spawned = std::thread::Builder::new()
            .name("spr-worker".into())
            .spawn(move || run(&location, &factory, &job_rx, &reply_tx, &ctx));
        let stopped = spawned.is_err();
        Self {
            tx: job_tx,
            rx: reply_rx,
            next_id: 1,
            running: BTreeMap::new(),
            waiting: usize::from(!stopped),
            stopped,
        }
    }

    /// Sends a job; returns its id.
    pub fn send(&mut self, job: Job) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if job.is_action() {
            self.running.insert(id, job.describe());
        }
        if self.tx.send(Envelope { id, job }).is_err() {
            self.stopped = true;
            self.running.remove(&id);
        } else {
            self.waiting += 1;
        }
        id
    }

    /// Every answer that arrived since the last call; a change in the database comes as
    /// [`AppAnswer::Changed`] right after the answer of the job that made it.
    pub fn poll(&mut self) -> Vec<Answer> {
        let mut out = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(reply) => {
                    if let Some(id) = reply.id {
                        self.running.remove(&id);
                        self.waiting = self.waiting.saturating_sub(1);
                    }
                    out.extend(reply.answer);
                    if reply.changed {
                        out.push(Answer::App(AppAnswer::Changed));
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if !self.stopped {
                        self.stopped = true;
                        self.running.clear();
                    }
                    self.waiting = 0;
                    break;
                }
            }
        }
        out
    }

    /// The words of the action running now, if any.
    pub fn busy(&self) -> Option<&'static str> {
        self.running.values().next().copied()
    }

    /// How many jobs (reads too) are sent and not answered yet. Tests wait for 0 instead of
    /// sleeping: the worker runs jobs one at a time, so at 0 nothing is left to land.
    pub fn in_flight(&self) -> usize {
        self.waiting
    }

    /// Whether the worker thread is gone (it never should be).
    pub fn stopped(&self) -> bool {
        self.stopped
    }
}

fn run(
    location: &Location,
    factory: &ServiceFactory,
    jobs: &Receiver<Envelope>,
    replies: &Sender<Reply>,
    ctx: &egui::Context,
) {
    let (mut svc, first) = match factory(location) {
        Ok(svc) => {
            let info = svc.needs_first_operator().and_then(|needs| {
                Ok(Opened {
                    needs_first_operator: needs,
                    is_demo: svc.is_demo()?,
                    is_training: svc.is_training()?,
                })
            });
            (Some(svc), AppAnswer::Opened(info))
        }
        Err(e) => (None, AppAnswer::Opened(Err(e))),
    };
    let opened = Reply {
        id: Some(0),
        answer: Some(first.into()),
        changed: false,
    };
    if replies.send(opened).is_err() {
        return;
    }
    ctx.request_repaint();
    let Some(svc) = svc.as_mut() else { return };
    let mut mark = svc.change_mark().ok();
    loop {
        let (id, answer) = match jobs.recv_timeout(CHANGE_POLL) {
            Ok(Envelope { id, job }) => (Some(id), Some(handle_caught(svc, job))),
            Err(RecvTimeoutError::Timeout) => (None, None),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // A mark that cannot be read now is looked for again next time, not reported.
        let changed = svc
            .change_mark()
            .is_ok_and(|now| mark.replace(now).is_some_and(|before| before != now));
        if answer.is_none() && !changed {
            continue;
        }
        if replies
            .send(Reply {
                id,
                answer,
                changed,
            })
            .is_err()
        {
            return;
        }
        ctx.request_repaint();
    }
}

/// Runs one job; a panic becomes an answer and the worker goes on.
fn handle_caught(svc: &mut Service, job: Job) -> Answer {
    catch_unwind(AssertUnwindSafe(|| handle(svc, job))).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        AppAnswer::Crashed(format!(
            "An internal error stopped this action ({what}). Nothing else was changed; try again."
        ))
        .into()
    })
}

fn handle(svc: &mut Service, job: Job) -> Answer {
    match job {
        Job::InitFirstOperator {
            login,
            password,
            training,
        } => AppAnswer::FirstOperator(svc.init_first_operator(&login, &password).and_then(|op| {
            if training {
                svc.set_mail_settings(&op, &MailSettings::Outbox)?;
            }
            Ok(op)
        }))
        .into(),
        Job::OperatorWait { login } => AppAnswer::OperatorWait {
            wait: svc.operator_wait(&login).unwrap_or_default(),
            login,
        }
        .into(),
        Job::OperatorLogin {
            login,
            password,
            why,
        } => AppAnswer::OperatorLogin(svc.console_sign_in(&login, &password, &why)).into(),
        Job::Console { actor, event } => {
            AppAnswer::Console(svc.console_event(&actor, &event)).into()
        }
        Job::Training => AppAnswer::Training(svc.is_training()).into(),
        Job::StartSession {
            actor,
            code,
            login,
            start,
        } => ResetAnswer::SessionStarted(
            svc.start_session_for(&actor, &code, &login, &start)
                .and_then(|s| {
                    let u = svc.user_by_id(s.user_id)?;
                    Ok((s, u.provider_code.to_string(), u.login.to_string()))
                }),
        )
        .into(),
        Job::EndSession { id } => ResetAnswer::SessionEnded(
            svc.end_session(&id, crate::core::session::SessionEnd::EndedByOperator)
                .map(|_| ()),
        )
        .into(),
        Job::Unlock {
            actor,
            user_id,
            reason,
        } => ResetAnswer::Unlocked(svc.unlock(&actor, user_id, &reason)).into(),
        Job::UnlockInSession {
            actor,
            session,
            reason,
        } => ResetAnswer::Unlocked(svc.unlock_in_session(&actor, &session, &reason)).into(),
        Job::Providers => ProviderAnswer::Providers(svc.providers()).into(),
        Job::ProviderView { code } => {
            ProviderAnswer::ProviderView(svc.provider(&code).and_then(|p| {
                Ok(ProviderView {
                    counts: svc.provider_counts(p.id)?,
                    provider: p,
                })
            }))
            .into()
        }
        Job::AddProvider { actor, code, name } => {
            ProviderAnswer::ProviderSaved(svc.add_provider(&actor, &code, &name)).into()
        }
        Job::UpdateProvider {
            actor,
            code,
            changes,
        } => ProviderAnswer::ProviderSaved(svc.update_provider(&actor, &code, &changes)).into(),
        Job::Mail => ProviderAnswer::Mail(svc.mail_settings().map(redact)).into(),
        Job::SetMail {
            actor,
            settings,
            keep_password,
            ca_file,
            keep_ca,
        } => ProviderAnswer::MailSaved(set_mail(
            svc,
            &actor,
            settings,
            keep_password,
            ca_file,
            keep_ca,
        ))
        .into(),
        Job::SendTest { actor, to } => ProviderAnswer::TestSent(svc.send_test(&actor, &to)).into(),
        Job::Flow {
            step,
            input,
            session,
        } => {
            let run = |svc: &mut Service| match step {
                FlowStep::Request => svc.request_token(&input.login, &input.code, &input.address),
                FlowStep::Resend => svc.resend(&input.code, &input.login),
                FlowStep::Complete => svc.complete_reset(
                    &input.code,
                    &input.login,
                    &input.token,
                    &input.password,
                    &input.confirm,
                ),
                FlowStep::Login => svc.login(&input.code, &input.login, &input.password),
            };
            let kind = match step {
                FlowStep::Complete => SessionStep::Complete,
                FlowStep::Login => SessionStep::Login,
                FlowStep::Request | FlowStep::Resend => SessionStep::Other,
            };
            let result = match &session {
                Some(id) => svc
                    .check_session_account(id, &input.code, &input.login)
                    .and_then(|()| in_session(svc, Some(id), kind, run)),
                None => run(svc),
            };
            ResetAnswer::Flow {
                step,
                code: input.code,
                login: input.login,
                result,
            }
            .into()
        }
        Job::ConfigureVerify {
            session,
            code,
            login,
            password,
        } => ResetAnswer::Verified(
            session
                .as_deref()
                .map_or(Ok(()), |id| svc.check_session_account(id, &code, &login))
                .and_then(|()| {
                    in_session(svc, session.as_deref(), SessionStep::Other, |svc| {
                        svc.configure_verify(&code, &login, &password)
                    })
                }),
        )
        .into(),
        Job::Configure {
            session,
            code,
            login,
            password,
            email,
            text_email,
        } => ResetAnswer::Configured(
            session
                .as_deref()
                .map_or(Ok(()), |id| svc.check_session_account(id, &code, &login))
                .and_then(|()| {
                    in_session(svc, session.as_deref(), SessionStep::Other, |svc| {
                        svc.configure(
                            &code,
                            &login,
                            &password,
                            Some(email.as_str()),
                            Some(text_email.as_str()),
                        )
                    })
                }),
        )
        .into(),
        Job::Watch {
            code,
            login,
            session,
        } => ResetAnswer::Watch(watch(svc, code, login, session).map(Box::new)).into(),
        Job::Data(j) => super::data::handle(svc, j),
        Job::Overview { actor } => {
            OverviewAnswer::Overview(svc.overview(&actor).map(Box::new)).into()
        }
        Job::UnlockAccounts {
            actor,
            ids,
            reason,
            progress,
            cancel,
        } => {
            let mut report = |done, total| progress.set(done, total);
            OverviewAnswer::AccountsUnlocked(svc.unlock_accounts_with(
                &actor,
                &ids,
                &reason,
                &mut report,
                &cancel,
            ))
            .into()
        }
    }
}

/// Runs a flow step in the supervised session when there is one (§3.15).
fn in_session<T>(
    svc: &mut Service,
    session: Option<&str>,
    step: SessionStep,
    f: impl FnOnce(&mut Service) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    match session {
        Some(id) => svc.in_session(id, step, f),
        None => f(svc),
    }
}

fn redact(settings: MailSettings) -> MailView {
    match settings {
        MailSettings::NotSet | MailSettings::Outbox => MailView {
            settings,
            has_password: false,
            has_ca: false,
        },
        MailSettings::Smtp(mut s) => {
            let has_password = s.password.take().is_some();
            let has_ca = s.ca_pem.is_some();
            MailView {
                settings: MailSettings::Smtp(s),
                has_password,
                has_ca,
            }
        }
    }
}

fn set_mail(
    svc: &mut Service,
    actor: &Operator,
    settings: MailSettings,
    keep_password: bool,
    ca_file: Option<PathBuf>,
    keep_ca: bool,
) -> Result<(), CoreError> {
    let settings = match settings {
        MailSettings::NotSet | MailSettings::Outbox => settings,
        MailSettings::Smtp(mut s) => {
            let old: Option<SmtpSettings> = match svc.mail_settings()? {
                MailSettings::Smtp(old) => Some(old),
                MailSettings::NotSet | MailSettings::Outbox => None,
            };
            // The stored password goes only to the relay and account it was given for: a new
            // host, port or username forgets it (SPEC §3.11).
            let same_account = old
                .as_ref()
                .is_some_and(|o| o.host == s.host && o.port == s.port && o.username == s.username);
            if keep_password && s.password.is_none() && s.username.is_some() && same_account {
                s.password = old.as_ref().and_then(|o| o.password.clone());
            }
            if s.username.is_none() {
                s.password = None;
            }
            s.ca_pem = match ca_file {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
                    CoreError::Invalid(format!(
                        "Cannot read the CA certificate file {}: {e}.",
                        path.display()
                    ))
                })?),
                None if keep_ca => old.and_then(|o| o.ca_pem),
                None => None,
            };
            MailSettings::Smtp(s)
        }
    };
    svc.set_mail_settings(actor, &settings)
}

fn watch(
    svc: &mut Service,
    code: String,
    login: String,
    session: Option<String>,
) -> Result<WatchView, CoreError> {
    let mut view = WatchView {
        outbox: matches!(svc.mail_settings()?, MailSettings::Outbox),
        ..WatchView::default()
    };
    // A provider or user that does not exist is part of the view, not an error.
    view.provider = svc.provider(&code).ok();
    if view.provider.is_some() && !login.trim().is_empty() {
        view.user = svc.user(&code, &login).ok();
    }
    if let Some(u) = &view.user {
        view.token = svc.token_info(u.id)?;
        let mut addresses: Vec<String> = [u.email.as_ref(), u.text_email.as_ref()]
            .into_iter()
            .flatten()
            .map(ToString::to_string)
            .collect();
        if let Some(t) = &view.token {
            addresses.push(t.address.clone());
        }
        if view.outbox {
            view.message = svc.latest_message_to(&addresses)?;
        } else if let Some(t) = view.token.as_mut() {
            // Outside a training database the operator sees where a token went, masked (§3.11).
            t.address = super::reset::masked(&t.address);
        }
    }
    // Reading the session also ends it once it has been idle for 30 minutes.
    view.session = session.map(|id| svc.check_session(&id)).transpose()?;
    view.code = code;
    view.login = login;
    Ok(view)
}

#[cfg(test)]
mod tests {
    // Test code may unwrap: a failure is a failed test with its location.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::core::hashing::Hasher;
    use crate::mail::smtp::Security;

    fn smtp(host: &str, port: u16, username: &str, password: Option<&str>) -> MailSettings {
        MailSettings::Smtp(SmtpSettings {
            host: host.into(),
            port,
            security: Security::Starttls,
            username: Some(username.into()),
            password: password.map(str::to_owned),
            from: "spr@example.org".into(),
            timeout_secs: 10,
            ca_pem: None,
        })
    }

    fn stored_password(svc: &Service) -> Option<String> {
        match svc.mail_settings().unwrap() {
            MailSettings::Smtp(s) => s.password,
            MailSettings::Outbox | MailSettings::NotSet => None,
        }
    }

    #[test]
    fn the_smtp_password_is_forgotten_when_host_port_or_username_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("spr.sqlite3")).unwrap();
        let mut svc = Service::new(
            store,
            std::sync::Arc::new(crate::core::clock::SystemClock),
            Hasher::fast_for_tests(),
        );
        let admin = svc
            .init_first_operator("root", "orange-Kettle-93-violet")
            .unwrap();
        let set = |svc: &mut Service, m: MailSettings| {
            set_mail(svc, &admin, m, true, None, false).unwrap();
        };
        for changed in [
            smtp("relay2.example.org", 587, "spr", None),
            smtp("relay.example.org", 2525, "spr", None),
            smtp("relay.example.org", 587, "other", None),
        ] {
            set(
                &mut svc,
                smtp("relay.example.org", 587, "spr", Some("s3cret-relay")),
            );
            // The form left the password empty: the same relay and account keep it ...
            set(&mut svc, smtp("relay.example.org", 587, "spr", None));
            assert_eq!(stored_password(&svc).as_deref(), Some("s3cret-relay"));
            // ... and a new host, port or username forgets it.
            set(&mut svc, changed);
            assert_eq!(stored_password(&svc), None);
        }
    }
}
