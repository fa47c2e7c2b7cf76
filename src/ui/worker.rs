//! The worker thread: it owns the `Service` (argon2, SQLite and SMTP run here, never on the UI
//! thread). The UI sends a [`Job`], the worker answers with an [`Answer`] and repaints the UI.
//! Between jobs, and after each, it looks at the database's change mark: a change made here
//! or at another seat comes to the UI as [`AppAnswer::Changed`] (SPEC §3.16, within 2 s).

mod handle;

use handle::handle_caught;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::time::Duration;

use crate::core::Location;
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
