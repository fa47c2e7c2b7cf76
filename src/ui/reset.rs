//! The Reset panel: supervised sessions (SPEC §3.15) from the operator's side. The operator
//! starts a session (Login Name, Provider Code, how the caller was verified, a ticket), and
//! then follows the account live while the user types every secret on the user's screen —
//! a window of its own, or the main window when handed over. This side has no field for the
//! user's password, token or new password, and outside a training database it never shows a
//! token: where a message went is shown masked.

use std::time::{Duration, Instant};

use chrono::Utc;
use egui::{RichText, TextEdit, Ui};

use super::a11y::AddIf as _;
use super::user_screen::UserScreen;
use super::view::Shell;
use super::widgets::{
    Note, entered, error_color, field_row, form_grid, mailbox_ui, mm_ss, ok_color, phone_ui,
    short_time, warn_color,
};
use super::worker::{FlowStep, Job, ResetAnswer, WatchView};
use crate::core::model::{IncorrectEntry, Status};
use crate::core::policy::lockout_in_words;
use crate::core::session::{Session, SessionEnd, SessionStart, VerificationMethod};
use crate::core::{CoreError, Refusal};
use crate::mail::carriers;

/// How often the operator's view is read again.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// The steps kept in the operator's list.
const OUTCOMES_KEPT: usize = 12;
/// The user's screen's viewport.
pub const USER_SCREEN_TITLE: &str = "spr-console — the user's screen";

/// The outcome of one step, for the operator.
#[derive(Clone, Debug)]
struct Outcome {
    step: &'static str,
    at: chrono::DateTime<Utc>,
    refusal: Option<Refusal>,
    /// An input or other error (no reason code: nothing was checked or counted).
    error: Option<String>,
}

/// The session running in this panel.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub session: Session,
    pub code: String,
    pub login: String,
}

/// What the panel asks of the app shell (hand-over takes the whole window).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum ResetAction {
    None,
    HandOver,
}

/// The Reset panel's state.
#[derive(Debug)]
pub struct ResetPanel {
    login: String,
    code: String,
    method: Option<VerificationMethod>,
    note: String,
    ticket: String,
    start_note: Option<Note>,
    focus_start: bool,
    unlock_reason: String,
    unlock_note: Option<Note>,
    /// The running session, with the user's screen.
    pub active: Option<ActiveSession>,
    pub user: Option<UserScreen>,
    /// Whether the user's screen shows in its own window.
    pub user_window: bool,
    outcomes: Vec<Outcome>,
    watch: Option<WatchView>,
    watch_asked: Option<Instant>,
    watch_pending: bool,
    /// How the last session ended.
    ended_note: Option<Note>,
    /// What the operator asked of the shell this frame.
    action: ResetAction,
}

impl Default for ResetPanel {
    fn default() -> Self {
        Self {
            login: String::new(),
            code: String::new(),
            method: None,
            note: String::new(),
            ticket: String::new(),
            start_note: None,
            focus_start: true,
            unlock_reason: String::new(),
            unlock_note: None,
            active: None,
            user: None,
            user_window: true,
            outcomes: Vec::new(),
            watch: None,
            watch_asked: None,
            watch_pending: false,
            ended_note: None,
            action: ResetAction::None,
        }
    }
}

fn step_name(step: FlowStep) -> &'static str {
    match step {
        FlowStep::Request => "Reset Password (Submit)",
        FlowStep::Resend => "Change Password (Resend)",
        FlowStep::Complete => "Change Password (Submit)",
        FlowStep::Login => "Login",
    }
}

/// `jdoe@example.org` → `j***@example.org`: where a message went, not whose mailbox it is.
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

impl ResetPanel {
    /// Prefills the Provider Code (the provider chosen in the Provider panel).
    pub fn suggest_code(&mut self, code: Option<&str>) {
        if self.code.is_empty()
            && let Some(c) = code
        {
            self.code = c.to_owned();
        }
    }

    /// Prepares the start form for this account (from a user's row in Users).
    pub fn prepare_start(&mut self, code: &str, login: &str) {
        if self.active.is_none() {
            self.code = code.to_owned();
            self.login = login.to_owned();
            self.start_note = None;
            self.focus_start = true;
            self.watch_asked = None;
        }
    }

    /// The session id to end when the console locks or signs out.
    pub fn session_id(&self) -> Option<&str> {
        self.active.as_ref().map(|a| a.session.id.as_str())
    }

    fn outcome_of(&mut self, step: &'static str, r: &Result<(), &CoreError>) {
        let (refusal, error) = match r {
            Ok(()) => (None, None),
            Err(CoreError::Refused(refusal)) => (Some(refusal.clone()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        self.outcomes.push(Outcome {
            step,
            at: Utc::now(),
            refusal,
            error,
        });
        if self.outcomes.len() > OUTCOMES_KEPT {
            self.outcomes.remove(0);
        }
        // The account may have changed: read it again now.
        self.watch_asked = None;
    }

    /// Something changed in the database (here or at another seat): the operator's view is
    /// read again now.
    pub fn changed(&mut self) {
        self.watch_asked = None;
    }

    /// Takes this panel's answers.
    pub fn on_answer(&mut self, answer: ResetAnswer, sh: &mut Shell<'_>) {
        match answer {
            ResetAnswer::Watch(r) => {
                self.watch_pending = false;
                match r {
                    Ok(v) => {
                        if let (Some(a), Some(s)) = (self.active.as_mut(), v.session.as_ref())
                            && a.session.id == s.id
                        {
                            a.session = s.clone();
                        }
                        self.watch = Some(*v);
                        self.after_session_end();
                    }
                    Err(e) => sh.status.error(e.to_string()),
                }
            }
            ResetAnswer::Flow { .. } | ResetAnswer::Verified(_) | ResetAnswer::Configured(_) => {
                let (step, r): (&'static str, Result<(), &CoreError>) = match &answer {
                    ResetAnswer::Flow { step, result, .. } => {
                        (step_name(*step), result.as_ref().map(|_| ()))
                    }
                    ResetAnswer::Verified(r) => ("Settings (Verify)", r.as_ref().map(|_| ())),
                    ResetAnswer::Configured(r) => (
                        "Self Password Reset Configuration (Update)",
                        r.as_ref().map(|_| ()),
                    ),
                    _ => return,
                };
                self.outcome_of(step, &r);
                if let Some(u) = self.user.as_mut() {
                    u.on_answer(&answer);
                }
            }
            ResetAnswer::SessionStarted(r) => match r {
                Ok((session, code, login)) => {
                    sh.status.ok(format!(
                        "Supervised session {} started for {login} ({code}). The user types on the user's screen.",
                        session.id
                    ));
                    self.user = Some(UserScreen::for_session(&session.id, &code, &login));
                    self.active = Some(ActiveSession {
                        session,
                        code: code.clone(),
                        login: login.clone(),
                    });
                    self.code = code;
                    self.login = login;
                    self.user_window = true;
                    self.outcomes.clear();
                    self.ended_note = None;
                    self.note.clear();
                    self.ticket.clear();
                    self.method = None;
                    self.watch_asked = None;
                }
                Err(e) => self.start_note = Some(Note::Error(e.to_string())),
            },
            ResetAnswer::SessionEnded(r) => match r {
                Ok(()) => {
                    self.watch_asked = None;
                }
                Err(e) => sh.status.error(e.to_string()),
            },
            ResetAnswer::Unlocked(r) => {
                match r {
                    Ok(u) => {
                        self.unlock_note = Some(Note::Ok(format!(
                            "{} is unlocked: the user can go on.",
                            u.login
                        )));
                        sh.status.ok(format!("Unlocked {}.", u.login));
                    }
                    Err(e) => self.unlock_note = Some(Note::Error(e.to_string())),
                }
                self.watch_asked = None;
            }
        }
    }

    /// When the watch says the session ended: the user's screen closes, the form returns.
    fn after_session_end(&mut self) {
        let Some(a) = &self.active else { return };
        let Some(how) = a.session.ended else { return };
        self.ended_note = Some(match how {
            SessionEnd::ResetDone => Note::Ok(format!(
                "Session {} ended: the reset is done and {} logged in with the new password.",
                a.session.id, a.login
            )),
            other => Note::Info(format!(
                "Session {} ended: {}.",
                a.session.id,
                other.words()
            )),
        });
        self.active = None;
        self.user = None;
        self.user_window = false;
    }

    /// Draws the panel; returns what the shell should do (hand over the window).
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) -> ResetAction {
        if let Some(u) = &mut self.user {
            u.now = sh.now;
        }
        self.ask_watch(sh);
        ui.ctx().request_repaint_after(WATCH_EVERY);
        let mut action = ResetAction::None;
        egui::Panel::right("operator-view")
            .resizable(true)
            .default_size(460.0)
            .min_size(380.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("operator-view-scroll")
                    .show(ui, |ui| self.operator_ui(ui, sh));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("reset-central")
                .show(ui, |ui| {
                    if self.active.is_some() {
                        action = self.session_ui(ui);
                    } else {
                        self.start_ui(ui, sh);
                    }
                });
        });
        if self.user_window && self.active.is_some() {
            self.user_window_ui(ui.ctx(), sh);
        }
        action
    }

    /// The user's screen in a window of its own: a native window (an egui viewport) where
    /// the platform has them, else a window inside the console (as in headless tests).
    fn user_window_ui(&mut self, ctx: &egui::Context, sh: &mut Shell<'_>) {
        let busy = sh.busy;
        let Some(user) = self.user.as_mut() else {
            return;
        };
        let watch = self.watch.as_ref();
        let training = watch.is_some_and(|w| w.outbox);
        let mut draw = |ui: &mut Ui| {
            if training {
                super::app::training_banner_ui(ui);
                ui.add_space(6.0);
            }
            user.ui(ui, busy, watch)
        };
        let job = if ctx.embed_viewports() {
            // Over the central area, left of the operator's view (where the controls are).
            egui::Window::new(USER_SCREEN_TITLE)
                .open(&mut self.user_window)
                .default_pos([16.0, 70.0])
                .default_size([760.0, 640.0])
                .collapsible(false)
                .show(ctx, |ui| draw(ui))
                .and_then(|r| r.inner)
                .flatten()
        } else {
            let builder = egui::ViewportBuilder::default()
                .with_title(USER_SCREEN_TITLE)
                .with_inner_size([720.0, 620.0])
                .with_min_inner_size([480.0, 420.0]);
            let (job, close) = ctx.show_viewport_immediate(
                egui::ViewportId::from_hash_of("user-screen"),
                builder,
                |ui, _class| {
                    super::a11y::name_window(ui.ctx(), USER_SCREEN_TITLE);
                    let job = egui::CentralPanel::default().show(ui, |ui| draw(ui)).inner;
                    (job, ui.ctx().input(|i| i.viewport().close_requested()))
                },
            );
            if close {
                self.user_window = false;
            }
            job
        };
        if let Some(job) = job {
            sh.jobs.push(job);
        }
    }

    /// Draws the user's screen in the main window (handed over); returns the job of a form.
    pub fn handed_over_ui(
        &mut self,
        ui: &mut Ui,
        busy: bool,
        now: chrono::DateTime<Utc>,
    ) -> Option<Job> {
        if let Some(u) = &mut self.user {
            u.now = now;
        }
        let watch = self.watch.as_ref();
        match self.user.as_mut() {
            Some(user) => user.ui(ui, busy, watch),
            None => {
                ui.label("The session has ended. The operator takes the console back below.");
                None
            }
        }
    }

    /// Keeps the live view fresh while the window is handed over (the countdown on the
    /// user's Change Password page, and the session's end, come from it).
    pub fn keep_watching(&mut self, sh: &mut Shell<'_>) {
        self.ask_watch(sh);
    }

    /// Reads the account again each second (and the session, which may end meanwhile).
    fn ask_watch(&mut self, sh: &mut Shell<'_>) {
        let (code, login, session) = match &self.active {
            Some(a) => (a.code.clone(), a.login.clone(), Some(a.session.id.clone())),
            None => (
                self.code.trim().to_owned(),
                self.login.trim().to_owned(),
                None,
            ),
        };
        if code.is_empty() {
            self.watch = None;
            return;
        }
        let same = self
            .watch
            .as_ref()
            .is_some_and(|w| w.code == code && w.login == login);
        let due = !same || self.watch_asked.is_none_or(|t| t.elapsed() >= WATCH_EVERY);
        if due && !self.watch_pending {
            self.watch_pending = true;
            self.watch_asked = Some(Instant::now());
            sh.jobs.push(Job::Watch {
                code,
                login,
                session,
            });
        }
    }

    /// The start form: the account, how the caller was verified, a ticket.
    fn start_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        super::widgets::heading(ui, "Start a supervised reset");
        ui.label(
            "The user types their own password, token and new password on the user's screen; \
             you follow the account here. First say how you verified the caller.",
        );
        if let Some(n) = &self.ended_note {
            ui.add_space(6.0);
            n.ui(ui);
        }
        ui.add_space(8.0);
        let mut submit = false;
        form_grid("start-session").show(ui, |ui| {
            let r = field_row(ui, "Login Name", &mut self.login, false);
            if std::mem::take(&mut self.focus_start) {
                r.request_focus();
            }
            submit |= entered(ui, &r);
            let r = field_row(ui, "Provider Code", &mut self.code, false);
            submit |= entered(ui, &r);
        });
        ui.add_space(6.0);
        ui.label(RichText::new("How was the caller's identity verified?").strong());
        for m in VerificationMethod::ALL {
            ui.radio_value(&mut self.method, Some(m), m.label());
        }
        ui.add_space(6.0);
        form_grid("start-session-more").show(ui, |ui| {
            let label = if self.method == Some(VerificationMethod::Other) {
                "Note (required)"
            } else {
                "Note (optional)"
            };
            let l = ui.label(label);
            let r = ui
                .add(TextEdit::singleline(&mut self.note).desired_width(280.0))
                .labelled_by(l.id);
            submit |= entered(ui, &r);
            ui.end_row();
            let l = ui.label("Ticket (optional)");
            let r = ui
                .add(
                    TextEdit::singleline(&mut self.ticket)
                        .char_limit(64)
                        .desired_width(180.0),
                )
                .labelled_by(l.id);
            submit |= entered(ui, &r);
            ui.end_row();
        });
        ui.add_space(8.0);
        let busy = sh.busy;
        submit |= ui
            .add_if(!busy, egui::Button::new("Start session"))
            .clicked();
        if let Some(n) = &self.start_note {
            n.ui(ui);
        }
        if !submit || busy {
            return;
        }
        let Some(method) = self.method else {
            self.start_note = Some(Note::Error(
                "Choose how the caller's identity was verified.".into(),
            ));
            return;
        };
        if self.login.trim().is_empty() || self.code.trim().is_empty() {
            self.start_note = Some(Note::Error(
                "Enter the Login Name and Provider Code.".into(),
            ));
            return;
        }
        self.start_note = None;
        sh.jobs.push(Job::StartSession {
            actor: sh.operator.clone(),
            code: self.code.trim().to_owned(),
            login: self.login.trim().to_owned(),
            start: SessionStart {
                method,
                note: self.note.clone(),
                ticket: self.ticket.clone(),
            },
        });
    }

    /// The running session: who, how verified, the user's screen controls.
    fn session_ui(&mut self, ui: &mut Ui) -> ResetAction {
        let Some(a) = self.active.clone() else {
            return ResetAction::None;
        };
        let s = &a.session;
        super::widgets::heading(ui, format!("Supervised session {}", s.id));
        egui::Grid::new("session-facts")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("User").weak());
                ui.label(format!("{} · Provider Code {}", a.login, a.code));
                ui.end_row();
                ui.label(RichText::new("Identity verified").weak());
                ui.label(s.method.label());
                ui.end_row();
                if !s.note.is_empty() {
                    ui.label(RichText::new("Note").weak());
                    ui.label(&s.note);
                    ui.end_row();
                }
                ui.label(RichText::new("Ticket").weak());
                ui.label(s.ticket.as_deref().unwrap_or("—"));
                ui.end_row();
                ui.label(RichText::new("Started").weak());
                ui.label(s.started_at.format("%H:%M:%S UTC").to_string());
                ui.end_row();
                ui.label(RichText::new("Ends if idle at").weak());
                ui.label(s.idle_deadline().format("%H:%M UTC").to_string());
                ui.end_row();
            });
        ui.add_space(10.0);
        ui.label(
            "The user's pages are on the user's screen: move that window to the display facing \
             the user, or hand this window over if there is only one display. Hand over too \
             when the user reads with a screen reader: it can read this window, not the second.",
        );
        std::mem::replace(&mut self.action, ResetAction::None)
    }

    /// Show the user's screen, hand over, end the session (on the operator's side).
    fn session_controls_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let Some(id) = self.session_id().map(str::to_owned) else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut self.user_window, "Show the user's screen");
            if ui
                .button("Hand over")
                .on_hover_text(
                    "Fill this window with the user's pages; your password brings this view back",
                )
                .clicked()
            {
                self.action = ResetAction::HandOver;
            }
            if ui.button("End session").clicked() {
                sh.jobs.push(Job::EndSession { id });
            }
        });
    }

    /// The operator's side: live status, the exact reason of each step, where messages went.
    fn operator_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        ui.add_space(6.0);
        super::widgets::heading(ui, "Operator's view");
        ui.label(
            RichText::new("Only you see this side; the user types on the user's screen.").weak(),
        );
        ui.add_space(8.0);
        if self.active.is_some() {
            self.session_controls_ui(ui, sh);
            ui.add_space(8.0);
        }
        let Some(w) = self.watch.clone() else {
            ui.label("Enter a Login Name and Provider Code to follow the account.");
            return;
        };
        let Some(p) = &w.provider else {
            ui.label(format!(
                "There is no provider with Provider Code {}.",
                w.code.to_uppercase()
            ));
            self.outcome_ui(ui);
            return;
        };
        let Some(u) = &w.user else {
            if w.login.is_empty() {
                ui.label(format!(
                    "Provider {} — {}. Enter a Login Name.",
                    p.code, p.name
                ));
            } else {
                ui.label(format!(
                    "There is no user with Login Name {} in provider {}.",
                    w.login, p.code
                ));
            }
            self.outcome_ui(ui);
            return;
        };
        egui::Grid::new("operator-status")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Account").weak());
                ui.label(format!("{} ({}) in {}", u.login, u.display_name(), p.code));
                ui.end_row();
                ui.label(RichText::new("Status").weak());
                let color = match u.status {
                    Status::Active => ok_color(ui),
                    Status::AdminLocked => error_color(ui),
                    _ => warn_color(ui),
                };
                ui.label(RichText::new(u.status.label()).strong().color(color));
                ui.end_row();
                ui.label(RichText::new("Self Password Reset").weak());
                ui.label(format!(
                    "provider: {} · user: {}",
                    if p.spr_enabled {
                        "enabled"
                    } else {
                        "not enabled"
                    },
                    if u.spr_enabled {
                        "enabled"
                    } else {
                        "not enabled"
                    }
                ));
                ui.end_row();
                ui.label(RichText::new("Contacts").weak());
                ui.vertical(|ui| {
                    let show = |e: &Option<crate::core::model::Email>| {
                        e.as_ref()
                            .map_or_else(|| "—".to_owned(), ToString::to_string)
                    };
                    ui.label(format!("Email: {}", show(&u.email)));
                    ui.label(format!("Phone/Text: {}", show(&u.text_email)));
                    if let Some(t) = &u.text_email
                        && let Some(warn) = carriers::warning_for_address(t.as_str())
                    {
                        ui.label(RichText::new(warn).color(warn_color(ui)));
                    }
                });
                ui.end_row();
                ui.label(RichText::new("Failed attempts").weak());
                let left = p.policy.max_incorrect.saturating_sub(u.failed_attempts);
                ui.vertical(|ui| {
                    ui.label(format!(
                        "{} consecutive · {} more tolerated",
                        u.failed_attempts, left
                    ));
                    ui.label(RichText::new(lockout_in_words(p.policy.max_incorrect)).weak());
                });
                ui.end_row();
                if let Some(at) = u.locked_at {
                    ui.label(RichText::new("Locked at").weak());
                    ui.label(format!(
                        "{} (wrong {})",
                        at.format("%Y-%m-%d %H:%M:%S UTC"),
                        u.lock_cause.map_or("entries", IncorrectEntry::as_str)
                    ));
                    ui.end_row();
                }
                ui.label(RichText::new("Password token").weak());
                match &w.token {
                    None => {
                        ui.label("none sent yet");
                    }
                    Some(t) => {
                        use crate::core::model::TokenState;
                        let left = t.seconds_left(sh.now);
                        let state = match t.state {
                            TokenState::Live if left > 0 => format!("live — {} left", mm_ss(left)),
                            TokenState::Live => {
                                format!("expired at {}", t.expires_at.format("%H:%M:%S UTC"))
                            }
                            TokenState::Used => "used (the password was changed)".to_owned(),
                            TokenState::Invalidated => {
                                "invalidated (replaced, locked or not delivered)".to_owned()
                            }
                        };
                        ui.vertical(|ui| {
                            ui.label(state);
                            // Outside a training database the worker masked the address.
                            ui.label(format!(
                                "sent to {} at {}",
                                t.address,
                                t.sent_at.format("%H:%M:%S UTC")
                            ));
                        });
                    }
                }
                ui.end_row();
            });
        if u.status == Status::AdminLocked {
            ui.add_space(8.0);
            self.unlock_ui(ui, sh, u.id);
        } else if let Some(n) = &self.unlock_note {
            n.ui(ui);
        }
        ui.add_space(8.0);
        self.outcome_ui(ui);
        ui.add_space(8.0);
        ui.separator();
        if !w.outbox {
            ui.label(
                RichText::new(
                    "Messages go to the SMTP relay: the user's mailbox is not shown here.",
                )
                .weak(),
            );
            return;
        }
        match &w.message {
            None => {
                ui.label(RichText::new("No message to this user in the outbox.").weak());
            }
            Some(m) => {
                let is_text = m.subject.is_none();
                ui.strong(if is_text {
                    "Latest message, as the user's phone shows it"
                } else {
                    "Latest message, as the user's mailbox shows it"
                });
                ui.add_space(4.0);
                if is_text {
                    phone_ui(ui, m);
                } else {
                    mailbox_ui(ui, m);
                }
                ui.label(
                    RichText::new(format!("Placed in the outbox {}", short_time(&m.at)))
                        .weak()
                        .small(),
                );
            }
        }
    }

    fn outcome_ui(&self, ui: &mut Ui) {
        if self.outcomes.is_empty() {
            return;
        }
        ui.strong("Steps, newest first");
        for o in self.outcomes.iter().rev() {
            ui.separator();
            Self::one_outcome_ui(ui, o);
        }
    }

    fn one_outcome_ui(ui: &mut Ui, o: &Outcome) {
        ui.label(format!("{} — {}", o.at.format("%H:%M:%S"), o.step));
        match (&o.refusal, &o.error) {
            (Some(r), _) => {
                ui.horizontal_wrapped(|ui| {
                    ui.label("Refused:");
                    ui.label(
                        RichText::new(r.reason.code())
                            .monospace()
                            .color(error_color(ui)),
                    );
                });
                ui.label(r.reason.operator_text());
                if let Some(left) = r.tries_left {
                    ui.label(if r.locked_now {
                        "This entry made the account Admin Locked.".to_owned()
                    } else {
                        format!("{left} more incorrect entries tolerated before Admin Locked.")
                    });
                }
                for v in &r.violations {
                    ui.label(format!("  •  {v}"));
                }
            }
            (None, Some(e)) => {
                ui.label(
                    RichText::new(format!(
                        "Not accepted (nothing was checked or counted): {e}"
                    ))
                    .color(warn_color(ui)),
                );
            }
            (None, None) => {
                ui.label(RichText::new("ok").color(ok_color(ui)));
            }
        }
    }

    /// Unlock on the spot (§3.15): super admins and helpdesk alike, with a reason.
    fn unlock_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>, user_id: i64) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(
                RichText::new("The account is Admin Locked")
                    .strong()
                    .color(error_color(ui)),
            );
            let mut go = false;
            ui.horizontal(|ui| {
                let l = ui.label("Reason for the unlock");
                let r = ui
                    .add(TextEdit::singleline(&mut self.unlock_reason).desired_width(200.0))
                    .labelled_by(l.id);
                go |= entered(ui, &r);
            });
            go |= ui
                .add_if(
                    !self.unlock_reason.trim().is_empty(),
                    egui::Button::new("Unlock"),
                )
                .clicked();
            if let Some(n) = &self.unlock_note {
                n.ui(ui);
            }
            if go && !self.unlock_reason.trim().is_empty() {
                self.unlock_note = None;
                let reason = std::mem::take(&mut self.unlock_reason);
                sh.jobs.push(match &self.active {
                    Some(a) => Job::UnlockInSession {
                        actor: sh.operator.clone(),
                        session: a.session.id.clone(),
                        reason,
                    },
                    None => Job::Unlock {
                        actor: sh.operator.clone(),
                        user_id,
                        reason,
                    },
                });
            }
        });
    }
}
