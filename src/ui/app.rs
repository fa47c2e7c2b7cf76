//! The app shell: opening the database, first run, operator sign-in, the top bar with the
//! panels, the status line, and the lock after idle time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use egui::{RichText, Ui};

use super::login::{FirstRunForm, LoginForm};
use super::provider::ProviderPanel;
use super::reset::ResetPanel;
use super::widgets::{Note, error_color, ok_color};
use super::worker::{Answer, Job, Worker};
use crate::core::clock::{Clock, SystemClock};
use crate::core::model::Operator;

/// The console locks itself after this long without input (SPEC §3.9).
pub const IDLE_LOCK: Duration = Duration::from_secs(10 * 60);

/// The panels of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Provider,
    Users,
    Reset,
    Audit,
    Outbox,
}

impl Panel {
    /// Every panel, in the order of the top bar.
    pub const ALL: [Panel; 5] = [
        Panel::Provider,
        Panel::Users,
        Panel::Reset,
        Panel::Audit,
        Panel::Outbox,
    ];

    /// The tab's words.
    pub fn label(self) -> &'static str {
        match self {
            Panel::Provider => "Provider",
            Panel::Users => "Users",
            Panel::Reset => "Reset",
            Panel::Audit => "Audit",
            Panel::Outbox => "Outbox",
        }
    }

    /// Whether the panel exists in this build.
    pub fn is_built(self) -> bool {
        Panel::ALL.contains(&self)
    }
}

/// The status line: the last result or error, in one readable sentence.
#[derive(Debug, Default)]
pub struct StatusLine {
    note: Option<(Note, Instant)>,
}

impl StatusLine {
    /// Reports a success.
    pub fn ok(&mut self, text: impl Into<String>) {
        self.note = Some((Note::Ok(text.into()), Instant::now()));
    }

    /// Reports an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.note = Some((Note::Error(text.into()), Instant::now()));
    }

    /// The current message, if any.
    pub fn text(&self) -> Option<&str> {
        self.note.as_ref().map(|(n, _)| match n {
            Note::Ok(t) | Note::Error(t) | Note::Info(t) => t.as_str(),
        })
    }
}

/// What a panel needs from the shell while it draws or takes an answer.
pub struct Shell<'a> {
    pub worker: &'a mut Worker,
    pub operator: &'a Operator,
    pub status: &'a mut StatusLine,
    /// This frame's time, from the console's clock (countdowns).
    pub now: DateTime<Utc>,
}

/// The signed-in console.
#[derive(Debug)]
struct Main {
    operator: Operator,
    panel: Panel,
    provider: ProviderPanel,
    reset: ResetPanel,
    /// Users, Audit, Outbox and the File menu (part 2).
    data: super::data::DataViews,
}

#[derive(Debug)]
enum Screen {
    Opening,
    /// The database could not be opened; the sentence says why.
    Failed(String),
    FirstRun(FirstRunForm),
    Login(LoginForm),
    Main(Box<Main>),
}

/// The eframe app.
pub struct ConsoleApp {
    path: PathBuf,
    clock: Arc<dyn Clock>,
    /// Ask for typed paths instead of native file dialogs.
    typed_paths: bool,
    /// Write `ready: <screen>` on stderr once a screen has been drawn (scripts wait for it).
    ready_signal: bool,
    /// The screen drawn by the last frame, and the one last announced.
    drawn: Option<&'static str>,
    announced: Option<&'static str>,
    worker: Option<Worker>,
    screen: Screen,
    status: StatusLine,
    is_demo: bool,
    idle_limit: Duration,
    last_input: Instant,
}

impl ConsoleApp {
    /// A console on the database at `path`; the worker starts with the first frame.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            clock: Arc::new(SystemClock),
            typed_paths: false,
            ready_signal: false,
            drawn: None,
            announced: None,
            worker: None,
            screen: Screen::Opening,
            status: StatusLine::default(),
            is_demo: false,
            idle_limit: IDLE_LOCK,
            last_input: Instant::now(),
        }
    }

    /// Changes the idle time before the console locks itself (tests use seconds).
    #[must_use]
    pub fn with_idle_limit(mut self, limit: Duration) -> Self {
        self.idle_limit = limit;
        self
    }

    /// Reads the time from `clock` instead of the system's, in the worker and the countdowns
    /// (tests move a settable clock to watch a token's validity run down).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Never opens a native file dialog: every file is asked for as a typed path. Tests use
    /// this so they behave the same whether or not zenity or the desktop portal is installed.
    #[must_use]
    pub fn with_typed_paths(mut self) -> Self {
        self.typed_paths = true;
        self
    }

    /// Writes `ready: <screen>` on stderr the frame after a new screen was first drawn
    /// (`first-run`, `sign-in`, `console`, or `error: <why>` for a database that cannot be
    /// used), so that a script waits for the window instead of sleeping.
    #[must_use]
    pub fn with_ready_signal(mut self) -> Self {
        self.ready_signal = true;
        self
    }

    /// The name of the screen shown, `None` while the database opens.
    fn screen_name(&self) -> Option<&'static str> {
        match &self.screen {
            Screen::Opening => None,
            Screen::Failed(_) => Some("error"),
            Screen::FirstRun(_) => Some("first-run"),
            Screen::Login(_) => Some("sign-in"),
            Screen::Main(_) => Some("console"),
        }
    }

    /// Announces the screen the last frame drew, once, and asks for a frame to do so.
    fn announce_screen(&mut self, ctx: &egui::Context) {
        if !self.ready_signal {
            return;
        }
        if self.drawn.is_some() && self.drawn != self.announced {
            self.announced = self.drawn;
            match (&self.screen, self.drawn) {
                (Screen::Failed(why), Some("error")) => eprintln!("ready: error: {why}"),
                (_, Some(name)) => eprintln!("ready: {name}"),
                _ => {}
            }
        }
        self.drawn = self.screen_name();
        if self.drawn != self.announced {
            ctx.request_repaint();
        }
    }

    /// How many worker jobs are sent and not answered yet (tests wait for 0, not a sleep).
    pub fn jobs_in_flight(&self) -> usize {
        self.worker.as_ref().map_or(0, Worker::in_flight)
    }

    /// The status line's current message (for tests).
    pub fn status_text(&self) -> Option<&str> {
        self.status.text()
    }

    /// The signed-in operator, if any.
    pub fn operator(&self) -> Option<&Operator> {
        match &self.screen {
            Screen::Main(m) => Some(&m.operator),
            _ => None,
        }
    }

    fn db_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// Locks the console: back to the sign-in screen, forms and passwords forgotten.
    pub fn lock(&mut self, why: &str) {
        if let Screen::Main(m) = &self.screen {
            let login = m.operator.login.clone();
            self.screen = Screen::Login(LoginForm::for_login(&login, Some(why.to_owned())));
            self.status = StatusLine::default();
        }
    }

    /// Draws one frame (eframe calls this through [`eframe::App::ui`]; tests call it directly).
    pub fn ui_root(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let worker = self.worker.get_or_insert_with(|| {
            Worker::spawn(self.path.clone(), ctx.clone(), self.clock.clone())
        });
        let answers = worker.poll();
        let stopped = worker.stopped();
        for a in answers {
            self.on_answer(a);
        }
        if stopped && !matches!(self.screen, Screen::Failed(_)) {
            self.screen = Screen::Failed(
                "The console's background worker stopped. Close the window and start spr-console again.".into(),
            );
        }
        self.idle_check(&ctx);

        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status-line").show(ui, |ui| self.status_ui(ui));
        if self.is_demo {
            // Pale yellow on light, deep amber on dark: readable on both themes.
            let (fill, text) = if ui.visuals().dark_mode {
                (
                    egui::Color32::from_rgb(0x4a, 0x3b, 0x12),
                    egui::Color32::from_rgb(0xf5, 0xe6, 0xb8),
                )
            } else {
                (
                    egui::Color32::from_rgb(0xff, 0xf3, 0xc4),
                    egui::Color32::from_rgb(0x3d, 0x2e, 0x00),
                )
            };
            egui::Panel::top("demo-banner")
                .frame(
                    egui::Frame::new()
                        .fill(fill)
                        .inner_margin(egui::Margin::symmetric(10, 6)),
                )
                .show(ui, |ui| {
                    ui.label(RichText::new(crate::core::demo::banner_text()).color(text));
                });
        }
        match &mut self.screen {
            Screen::Main(_) => self.main_ui(ui),
            _ => {
                egui::CentralPanel::default().show(ui, |ui| self.outer_ui(ui));
            }
        }
        self.announce_screen(&ctx);
    }

    fn idle_check(&mut self, ctx: &egui::Context) {
        let input = ctx.input(|i| !i.events.is_empty() || i.pointer.any_down());
        if input {
            self.last_input = Instant::now();
        }
        if matches!(self.screen, Screen::Main(_)) {
            let idle = self.last_input.elapsed();
            if idle >= self.idle_limit {
                let mins = self.idle_limit.as_secs() / 60;
                let why = if mins > 0 {
                    format!(
                        "The console locked itself after {mins} idle minutes. Sign in again to go on."
                    )
                } else {
                    "The console locked itself after idle time. Sign in again to go on.".to_owned()
                };
                self.lock(&why);
            } else {
                ctx.request_repaint_after(self.idle_limit - idle);
            }
        }
    }

    fn on_answer(&mut self, a: Answer) {
        let Some(worker) = self.worker.as_mut() else {
            return;
        };
        let a = match a {
            Answer::Opened(r) => {
                match r {
                    Ok(o) => {
                        self.is_demo = o.is_demo;
                        self.screen = if o.needs_first_operator {
                            Screen::FirstRun(FirstRunForm::default())
                        } else {
                            Screen::Login(LoginForm::default())
                        };
                    }
                    Err(e) => self.screen = Screen::Failed(e.to_string()),
                }
                return;
            }
            Answer::FirstOperator(r) => {
                match r {
                    Ok(op) => {
                        self.status.ok(format!(
                            "Super admin {} created. Next: add a provider and enable Self Password Reset.",
                            op.login
                        ));
                        self.sign_in(op);
                    }
                    Err(e) => {
                        if let Screen::FirstRun(f) = &mut self.screen {
                            f.note = Some(Note::Error(e.to_string()));
                        }
                    }
                }
                return;
            }
            Answer::OperatorLogin(r) => {
                match r {
                    Ok(op) => {
                        self.status
                            .ok(format!("Signed in as {} ({}).", op.login, op.role.label()));
                        self.sign_in(op);
                    }
                    Err(e) => {
                        if let Screen::Login(f) = &mut self.screen {
                            f.note = Some(Note::Error(e.to_string()));
                            f.focus_password = true;
                            worker.send(Job::OperatorWait {
                                login: f.login.trim().to_owned(),
                            });
                        }
                    }
                }
                return;
            }
            Answer::OperatorWait { login, wait } => {
                if let Screen::Login(f) = &mut self.screen
                    && f.login.trim() == login
                {
                    f.set_wait(wait);
                }
                return;
            }
            Answer::Crashed(msg) => {
                self.status.error(msg);
                return;
            }
            other => other,
        };
        let Screen::Main(m) = &mut self.screen else {
            // An answer for a screen that was locked meanwhile.
            return;
        };
        let mut sh = Shell {
            worker,
            operator: &m.operator,
            status: &mut self.status,
            now: self.clock.now(),
        };
        let Some(a) = m.provider.on_answer(a, &mut sh) else {
            return;
        };
        let Some(a) = m.reset.on_answer(a, &mut sh) else {
            return;
        };
        let _unrouted = m.data.route(a, &mut sh);
    }

    fn sign_in(&mut self, operator: Operator) {
        self.last_input = Instant::now();
        let mut data = super::data::DataViews::default();
        data.users.dialogs.typed_only = self.typed_paths;
        data.audit.dialogs.typed_only = self.typed_paths;
        data.files.dialogs.typed_only = self.typed_paths;
        self.screen = Screen::Main(Box::new(Main {
            operator,
            panel: Panel::Provider,
            provider: ProviderPanel::default(),
            reset: ResetPanel::default(),
            data,
        }));
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        let db_name = self.db_name();
        let path = self.path.display().to_string();
        let mut lock = false;
        ui.horizontal(|ui| {
            ui.add_space(2.0);
            ui.label(RichText::new("spr-console").strong());
            ui.label(RichText::new(format!("Database: {db_name}")).weak())
                .on_hover_text(path);
            if let Screen::Main(m) = &mut self.screen {
                ui.separator();
                m.data.files.menu_ui(ui, m.operator.is_super_admin());
                for p in Panel::ALL.into_iter().filter(|p| p.is_built()) {
                    if ui.selectable_label(m.panel == p, p.label()).clicked() {
                        m.panel = p;
                        if p == Panel::Provider {
                            m.provider.refresh();
                        }
                    }
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if matches!(self.screen, Screen::Main(_)) {
                    lock = ui
                        .button("Lock")
                        .on_hover_text("Lock the console now; sign in again to go on")
                        .clicked();
                }
                theme_switch(ui);
                if let Screen::Main(m) = &self.screen {
                    ui.label(format!(
                        "{} ({})",
                        m.operator.login,
                        m.operator.role.label()
                    ));
                }
            });
        });
        if lock {
            self.lock("The console is locked. Sign in again to go on.");
        }
    }

    fn status_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some(busy) = self.worker.as_ref().and_then(Worker::busy) {
                ui.spinner();
                ui.label(busy);
                ui.separator();
            }
            match &self.status.note {
                Some((Note::Ok(t), _)) => {
                    ui.label(RichText::new(t).color(ok_color(ui)));
                }
                Some((Note::Error(t), _)) => {
                    ui.label(RichText::new(t).color(error_color(ui)));
                }
                Some((Note::Info(t), _)) => {
                    ui.label(t);
                }
                None => {
                    ui.label(RichText::new("Ready.").weak());
                }
            }
        });
    }

    fn outer_ui(&mut self, ui: &mut Ui) {
        let busy = self.worker.as_ref().and_then(Worker::busy).is_some();
        let db_name = self.db_name();
        let job = match &mut self.screen {
            Screen::Opening => {
                ui.vertical_centered(|ui| {
                    ui.add_space(80.0);
                    ui.spinner();
                    ui.label(format!("Opening {db_name}…"));
                });
                None
            }
            Screen::Failed(msg) => {
                ui.vertical_centered(|ui| {
                    ui.add_space(80.0);
                    ui.heading("The database cannot be used");
                    ui.add_space(8.0);
                    ui.label(RichText::new(msg.as_str()).color(error_color(ui)));
                    ui.add_space(8.0);
                    ui.label("Start spr-console with --db PATH (or SPR_CONSOLE_DB) to open another file.");
                });
                None
            }
            Screen::FirstRun(f) => f.ui(ui, busy),
            Screen::Login(f) => f.ui(ui, busy, &db_name),
            Screen::Main(_) => None,
        };
        if let (Some(job), Some(w)) = (job, self.worker.as_mut()) {
            w.send(job);
        }
    }

    fn main_ui(&mut self, ui: &mut Ui) {
        let (Screen::Main(m), Some(worker)) = (&mut self.screen, self.worker.as_mut()) else {
            return;
        };
        let mut sh = Shell {
            worker,
            operator: &m.operator,
            status: &mut self.status,
            now: self.clock.now(),
        };
        let file_action = m.data.files_ui(ui, &mut sh);
        match m.panel {
            Panel::Provider => m.provider.ui(ui, &mut sh),
            Panel::Reset => {
                m.reset.suggest_code(m.provider.selected.as_deref());
                m.reset.ui(ui, &mut sh);
            }
            Panel::Users => m.data.users_ui(ui, &mut sh),
            Panel::Audit => m.data.audit_ui(ui, &mut sh),
            Panel::Outbox => m.data.outbox_ui(ui, &mut sh),
        }
        if let Some(super::file_menu::FileAction::OpenDatabase(path)) = file_action {
            // A fresh worker opens the other file; its operators sign in there.
            self.path = path;
            self.worker = None;
            self.is_demo = false;
            self.screen = Screen::Opening;
            self.status = StatusLine::default();
        }
    }
}

/// Light, dark, or following the system (the start), in words: the default fonts have no
/// glyphs for egui's theme icons.
fn theme_switch(ui: &mut Ui) {
    use egui::ThemePreference as T;
    let mut pref = ui.options(|o| o.theme_preference);
    let before = pref;
    // Right to left: the last one added is leftmost.
    for (t, words) in [
        (T::Dark, "Dark"),
        (T::Light, "Light"),
        (T::System, "System"),
    ] {
        ui.selectable_value(&mut pref, t, words)
            .on_hover_text(format!("Theme: {}", words.to_lowercase()));
    }
    ui.label(RichText::new("Theme").weak());
    if pref != before {
        ui.ctx().set_theme(pref);
    }
}

impl std::fmt::Debug for ConsoleApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleApp")
            .field("path", &self.path)
            .field("typed_paths", &self.typed_paths)
            .field("worker", &self.worker)
            .field("screen", &self.screen)
            .finish_non_exhaustive()
    }
}

impl eframe::App for ConsoleApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.ui_root(ui);
    }
}
