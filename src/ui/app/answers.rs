//! The worker's answers to the app itself: each handed to the view that owns its kind, and
//! the sign-in that opens the console.

#[allow(clippy::wildcard_imports)]
use super::*;

impl ConsoleApp {
    /// Hands each answer to the view that owns its kind: one match, no chain of panels.
    pub(super) fn on_answer(&mut self, a: Answer) {
        match a {
            Answer::App(a) => self.on_app_answer(a),
            Answer::Overview(a) => self.in_console(|m, sh| m.overview.on_answer(a, sh)),
            Answer::Provider(a) => self.in_console(|m, sh| m.provider.on_answer(a, sh)),
            Answer::Reset(a) => self.in_console(|m, sh| m.reset.on_answer(a, sh)),
            Answer::Users(a) => self.in_console(|m, sh| m.data.users.on_answer(a, sh)),
            Answer::Audit(a) => self.in_console(|m, _| m.data.audit.on_answer(a)),
            Answer::Outbox(a) => self.in_console(|m, _| m.data.outbox.on_answer(a)),
            Answer::Files(a) => self.in_console(|m, _| m.data.files.on_answer(a)),
        }
    }

    /// Runs `f` on the signed-in console's views with their shell; an answer that comes
    /// after the console was locked or left is dropped.
    pub(super) fn in_console(&mut self, f: impl FnOnce(&mut Main, &mut Shell<'_>)) {
        let Screen::Main(m) = &mut self.screen else {
            return;
        };
        let operator = m.operator.clone();
        let mut sh = Shell {
            operator: &operator,
            status: &mut self.status,
            now: self.clock.now(),
            busy: self.worker.as_ref().and_then(Worker::busy).is_some(),
            jobs: &mut self.jobs,
        };
        f(m, &mut sh);
    }

    /// The app shell's own answers: the screens before the console, and changes seen.
    pub(super) fn on_app_answer(&mut self, a: AppAnswer) {
        match a {
            AppAnswer::Opened(r) => match r {
                Ok(o) => {
                    self.is_demo = o.is_demo;
                    self.is_training = o.is_training;
                    self.screen = if o.needs_first_operator {
                        Screen::FirstRun(FirstRunForm::default())
                    } else {
                        Screen::Login(LoginForm::default())
                    };
                }
                Err(e) => self.screen = Screen::Failed(e.to_string()),
            },
            AppAnswer::FirstOperator(r) => match r {
                Ok(op) => {
                    self.status.ok(format!(
                        "Super admin {} created. Next: add a provider and enable Self Password Reset.",
                        op.login
                    ));
                    // A new database has nothing to overview yet: its next step is a provider.
                    self.sign_in(op, Some(Panel::Provider));
                }
                Err(e) => {
                    if let Screen::FirstRun(f) = &mut self.screen {
                        f.note = Some(Note::Error(e.to_string()));
                    }
                }
            },
            AppAnswer::OperatorLogin(r) => self.signed_in(r),
            AppAnswer::OperatorWait { login, wait } => {
                if let Screen::Login(f) = &mut self.screen
                    && f.login.trim() == login
                {
                    f.set_wait(wait);
                }
            }
            AppAnswer::Crashed(msg) => self.status.error(msg),
            AppAnswer::Training(r) => {
                if let Ok(t) = r {
                    self.is_training = t;
                }
            }
            AppAnswer::Console(r) => {
                if let Err(e) = r {
                    self.status.error(e.to_string());
                }
            }
            AppAnswer::Changed => {
                // Every view that shows the database reads it again: the shown one now,
                // the others when they are next drawn.
                self.training_stale = true;
                if let Screen::Main(m) = &mut self.screen {
                    m.overview.refresh();
                    m.provider.changed();
                    m.reset.changed();
                    m.data.users.refresh();
                    m.data.audit.refresh();
                    m.data.outbox.refresh();
                }
            }
        }
    }

    /// The answer to a password check: the sign-in, or the take-back after a hand-over.
    pub(super) fn signed_in(&mut self, r: Result<Operator, crate::core::CoreError>) {
        if let Screen::Main(m) = &mut self.screen {
            if let Some(t) = m.handed_over.as_mut() {
                match r {
                    Ok(op) if op.login == m.operator.login => {
                        m.handed_over = None;
                        self.status.ok("The operator view is back.");
                    }
                    Ok(_) => {
                        t.note = Some(Note::Error(
                            "Only the operator who handed the window over can take it back.".into(),
                        ));
                    }
                    Err(e) => t.note = Some(Note::Error(e.to_string())),
                }
            }
            return;
        }
        match r {
            Ok(op) => {
                self.status
                    .ok(format!("Signed in as {} ({}).", op.login, op.role.label()));
                self.sign_in(op, None);
            }
            Err(e) => {
                if let Screen::Login(f) = &mut self.screen {
                    f.note = Some(Note::Error(e.to_string()));
                    f.focus_password = true;
                    self.jobs.push(Job::OperatorWait {
                        login: f.login.trim().to_owned(),
                    });
                }
            }
        }
    }

    /// Opens the console for `operator`, on `panel` or the role's first panel.
    pub(super) fn sign_in(&mut self, operator: Operator, panel: Option<Panel>) {
        self.last_input = Instant::now();
        self.training_stale = true;
        // Back from the Lock: the same operator finds the console as they left it, its views
        // read again (other seats may have changed things meanwhile).
        if let Some(mut m) = self.parked.take()
            && m.operator.id == operator.id
            && m.operator.role == operator.role
        {
            m.operator = operator;
            m.provider.refresh();
            m.overview.refresh();
            m.data.users.refresh();
            m.data.audit.refresh();
            self.screen = Screen::Main(m);
            return;
        }
        // The Overview is the super admin's morning (SPEC §5); helpdesk operators start at the
        // provider they help with.
        // The panel the window showed last time comes first (not the Outbox: whether this
        // database keeps one is only known a moment later).
        let remembered = self
            .remember
            .as_ref()
            .and_then(|r| r.loaded().panel())
            .filter(|p| *p != Panel::Outbox);
        let panel = panel
            .or(remembered)
            .unwrap_or(if operator.is_super_admin() {
                Panel::Overview
            } else {
                Panel::Provider
            });
        let mut data = crate::ui::data::DataViews::default();
        data.users.dialogs.typed_only = self.typed_paths;
        data.audit.dialogs.typed_only = self.typed_paths;
        data.files.dialogs.typed_only = self.typed_paths;
        self.screen = Screen::Main(Box::new(Main {
            operator,
            panel,
            overview: crate::ui::overview::OverviewPanel::default(),
            provider: ProviderPanel::default(),
            reset: ResetPanel::default(),
            data,
            handed_over: None,
            offered_to_reset: None,
        }));
    }
}
