//! The Reset panel: the supervised flow screen by screen as the help article shows it, and
//! beside it the operator's live view of the account.
//!
//! The person's side shows only what SPEC §3.3 allows (the uniform "Password Reset Error");
//! the exact reason is shown on the operator's side only.

use std::time::{Duration, Instant};

use chrono::Utc;
use egui::{RichText, Ui};

use super::app::Shell;
use super::widgets::{
    FIELD_WIDTH, Note, entered, error_color, field_row, form_grid, mailbox_ui, mm_ss, ok_color,
    phone_ui, short_time, warn_color,
};
use super::worker::{Answer, FlowInput, FlowStep, Job, WatchView};
use crate::core::Reason;
use crate::core::error::{PASSWORD_RESET_ERROR, PASSWORD_RESET_ERROR_CAUSES};
use crate::core::model::Status;
use crate::core::policy::lockout_in_words;
use crate::core::{CoreError, Refusal};
use crate::mail::carriers;

/// The link that leaves a step of the flow.
const BACK_TO_LOGIN: &str = "Back to the login page";

/// How often the operator's view is read again.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The screens of the flow, in the help article's order, and the Settings step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Login,
    ForgotPassword,
    ChangePassword,
    Confirmation,
    SettingsVerify,
    SettingsConfigure,
}

impl Page {
    fn title(self) -> &'static str {
        match self {
            Page::Login => "Login",
            Page::ForgotPassword => "Reset Password",
            Page::ChangePassword => "Change Password",
            Page::Confirmation => "Password Changed",
            Page::SettingsVerify => "Settings: Self Password Reset",
            Page::SettingsConfigure => "Self Password Reset Configuration",
        }
    }
}

/// What the person at the form is shown after a step.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PersonNote {
    Plain(Note),
    /// The uniform Forgot Password refusal, with the help article's causes.
    ResetError,
}

/// The outcome of the last step, for the operator.
#[derive(Clone, Debug)]
struct Outcome {
    step: &'static str,
    refusal: Option<Refusal>,
    /// An input or other error (no reason code: nothing was checked or counted).
    error: Option<String>,
}

/// The Reset panel's state.
#[derive(Debug)]
pub struct ResetPanel {
    pub page: Page,
    /// Put the cursor in the page's first empty field on the next frame.
    focus_first: bool,
    login: String,
    code: String,
    password: String,
    address: String,
    token: String,
    new_password: String,
    confirm: String,
    current_password: String,
    email: String,
    text_email: String,
    phone: String,
    carrier: String,
    helper_note: Option<Note>,
    person: Option<PersonNote>,
    outcome: Option<Outcome>,
    watch: Option<WatchView>,
    watch_asked: Option<Instant>,
    watch_pending: bool,
}

impl Default for ResetPanel {
    fn default() -> Self {
        Self {
            page: Page::Login,
            focus_first: true,
            login: String::new(),
            code: String::new(),
            password: String::new(),
            address: String::new(),
            token: String::new(),
            new_password: String::new(),
            confirm: String::new(),
            current_password: String::new(),
            email: String::new(),
            text_email: String::new(),
            phone: String::new(),
            carrier: carriers::carriers()
                .iter()
                .find(|c| c.status == carriers::GatewayStatus::Active)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            helper_note: None,
            person: None,
            outcome: None,
            watch: None,
            watch_asked: None,
            watch_pending: false,
        }
    }
}

/// A form of labelled fields (label, value, hidden); true when Enter was pressed in one.
/// With `focus` set, the first empty field (else the first) takes the cursor, once.
fn fields_ui<const N: usize>(
    ui: &mut Ui,
    id: &str,
    focus: &mut bool,
    fields: [(&str, &mut String, bool); N],
) -> bool {
    let first_empty = fields.iter().position(|f| f.1.is_empty()).unwrap_or(0);
    form_grid(id)
        .show(ui, |ui| {
            let mut submit = false;
            for (i, (label, value, password)) in fields.into_iter().enumerate() {
                let r = field_row(ui, label, value, password);
                // A new form's first pass only sizes the grid (its widgets cannot take focus
                // yet), so keep asking until the field has it.
                if *focus && i == first_empty {
                    if r.has_focus() {
                        *focus = false;
                    } else {
                        r.request_focus();
                    }
                }
                submit |= entered(ui, &r);
            }
            submit
        })
        .inner
}

fn step_name(step: FlowStep) -> &'static str {
    match step {
        FlowStep::Request => "Reset Password (Submit)",
        FlowStep::Resend => "Change Password (Resend)",
        FlowStep::Complete => "Change Password (Submit)",
        FlowStep::Login => "Login",
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

    fn go(&mut self, page: Page) {
        self.page = page;
        self.focus_first = true;
        self.person = None;
        self.password.clear();
        self.token.clear();
        self.new_password.clear();
        self.confirm.clear();
        if !matches!(page, Page::SettingsConfigure) {
            self.current_password.clear();
        }
    }

    fn outcome_of(&mut self, step: &'static str, r: &Result<(), &CoreError>) {
        self.outcome = Some(match r {
            Ok(()) => Outcome {
                step,
                refusal: None,
                error: None,
            },
            Err(CoreError::Refused(refusal)) => Outcome {
                step,
                refusal: Some(refusal.clone()),
                error: None,
            },
            Err(e) => Outcome {
                step,
                refusal: None,
                error: Some(e.to_string()),
            },
        });
        // The account may have changed: read it again now.
        self.watch_asked = None;
    }

    /// Takes the worker's answers that belong to this panel; returns the others.
    pub fn on_answer(&mut self, answer: Answer, sh: &mut Shell<'_>) -> Option<Answer> {
        match answer {
            Answer::Watch(r) => {
                self.watch_pending = false;
                match r {
                    Ok(v) => self.watch = Some(*v),
                    Err(e) => sh.status.error(e.to_string()),
                }
            }
            Answer::Flow {
                step,
                code,
                login,
                result,
            } => {
                if code != self.code || login != self.login {
                    // An answer for an account the form has moved away from.
                    return None;
                }
                self.outcome_of(step_name(step), &result.as_ref().map(|_| ()));
                match (step, result) {
                    (FlowStep::Request, Ok(ok)) => {
                        self.go(Page::ChangePassword);
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message)));
                    }
                    (FlowStep::Request, Err(CoreError::Refused(r)))
                        if r.reason != Reason::DeliveryFailed =>
                    {
                        self.person = Some(PersonNote::ResetError);
                    }
                    (FlowStep::Resend, Ok(ok)) => {
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message)));
                    }
                    (FlowStep::Complete, Ok(ok)) => {
                        self.go(Page::Confirmation);
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message)));
                    }
                    (FlowStep::Login, Ok(ok)) => {
                        self.password.clear();
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message)));
                    }
                    (_, Err(e)) => {
                        if step == FlowStep::Login {
                            self.password.clear();
                        }
                        self.person = Some(PersonNote::Plain(Note::Error(e.to_string())));
                    }
                }
            }
            Answer::Verified(r) => {
                self.outcome_of("Settings (Verify)", &r.as_ref().map(|_| ()));
                match r {
                    Ok(u) => {
                        self.page = Page::SettingsConfigure;
                        self.focus_first = true;
                        self.email = u.email.map(|e| e.to_string()).unwrap_or_default();
                        self.text_email = u.text_email.map(|e| e.to_string()).unwrap_or_default();
                        self.person = Some(PersonNote::Plain(Note::Info(
                            "Your password was verified. Enter the Email and/or Phone/Text Message Email where you wish to receive the Password Reset Token, then click Update.".into(),
                        )));
                    }
                    Err(e) => {
                        self.current_password.clear();
                        self.person = Some(PersonNote::Plain(Note::Error(e.to_string())));
                    }
                }
            }
            Answer::Configured(r) => {
                self.outcome_of(
                    "Self Password Reset Configuration (Update)",
                    &r.as_ref().map(|_| ()),
                );
                match r {
                    Ok(u) => {
                        let show = |e: Option<crate::core::model::Email>| {
                            e.map_or_else(|| "(none)".to_owned(), |e| e.to_string())
                        };
                        self.person = Some(PersonNote::Plain(Note::Ok(format!(
                            "Your Self Password Reset configuration was updated.\nEmail: {}\nPhone/Text Message Email: {}",
                            show(u.email),
                            show(u.text_email)
                        ))));
                    }
                    Err(e) => self.person = Some(PersonNote::Plain(Note::Error(e.to_string()))),
                }
            }
            other => return Some(other),
        }
        None
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        self.ask_watch(sh);
        ui.ctx().request_repaint_after(WATCH_EVERY);

        egui::Panel::right("operator-view")
            .resizable(true)
            .default_size(440.0)
            .min_size(380.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.operator_ui(ui));
            });

        egui::CentralPanel::default().show(ui, |ui| {
            self.steps_ui(ui);
            ui.add_space(8.0);
            let busy = sh.worker.busy().is_some();
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::Frame::group(ui.style())
                    .inner_margin(0.0)
                    .show(ui, |ui| {
                        ui.set_max_width(560.0);
                        // A title bar, so the screen reads as the user's page.
                        egui::Frame::new()
                            .fill(ui.visuals().faint_bg_color)
                            .inner_margin(egui::Margin::symmetric(12, 6))
                            .show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                ui.label(
                                    RichText::new(format!(
                                        "What the user sees — {}",
                                        self.page.title()
                                    ))
                                    .weak(),
                                );
                            });
                        egui::Frame::new().inner_margin(16.0).show(ui, |ui| {
                            if let Some(job) = self.page_ui(ui, busy) {
                                sh.worker.send(job);
                            }
                        });
                    });
            });
        });
    }

    fn ask_watch(&mut self, sh: &mut Shell<'_>) {
        let code = self.code.trim().to_owned();
        let login = self.login.trim().to_owned();
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
            sh.worker.send(Job::Watch { code, login });
        }
    }

    fn steps_ui(&mut self, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            let flow = [
                Page::Login,
                Page::ForgotPassword,
                Page::ChangePassword,
                Page::Confirmation,
            ];
            for (i, p) in flow.iter().enumerate() {
                if i > 0 {
                    ui.label(RichText::new("»").weak());
                }
                let text = RichText::new(p.title());
                ui.label(if *p == self.page { text.strong().underline() } else { text.weak() });
            }
            ui.separator();
            if ui.button("Start over").clicked() {
                self.go(Page::Login);
                self.outcome = None;
            }
            if ui
                .button("Settings step")
                .on_hover_text("The user's Settings: configure the Email and/or Phone/Text Message Email for Self Password Reset")
                .clicked()
            {
                self.go(Page::SettingsVerify);
            }
        });
    }

    fn person_note_ui(&self, ui: &mut Ui) {
        match &self.person {
            Some(PersonNote::Plain(n)) => n.ui(ui),
            Some(PersonNote::ResetError) => {
                ui.label(
                    RichText::new(PASSWORD_RESET_ERROR)
                        .strong()
                        .color(error_color(ui)),
                );
                ui.label("A password token could not be sent. This can happen when:");
                for c in PASSWORD_RESET_ERROR_CAUSES {
                    ui.label(format!("  •  {c}"));
                }
            }
            None => {}
        }
    }

    /// Draws the current page; returns a job when a form is submitted.
    fn page_ui(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        ui.heading(self.page.title());
        ui.add_space(8.0);
        let job = match self.page {
            Page::Login => self.login_page(ui, busy),
            Page::ForgotPassword => self.forgot_page(ui, busy),
            Page::ChangePassword => self.change_page(ui, busy),
            Page::Confirmation => {
                self.person_note_ui(ui);
                ui.add_space(8.0);
                if ui.button("Login").clicked() {
                    self.go(Page::Login);
                }
                return None;
            }
            Page::SettingsVerify => self.verify_page(ui, busy),
            Page::SettingsConfigure => self.configure_page(ui, busy),
        };
        ui.add_space(8.0);
        self.person_note_ui(ui);
        job
    }

    fn flow_input(&self) -> FlowInput {
        FlowInput {
            code: self.code.clone(),
            login: self.login.clone(),
            ..FlowInput::default()
        }
    }

    /// "Login Name … · Provider Code …" above a page that no longer asks for them.
    fn account_caption_ui(&self, ui: &mut Ui) {
        ui.label(
            RichText::new(format!(
                "Login Name {} · Provider Code {}",
                self.login.trim(),
                self.code.trim().to_uppercase()
            ))
            .weak(),
        );
    }

    /// The row under a form: its button (off while `busy`), then a link to page `to`.
    /// True when the button was clicked.
    fn submit_row_ui(
        &mut self,
        ui: &mut Ui,
        busy: bool,
        button: &str,
        link: &str,
        to: Page,
    ) -> bool {
        ui.horizontal(|ui| {
            let clicked = ui.add_enabled(!busy, egui::Button::new(button)).clicked();
            ui.add_space(16.0);
            if ui.link(link).clicked() {
                self.go(to);
            }
            clicked
        })
        .inner
    }

    fn login_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        let mut submit = fields_ui(
            ui,
            "login-page",
            &mut self.focus_first,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                ("Password", &mut self.password, true),
            ],
        );
        ui.add_space(6.0);
        submit |= self.submit_row_ui(ui, busy, "Login", "Forgot Password?", Page::ForgotPassword);
        if !submit || busy {
            return None;
        }
        Some(Job::Flow {
            step: FlowStep::Login,
            input: FlowInput {
                password: self.password.clone().into(),
                ..self.flow_input()
            },
        })
    }

    fn forgot_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        ui.label("Enter your Login Name, Provider Code and the Email/Text address you entered in the 'Self Password Reset Configuration' page, and click Submit.");
        ui.add_space(6.0);
        let mut submit = fields_ui(
            ui,
            "forgot-page",
            &mut self.focus_first,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                ("Email/Text", &mut self.address, false),
            ],
        );
        ui.add_space(6.0);
        submit |= self.submit_row_ui(ui, busy, "Submit", BACK_TO_LOGIN, Page::Login);
        if !submit || busy {
            return None;
        }
        if self.login.trim().is_empty()
            || self.code.trim().is_empty()
            || self.address.trim().is_empty()
        {
            self.person = Some(PersonNote::Plain(Note::Error(
                "Enter your Login Name, Provider Code and Email/Text.".into(),
            )));
            return None;
        }
        Some(Job::Flow {
            step: FlowStep::Request,
            input: FlowInput {
                address: self.address.clone(),
                ..self.flow_input()
            },
        })
    }

    /// The live token of the account on the form, as the watch last read it.
    fn watched(&self) -> Option<&WatchView> {
        self.watch
            .as_ref()
            .filter(|w| w.code == self.code.trim() && w.login == self.login.trim())
    }

    fn change_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        self.account_caption_ui(ui);
        // The live countdown and tries left, from the operator's watch of this account.
        if let Some(w) = self.watched() {
            if let Some(t) = &w.token {
                let left = t.seconds_left(Utc::now());
                if t.state == "live" && left > 0 {
                    ui.label(
                        RichText::new(format!(
                            "The password token sent to {} is valid for {} more.",
                            t.address,
                            mm_ss(left)
                        ))
                        .strong(),
                    );
                } else if t.state == "live" {
                    ui.label(RichText::new("The password token has expired. Go back to the login page and click Forgot Password? again.").color(error_color(ui)));
                } else {
                    ui.label(RichText::new("There is no valid password token. Go back to the login page and click Forgot Password? to get a new one.").color(error_color(ui)));
                }
            }
            if let (Some(u), Some(p)) = (&w.user, &w.provider) {
                let left = p.policy.max_incorrect.saturating_sub(u.failed_attempts);
                ui.label(format!(
                    "Incorrect entries tolerated before the account is Admin Locked: {left}"
                ));
            }
        }
        ui.add_space(6.0);
        let mut submit = fields_ui(
            ui,
            "change-page",
            &mut self.focus_first,
            [
                ("Password Token", &mut self.token, false),
                ("New Password", &mut self.new_password, true),
                ("Confirm New Password", &mut self.confirm, true),
            ],
        );
        ui.add_space(6.0);
        let mut resend = false;
        ui.horizontal(|ui| {
            submit |= ui.add_enabled(!busy, egui::Button::new("Submit")).clicked();
            ui.add_space(16.0);
            resend = ui
                .link("Resend")
                .on_hover_text(
                    "Send a new password token to the same address; the validity starts again",
                )
                .clicked();
            ui.add_space(16.0);
            if ui.link(BACK_TO_LOGIN).clicked() {
                self.go(Page::Login);
            }
        });
        if busy {
            return None;
        }
        if resend {
            return Some(Job::Flow {
                step: FlowStep::Resend,
                input: self.flow_input(),
            });
        }
        if !submit {
            return None;
        }
        Some(Job::Flow {
            step: FlowStep::Complete,
            input: FlowInput {
                token: self.token.clone().into(),
                password: self.new_password.clone().into(),
                confirm: self.confirm.clone().into(),
                ..self.flow_input()
            },
        })
    }

    fn verify_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        ui.label("To configure Self Password Reset, enter your current password and click Verify.");
        ui.add_space(6.0);
        let mut submit = fields_ui(
            ui,
            "verify-page",
            &mut self.focus_first,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                ("Current Password", &mut self.current_password, true),
            ],
        );
        ui.add_space(6.0);
        submit |= self.submit_row_ui(ui, busy, "Verify", BACK_TO_LOGIN, Page::Login);
        if !submit || busy {
            return None;
        }
        Some(Job::ConfigureVerify {
            code: self.code.clone(),
            login: self.login.clone(),
            password: self.current_password.clone().into(),
        })
    }

    fn configure_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        self.account_caption_ui(ui);
        ui.add_space(6.0);
        let mut submit = fields_ui(
            ui,
            "configure-page",
            &mut self.focus_first,
            [
                ("Email", &mut self.email, false),
                ("Phone/Text Message Email", &mut self.text_email, false),
            ],
        );
        if let Some(w) = carriers::warning_for_address(&self.text_email) {
            ui.label(RichText::new(w).color(warn_color(ui)));
        }
        ui.add_space(8.0);
        egui::CollapsingHeader::new("Build a Phone/Text Message Email from a phone number")
            .default_open(true)
            .show(ui, |ui| {
                let mut fill = false;
                form_grid("carrier-helper").show(ui, |ui| {
                    let r = field_row(ui, "Phone number (10 digits)", &mut self.phone, false);
                    fill |= entered(ui, &r);
                    let label = ui.label("Carrier");
                    egui::ComboBox::from_id_salt("carrier")
                        .selected_text(self.carrier.clone())
                        .width(FIELD_WIDTH)
                        .show_ui(ui, |ui| {
                            for c in carriers::carriers() {
                                let mut text = c.name.clone();
                                if c.is_retired_on(Utc::now().date_naive()) {
                                    text.push_str(" (retired)");
                                }
                                ui.selectable_value(&mut self.carrier, c.name.clone(), text);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                });
                fill |= ui.button("Fill in Phone/Text Message Email").clicked();
                if fill {
                    match carriers::gateway_address(&self.phone, &self.carrier) {
                        Ok(g) => {
                            self.text_email = g.address;
                            self.helper_note = Some(match g.warning {
                                Some(w) => Note::Error(w),
                                None => Note::Ok(format!(
                                    "Phone/Text Message Email set to {}.",
                                    self.text_email
                                )),
                            });
                        }
                        Err(e) => self.helper_note = Some(Note::Error(e)),
                    }
                }
                if let Some(n) = &self.helper_note {
                    n.ui(ui);
                }
            });
        ui.add_space(8.0);
        submit |= self.submit_row_ui(ui, busy, "Update", BACK_TO_LOGIN, Page::Login);
        if !submit || busy {
            return None;
        }
        Some(Job::Configure {
            code: self.code.clone(),
            login: self.login.clone(),
            password: self.current_password.clone().into(),
            email: self.email.trim().to_owned(),
            text_email: self.text_email.trim().to_owned(),
        })
    }

    /// The operator's side: live status, the exact reason of the last refusal, the message.
    fn operator_ui(&self, ui: &mut Ui) {
        ui.add_space(6.0);
        ui.heading("Operator's view");
        ui.label(
            RichText::new("Only you see this side; the user sees the page on the left.").weak(),
        );
        ui.add_space(8.0);
        let Some(w) = self.watch.as_ref() else {
            ui.label("Enter a Provider Code and Login Name on the form to follow the account.");
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
                        u.lock_cause.as_deref().unwrap_or("entries")
                    ));
                    ui.end_row();
                }
                ui.label(RichText::new("Password token").weak());
                match &w.token {
                    None => {
                        ui.label("none sent yet");
                    }
                    Some(t) => {
                        let left = t.seconds_left(Utc::now());
                        let text = match t.state.as_str() {
                            "live" if left > 0 => {
                                format!("live — {} left, sent to {}", mm_ss(left), t.address)
                            }
                            "live" => format!("expired at {}", t.expires_at.format("%H:%M:%S UTC")),
                            "used" => "used (the password was changed)".to_owned(),
                            _ => "invalidated (replaced, locked or not delivered)".to_owned(),
                        };
                        ui.label(text);
                    }
                }
                ui.end_row();
            });
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
        let Some(o) = &self.outcome else { return };
        ui.strong(format!("Last step: {}", o.step));
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
}
