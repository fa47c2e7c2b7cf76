//! The app shell: opening the database, first run, operator sign-in, the top bar with the
//! panels, the status line, and the lock after idle time.

mod answers;

use crate::core::secret::Secret;
use std::path::Path;

use crate::core::Location;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::{RichText, Ui};

use super::a11y::AddIf as _;
use super::login::{FirstRunForm, LoginForm};
use super::provider::ProviderPanel;
use super::reset::{ResetAction, ResetPanel};
use super::view::Jobs;
use super::widgets::{Note, error_color, ok_color};
use super::worker::{Answer, AppAnswer, Job, ServiceFactory, Worker};
use crate::core::clock::{Clock, SystemClock};
use crate::core::console::{ConsoleEvent, ConsoleSignIn};
use crate::core::model::Operator;

/// The console locks itself after this long without input (SPEC §3.9).
pub const IDLE_LOCK: Duration = Duration::from_secs(10 * 60);

pub use super::chrome::{
    ERROR_NOTE_LIFE, OK_NOTE_LIFE, Panel, StatusLine, TRAINING_BANNER, training_banner_ui,
};
use super::chrome::{banner_frame, banner_text_color};

pub use super::view::Shell;

/// The signed-in console.
#[derive(Debug)]
struct Main {
    operator: Operator,
    panel: Panel,
    overview: super::overview::OverviewPanel,
    provider: ProviderPanel,
    reset: ResetPanel,
    /// Users, Audit, Outbox and the File menu (part 2).
    data: super::data::DataViews,
    /// The user's pages fill the window (§3.15 hand-over); the operator's password ends it.
    handed_over: Option<TakeBack>,
    /// The user selected in Users whom the Reset panel's form last took (by id).
    offered_to_reset: Option<i64>,
}

/// The operator's way back from a hand-over.
#[derive(Debug, Default)]
struct TakeBack {
    open: bool,
    password: Secret,
    note: Option<Note>,
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
    location: Location,
    clock: Arc<dyn Clock>,
    /// Builds the worker's `Service`; `None`: the store at the path with `clock`.
    factory: Option<ServiceFactory>,
    /// The jobs asked for during this frame, sent to the worker at its end.
    jobs: Jobs,
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
    /// A training database: messages stay in the outbox (§3.11); the banner shows.
    is_training: bool,
    /// Whether the database is a training one must be asked again (after a sign-in or a
    /// change: the mail settings may have changed at another seat).
    training_stale: bool,
    idle_limit: Duration,
    last_input: Instant,
    /// Whether the symbol font has been added to the context.
    fonts_ready: bool,
    /// The console as the Lock left it: the same operator signing in again comes back to it.
    parked: Option<Box<Main>>,
    /// The window's size, position, theme and last panel, kept between runs (the real window
    /// only; tests run without it).
    remember: Option<super::window_state::Remember>,
}

impl ConsoleApp {
    /// A console on the database file at `path`; the worker starts with the first frame.
    pub fn new(path: &Path) -> Self {
        Self::at(Location::File(path.to_path_buf()))
    }

    /// A console on the database at `location` (a file, or a PostgreSQL database).
    pub fn at(location: Location) -> Self {
        Self {
            location,
            clock: Arc::new(SystemClock),
            factory: None,
            jobs: Jobs::default(),
            typed_paths: false,
            ready_signal: false,
            drawn: None,
            announced: None,
            worker: None,
            screen: Screen::Opening,
            status: StatusLine::default(),
            is_demo: false,
            is_training: false,
            training_stale: true,
            idle_limit: IDLE_LOCK,
            last_input: Instant::now(),
            fonts_ready: false,
            parked: None,
            remember: None,
        }
    }

    /// Changes the idle time before the console locks itself (tests use seconds).
    #[must_use]
    pub fn with_idle_limit(mut self, limit: Duration) -> Self {
        self.idle_limit = limit;
        self
    }

    /// Reads the time from `clock` instead of the system's, in the countdowns and, unless a
    /// factory is given, in the worker (tests move a settable clock to watch a token's
    /// validity run down).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the worker's `Service` with `factory` (called with the database's path, on the
    /// worker thread, again for a database opened from the File menu). Tests give a service
    /// with the fast hasher and a settable clock; give that clock to [`Self::with_clock`]
    /// too, so the countdowns read the same time.
    #[must_use]
    pub fn with_service_factory(mut self, factory: ServiceFactory) -> Self {
        self.factory = Some(factory);
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

    /// Keeps the window's size, position, theme and last panel through `remember`; a
    /// sign-in opens on the remembered panel.
    #[must_use]
    pub fn with_memory(mut self, remember: super::window_state::Remember) -> Self {
        self.remember = Some(remember);
        self
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
        match &self.location {
            Location::File(path) => path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            server @ Location::Server(_) => server.to_string(),
        }
    }

    /// Whether the user's pages fill the window (handed over).
    pub fn is_handed_over(&self) -> bool {
        matches!(&self.screen, Screen::Main(m) if m.handed_over.is_some())
    }

    /// Locks the console: back to the sign-in screen, forms and passwords forgotten; the
    /// lock is audited and ends the operator's supervised sessions.
    ///
    /// The operator's place is kept (panel, provider, searches, selection, the Reset panel,
    /// which then shows that its session ended) and comes back when the same operator signs
    /// in again; another operator starts afresh.
    pub fn lock(&mut self, why: &str) {
        if !matches!(self.screen, Screen::Main(_)) {
            return;
        }
        let login = self.operator().map(|o| o.login.clone()).unwrap_or_default();
        let screen = std::mem::replace(
            &mut self.screen,
            Screen::Login(LoginForm::for_login(&login, Some(why.to_owned()))),
        );
        if let Screen::Main(mut m) = screen {
            self.jobs.push(Job::Console {
                actor: m.operator.clone(),
                event: ConsoleEvent::Lock {
                    why: why.to_owned(),
                },
            });
            // A hand-over ends with the lock: the password typed to take it back is dropped.
            m.handed_over = None;
            self.parked = Some(m);
        }
        self.status = StatusLine::default();
    }

    /// The panel the console shows, if signed in (for tests).
    pub fn panel(&self) -> Option<Panel> {
        match &self.screen {
            Screen::Main(m) => Some(m.panel),
            _ => None,
        }
    }

    /// Draws one frame (eframe calls this through [`eframe::App::ui`]; tests call it directly):
    /// the answers that came go to their views, the views draw and ask for jobs, and the
    /// jobs go to the worker at the end, in this one place.
    pub fn ui_root(&mut self, ui: &mut Ui) {
        let file_action = self.frame_ui(ui);
        if let Some(w) = self.worker.as_mut() {
            for job in self.jobs.take() {
                w.send(job);
            }
        }
        // After the jobs went: the Open event is audited in the file being left.
        if let Some(super::file_menu::FileAction::OpenDatabase(path)) = file_action {
            self.open_database(path);
        }
    }

    /// A fresh worker opens the other file; its operators sign in there.
    fn open_database(&mut self, path: std::path::PathBuf) {
        self.location = Location::File(path);
        self.worker = None;
        self.is_demo = false;
        self.is_training = false;
        self.screen = Screen::Opening;
        self.status = StatusLine::default();
        self.jobs = Jobs::default();
    }

    fn frame_ui(&mut self, ui: &mut Ui) -> Option<super::file_menu::FileAction> {
        let ctx = ui.ctx().clone();
        super::a11y::name_window(&ctx, &super::window_title(&self.location));
        if !std::mem::replace(&mut self.fonts_ready, true) {
            super::widgets::install_symbol_font(&ctx);
            super::widgets::readable_light_theme(&ctx);
        }
        let worker = self.worker.get_or_insert_with(|| {
            let factory = self
                .factory
                .clone()
                .unwrap_or_else(|| super::worker::default_factory(self.clock.clone()));
            Worker::spawn(self.location.clone(), ctx.clone(), factory)
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

        self.ask_training();
        if self.is_handed_over() {
            self.handed_over_ui(ui);
            return None;
        }
        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status-line").show(ui, |ui| self.status_ui(ui));
        if self.is_demo || self.is_training {
            let frame = banner_frame(ui);
            egui::Panel::top("training-banner")
                .frame(frame)
                .show(ui, |ui| {
                    let color = banner_text_color(ui);
                    if self.is_training {
                        ui.label(RichText::new(TRAINING_BANNER).color(color).strong());
                    }
                    if self.is_demo {
                        ui.label(RichText::new(crate::core::demo::banner_text()).color(color));
                    }
                });
        }
        let file_action = match &mut self.screen {
            Screen::Main(_) => self.main_ui(ui),
            _ => {
                egui::CentralPanel::default().show(ui, |ui| self.outer_ui(ui));
                None
            }
        };
        self.announce_screen(&ctx);
        let panel = self.panel();
        if let Some(r) = self.remember.as_mut() {
            r.frame(&ctx, panel);
        }
        file_action
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

    /// Asks whether this is a training database, after a sign-in and after each change.
    fn ask_training(&mut self) {
        if matches!(self.screen, Screen::Main(_)) && std::mem::take(&mut self.training_stale) {
            self.jobs.push(Job::Training);
        }
    }

    /// The handed-over window: the user's pages, and a way back for the operator.
    fn handed_over_ui(&mut self, ui: &mut Ui) {
        let Screen::Main(m) = &mut self.screen else {
            return;
        };
        let busy = self.worker.as_ref().and_then(Worker::busy).is_some();
        let training = self.is_training;
        {
            let mut sh = Shell {
                operator: &m.operator,
                status: &mut self.status,
                now: self.clock.now(),
                busy,
                jobs: &mut self.jobs,
            };
            m.reset.keep_watching(&mut sh);
        }
        ui.ctx().request_repaint_after(Duration::from_secs(1));
        let Some(t) = m.handed_over.as_mut() else {
            return;
        };
        let mut job = None;
        egui::Panel::bottom("take-back").show(ui, |ui| {
            ui.add_space(4.0);
            if t.open {
                let mut go = false;
                ui.horizontal(|ui| {
                    ui.label(format!("Operator {}:", m.operator.login));
                    let l = ui.label("Operator password");
                    let r = ui
                        .add(
                            egui::TextEdit::singleline(t.password.as_mut_string())
                                .password(true)
                                .desired_width(200.0),
                        )
                        .labelled_by(l.id);
                    go |= super::widgets::entered(ui, &r);
                    go |= ui.add_if(!busy, egui::Button::new("Take back")).clicked();
                    if ui.button("Cancel").clicked() {
                        t.open = false;
                        t.password.as_mut_string().clear();
                        t.note = None;
                    }
                });
                if go && !busy && !t.password.is_empty() {
                    job = Some(Job::OperatorLogin {
                        login: m.operator.login.clone(),
                        password: t.password.take(),
                        why: ConsoleSignIn::TakeBack {
                            session: m.reset.session_id().unwrap_or_default().to_owned(),
                        },
                    });
                }
            } else if ui.small_button("Operator: take the console back").clicked() {
                t.open = true;
            }
            if let Some(n) = &t.note {
                n.ui(ui);
            }
            ui.add_space(4.0);
        });
        if training {
            egui::Panel::top("training-banner-user").show(ui, training_banner_ui);
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(j) = m.reset.handed_over_ui(ui, busy, self.clock.now()) {
                job = Some(j);
            }
        });
        if let Some(j) = job {
            self.jobs.push(j);
        }
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        let db_name = self.db_name();
        let path = self.location.to_string();
        let mut lock = false;
        // Below this width the tabs and the right-hand controls would overlap: the database
        // name (also in the window title) and the word "Theme" give way.
        let narrow = ui.available_width() < 1120.0;
        let mut sign_out = false;
        let training = self.is_training;
        ui.horizontal(|ui| {
            ui.add_space(2.0);
            let name = ui.label(RichText::new("spr-console").strong());
            if narrow {
                name.on_hover_text(format!("Database: {path}"));
            } else {
                ui.label(RichText::new(format!("Database: {db_name}")).weak())
                    .on_hover_text(path);
            }
            if let Screen::Main(m) = &mut self.screen {
                ui.separator();
                m.data.files.menu_ui(ui, m.operator.is_super_admin());
                // Outside a training database no operator reads a token: no Outbox (§3.11).
                for p in Panel::ALL
                    .into_iter()
                    .filter(|p| p.is_built() && (training || *p != Panel::Outbox))
                {
                    let tab = ui.selectable_label(m.panel == p, p.label());
                    // The panel switcher reads as tabs, the shown panel as the selected one.
                    ui.ctx().accesskit_node_builder(tab.id, |n| {
                        n.set_role(egui::accesskit::Role::Tab);
                        // Selected, not "checked": a tab is no toggle button.
                        n.clear_toggled();
                        n.set_selected(m.panel == p);
                    });
                    if tab.clicked() {
                        if m.panel != p {
                            self.status.leave_panel();
                        }
                        // Reset takes the user selected in Users (not over a running
                        // session, and not again once the operator has changed the form).
                        if p == Panel::Reset
                            && m.panel != p
                            && let Some(u) = m.data.users.selected_user()
                            && m.offered_to_reset != Some(u.id)
                        {
                            m.offered_to_reset = Some(u.id);
                            m.reset
                                .prepare_start(u.provider_code.as_str(), u.login.as_str());
                        }
                        m.panel = p;
                        if p == Panel::Provider {
                            m.provider.refresh();
                        }
                        if p == Panel::Overview {
                            m.overview.refresh();
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
                // The operator's name opens a menu with Sign out (the bar holds at 1024 points).
                if let Screen::Main(m) = &self.screen {
                    ui.menu_button(
                        format!("{} ({})", m.operator.login, m.operator.role.label()),
                        |ui| {
                            if ui.button("Sign out").clicked() {
                                sign_out = true;
                                ui.close();
                            }
                        },
                    );
                }
            });
        });
        if lock {
            self.lock("The console is locked. Sign in again to go on.");
        }
        if sign_out && let Screen::Main(m) = &self.screen {
            self.jobs.push(Job::Console {
                actor: m.operator.clone(),
                event: ConsoleEvent::SignOut,
            });
            self.screen = Screen::Login(LoginForm::default());
            self.status = StatusLine::default();
            self.status.ok("Signed out.");
        }
    }

    fn status_ui(&mut self, ui: &mut Ui) {
        if let Some(left) = self.status.expire() {
            ui.ctx().request_repaint_after(left);
        }
        ui.horizontal(|ui| {
            if let Some(busy) = self.worker.as_ref().and_then(Worker::busy) {
                ui.spinner();
                ui.label(busy);
                ui.separator();
            }
            let line = match &self.status.note {
                Some((Note::Ok(t), _)) => ui.label(RichText::new(t).color(ok_color(ui))),
                Some((Note::Error(t), _)) => ui.label(RichText::new(t).color(error_color(ui))),
                Some((Note::Info(t), _)) => ui.label(t),
                None => ui.label(RichText::new("Ready.").weak()),
            };
            // A screen reader announces each new result without moving the focus.
            ui.ctx().accesskit_node_builder(line.id, |n| {
                n.set_live(egui::accesskit::Live::Polite);
            });
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
                    super::widgets::heading(ui, "The database cannot be used");
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
        if let Some(job) = job {
            self.jobs.push(job);
        }
    }

    /// The signed-in console: the File menu's strip and the shown panel; returns what the
    /// File menu asks of the app (applied once the frame's jobs went).
    fn main_ui(&mut self, ui: &mut Ui) -> Option<super::file_menu::FileAction> {
        let Screen::Main(m) = &mut self.screen else {
            return None;
        };
        let mut sh = Shell {
            operator: &m.operator,
            status: &mut self.status,
            now: self.clock.now(),
            busy: self.worker.as_ref().and_then(Worker::busy).is_some(),
            jobs: &mut self.jobs,
        };
        // The File menu's dialogs, backup progress and result: a strip under the top bar.
        let file_action = egui::Panel::top("file-status")
            .show_separator_line(false)
            .show(ui, |ui| m.data.files.status_ui(ui, &mut sh))
            .inner;
        if m.panel == Panel::Outbox && !self.is_training {
            m.panel = Panel::Reset;
        }
        let mut reset_action = ResetAction::None;
        let central = egui::CentralPanel::default();
        match m.panel {
            Panel::Overview => m.overview.ui(ui, &mut sh),
            Panel::Provider => {
                m.provider.ui(ui, &mut sh);
                if let Some((provider_id, card)) = m.provider.open_users.take() {
                    m.data.users.show_count(provider_id, card);
                    m.panel = Panel::Users;
                }
            }
            Panel::Reset => {
                m.reset.suggest_code(m.provider.selected.as_deref());
                reset_action = m.reset.ui(ui, &mut sh);
            }
            Panel::Users => {
                central.show(ui, |ui| m.data.users.ui(ui, &mut sh));
                if let Some((code, login)) = m.data.users.start_session.take() {
                    m.reset.prepare_start(&code, &login);
                    m.panel = Panel::Reset;
                }
            }
            Panel::Audit => {
                central.show(ui, |ui| m.data.audit.ui(ui, &mut sh));
            }
            Panel::Outbox => {
                central.show(ui, |ui| m.data.outbox.ui(ui, &mut sh));
            }
        }
        if reset_action == ResetAction::HandOver
            && let Some(id) = m.reset.session_id()
        {
            sh.jobs.push(Job::Console {
                actor: m.operator.clone(),
                event: ConsoleEvent::HandOver {
                    session: id.to_owned(),
                },
            });
            m.handed_over = Some(TakeBack::default());
        }
        if let Some(super::file_menu::FileAction::OpenDatabase(path)) = &file_action {
            sh.jobs.push(Job::Console {
                actor: m.operator.clone(),
                event: ConsoleEvent::OpenDatabase {
                    path: path.display().to_string(),
                },
            });
        }
        file_action
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
    if pref != before {
        ui.ctx().set_theme(pref);
    }
}

impl std::fmt::Debug for ConsoleApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleApp")
            .field("location", &self.location)
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

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(r) = self.remember.as_mut() {
            r.write();
        }
    }
}
