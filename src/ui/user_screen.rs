//! The user's screen (SPEC §3.15): the user's own pages — Login, Reset Password, Change
//! Password, Password Changed and the Settings step — screen by screen as the help article
//! shows them. Only this screen has fields for the user's password, token and new password;
//! it shows nothing of the operator's view. It is drawn in a window of its own (an egui
//! viewport) or, handed over, in the main window.

use crate::core::secret::Secret;
use chrono::Utc;
use egui::{RichText, Ui};

use super::a11y::{AddIf as _, ListOption as _, SaysValue as _};
use super::widgets::{
    FIELD_WIDTH, Note, entered, error_color, field_row, form_grid, mm_ss, warn_color,
};
use super::worker::{FlowInput, FlowStep, Job, ResetAnswer, WatchView};
use crate::core::CoreError;
use crate::core::Reason;
use crate::core::error::{PASSWORD_RESET_ERROR, PASSWORD_RESET_ERROR_CAUSES};
use crate::mail::carriers;

/// The labels of the fields a refusal sends the cursor back to.
const PASSWORD: &str = "Password";
const ADDRESS: &str = "Email/Text";
const TOKEN: &str = "Password Token";
const NEW_PASSWORD: &str = "New Password";
const CURRENT_PASSWORD: &str = "Current Password";

/// The link that leaves a step of the flow.
const BACK_TO_LOGIN: &str = "Back to the login page";

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

/// Where the cursor goes on the next frames, until the field has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Focus {
    /// Nowhere new: the cursor stays where the person put it.
    Stay,
    /// The page's first empty field (else its first): a page just opened.
    FirstEmpty,
    /// The field of this label: the one to retype after a refusal.
    Field(&'static str),
}

/// What the person at the form is shown after a step.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PersonNote {
    Plain(Note),
    /// The uniform Forgot Password refusal, with the help article's causes.
    ResetError,
}

/// The user's pages and what the user typed.
#[derive(Debug)]
pub struct UserScreen {
    pub page: Page,
    /// Where the cursor goes next: a new page's first empty field, or after a refusal the
    /// field to retype (a person who types again must not type into nothing).
    focus: Focus,
    login: String,
    code: String,
    password: Secret,
    address: String,
    token: Secret,
    new_password: Secret,
    confirm: Secret,
    current_password: Secret,
    email: String,
    text_email: String,
    phone: String,
    carrier: String,
    helper_note: Option<Note>,
    person: Option<PersonNote>,
    /// The supervised session the steps run in.
    session: Option<String>,
    /// This frame's time, from the console's clock (the countdown).
    pub now: chrono::DateTime<Utc>,
}

impl UserScreen {
    /// The user's screen of a session, on the Login page with the account filled in.
    pub fn for_session(session: &str, code: &str, login: &str) -> Self {
        Self {
            page: Page::Login,
            focus: Focus::FirstEmpty,
            login: login.to_owned(),
            code: code.to_owned(),
            password: Secret::default(),
            address: String::new(),
            token: Secret::default(),
            new_password: Secret::default(),
            confirm: Secret::default(),
            current_password: Secret::default(),
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
            session: Some(session.to_owned()),
            now: Utc::now(),
        }
    }

    /// The session the steps run in.
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }

    fn go(&mut self, page: Page) {
        self.page = page;
        self.focus = Focus::FirstEmpty;
        self.person = None;
        self.password.as_mut_string().clear();
        self.token.as_mut_string().clear();
        self.new_password.as_mut_string().clear();
        self.confirm.as_mut_string().clear();
        if !matches!(page, Page::SettingsConfigure) {
            self.current_password.as_mut_string().clear();
        }
    }

    /// Takes the person's side of a flow answer (the operator's side is the Reset panel's).
    pub fn on_answer(&mut self, answer: &ResetAnswer) {
        match answer {
            ResetAnswer::Flow {
                step,
                code,
                login,
                result,
            } => {
                if *code != self.code || *login != self.login {
                    // An answer for an account the form has moved away from.
                    return;
                }
                match (step, result) {
                    (FlowStep::Request, Ok(ok)) => {
                        self.go(Page::ChangePassword);
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message.clone())));
                    }
                    (FlowStep::Request, Err(CoreError::Refused(r)))
                        if r.reason != Reason::DeliveryFailed =>
                    {
                        self.focus = Focus::Field(ADDRESS);
                        self.person = Some(PersonNote::ResetError);
                    }
                    (FlowStep::Resend, Ok(ok)) => {
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message.clone())));
                    }
                    (FlowStep::Complete, Ok(ok)) => {
                        self.go(Page::Confirmation);
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message.clone())));
                    }
                    (FlowStep::Login, Ok(ok)) => {
                        self.password.as_mut_string().clear();
                        self.person = Some(PersonNote::Plain(Note::Ok(ok.message.clone())));
                    }
                    (_, Err(e)) => {
                        self.retype_after(*step, e);
                        self.person = Some(PersonNote::Plain(Note::Error(e.to_string())));
                    }
                }
            }
            ResetAnswer::Verified(r) => match r {
                Ok(u) => {
                    self.page = Page::SettingsConfigure;
                    self.focus = Focus::FirstEmpty;
                    self.email = u
                        .email
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    self.text_email = u
                        .text_email
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    self.person = Some(PersonNote::Plain(Note::Info(
                        "Your password was verified. Enter the Email and/or Phone/Text Message Email where you wish to receive the Password Reset Token, then click Update.".into(),
                    )));
                }
                Err(e) => {
                    self.current_password.as_mut_string().clear();
                    self.focus = Focus::Field(CURRENT_PASSWORD);
                    self.person = Some(PersonNote::Plain(Note::Error(e.to_string())));
                }
            },
            ResetAnswer::Configured(r) => match r {
                Ok(u) => {
                    let show = |e: &Option<crate::core::model::Email>| {
                        e.as_ref()
                            .map_or_else(|| "(none)".to_owned(), ToString::to_string)
                    };
                    self.person = Some(PersonNote::Plain(Note::Ok(format!(
                        "Your Self Password Reset configuration was updated.\nEmail: {}\nPhone/Text Message Email: {}",
                        show(&u.email),
                        show(&u.text_email)
                    ))));
                }
                Err(e) => self.person = Some(PersonNote::Plain(Note::Error(e.to_string()))),
            },
            _ => {}
        }
    }

    /// After a refused step: clears what must be typed again and puts the cursor in it. A
    /// wrong or spent token is retyped (the new password stays); a refused new password is
    /// chosen again in both fields; a refused login asks for the password again.
    fn retype_after(&mut self, step: FlowStep, e: &CoreError) {
        match step {
            FlowStep::Login => {
                self.password.as_mut_string().clear();
                self.focus = Focus::Field(PASSWORD);
            }
            FlowStep::Complete => match e.reason() {
                Some(Reason::TokenIncorrect | Reason::TokenExpired | Reason::NoActiveToken) => {
                    self.token.as_mut_string().clear();
                    self.focus = Focus::Field(TOKEN);
                }
                Some(Reason::PasswordPolicy) | None => {
                    self.new_password.as_mut_string().clear();
                    self.confirm.as_mut_string().clear();
                    self.focus = Focus::Field(NEW_PASSWORD);
                }
                // Locked, disabled and the like: nothing to retype.
                Some(_) => {}
            },
            FlowStep::Request => self.focus = Focus::Field(ADDRESS),
            FlowStep::Resend => {}
        }
    }

    /// Draws the user's pages; returns the job of a submitted form. `watch` is the live view
    /// of the account (for the countdown and the tries left on the Change Password page).
    #[must_use]
    pub fn ui(&mut self, ui: &mut Ui, busy: bool, watch: Option<&WatchView>) -> Option<Job> {
        self.steps_ui(ui);
        ui.add_space(8.0);
        egui::ScrollArea::vertical()
            .id_salt("user-screen")
            .show(ui, |ui| {
                ui.set_max_width(560.0);
                self.page_ui(ui, busy, watch)
            })
            .inner
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
    fn page_ui(&mut self, ui: &mut Ui, busy: bool, watch: Option<&WatchView>) -> Option<Job> {
        super::widgets::heading(ui, self.page.title());
        ui.add_space(8.0);
        let job = match self.page {
            Page::Login => self.login_page(ui, busy),
            Page::ForgotPassword => self.forgot_page(ui, busy),
            Page::ChangePassword => self.change_page(ui, busy, watch),
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
            let clicked = ui.add_if(!busy, egui::Button::new(button)).clicked();
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
            &mut self.focus,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                (PASSWORD, self.password.as_mut_string(), true),
            ],
        );
        ui.add_space(6.0);
        submit |= self.submit_row_ui(ui, busy, "Login", "Forgot Password?", Page::ForgotPassword);
        if !submit || busy {
            return None;
        }
        Some(Job::Flow {
            session: self.session.clone(),
            step: FlowStep::Login,
            input: FlowInput {
                password: self.password.clone(),
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
            &mut self.focus,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                (ADDRESS, &mut self.address, false),
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
            session: self.session.clone(),
            step: FlowStep::Request,
            input: FlowInput {
                address: self.address.clone(),
                ..self.flow_input()
            },
        })
    }

    fn change_page(&mut self, ui: &mut Ui, busy: bool, watch: Option<&WatchView>) -> Option<Job> {
        self.account_caption_ui(ui);
        // The live countdown and tries left of this account.
        let watched = watch.filter(|w| {
            w.code.eq_ignore_ascii_case(self.code.trim())
                && w.login.eq_ignore_ascii_case(self.login.trim())
        });
        if let Some(w) = watched {
            if let Some(t) = &w.token {
                let left = t.seconds_left(self.now);
                if t.state == crate::core::model::TokenState::Live && left > 0 {
                    ui.label(
                        RichText::new(format!(
                            "The password token sent to {} is valid for {} more.",
                            t.address,
                            mm_ss(left)
                        ))
                        .strong(),
                    );
                } else if t.state == crate::core::model::TokenState::Live {
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
            &mut self.focus,
            [
                (TOKEN, self.token.as_mut_string(), false),
                (NEW_PASSWORD, self.new_password.as_mut_string(), true),
                ("Confirm New Password", self.confirm.as_mut_string(), true),
            ],
        );
        ui.add_space(6.0);
        let mut resend = false;
        ui.horizontal(|ui| {
            submit |= ui.add_if(!busy, egui::Button::new("Submit")).clicked();
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
                session: self.session.clone(),
                step: FlowStep::Resend,
                input: self.flow_input(),
            });
        }
        if !submit {
            return None;
        }
        Some(Job::Flow {
            session: self.session.clone(),
            step: FlowStep::Complete,
            input: FlowInput {
                token: self.token.clone(),
                password: self.new_password.clone(),
                confirm: self.confirm.clone(),
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
            &mut self.focus,
            [
                ("Login Name", &mut self.login, false),
                ("Provider Code", &mut self.code, false),
                (
                    CURRENT_PASSWORD,
                    self.current_password.as_mut_string(),
                    true,
                ),
            ],
        );
        ui.add_space(6.0);
        submit |= self.submit_row_ui(ui, busy, "Verify", BACK_TO_LOGIN, Page::Login);
        if !submit || busy {
            return None;
        }
        Some(Job::ConfigureVerify {
            session: self.session.clone(),
            code: self.code.clone(),
            login: self.login.clone(),
            password: self.current_password.clone(),
        })
    }

    fn configure_page(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        self.account_caption_ui(ui);
        ui.add_space(6.0);
        let mut submit = fields_ui(
            ui,
            "configure-page",
            &mut self.focus,
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
                                ui.list_option(&mut self.carrier, c.name.clone(), text);
                            }
                        })
                        .response
                        .labelled_by(label.id)
                        .says_value();
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
            session: self.session.clone(),
            code: self.code.clone(),
            login: self.login.clone(),
            password: self.current_password.clone(),
            email: self.email.trim().to_owned(),
            text_email: self.text_email.trim().to_owned(),
        })
    }
}

/// A form of labelled fields (label, value, hidden); true when Enter was pressed in one.
/// `focus` says which field takes the cursor (once it has it, `focus` goes back to Stay).
fn fields_ui<const N: usize>(
    ui: &mut Ui,
    id: &str,
    focus: &mut Focus,
    fields: [(&str, &mut String, bool); N],
) -> bool {
    let target = match *focus {
        Focus::Stay => None,
        Focus::FirstEmpty => Some(fields.iter().position(|f| f.1.is_empty()).unwrap_or(0)),
        Focus::Field(label) => fields.iter().position(|f| f.0 == label),
    };
    if target.is_none() {
        // Not a field of this form: nothing to put the cursor in.
        *focus = Focus::Stay;
    }
    // The fields' ids must not depend on what shows above the form (the countdown comes
    // and goes with the live view): a field whose id changes loses the cursor.
    let scope = egui::UiBuilder::new().scope_id(ui.make_persistent_id(("form", id)));
    ui.scope_builder(scope, |ui| {
        form_grid(id)
            .show(ui, |ui| {
                let mut submit = false;
                for (i, (label, value, password)) in fields.into_iter().enumerate() {
                    let r = field_row(ui, label, value, password);
                    // A new form's first pass only sizes the grid (its widgets cannot take focus
                    // yet), so keep asking until the field has it.
                    if target == Some(i) {
                        if r.has_focus() {
                            *focus = Focus::Stay;
                        } else {
                            r.request_focus();
                        }
                    }
                    submit |= entered(ui, &r);
                }
                submit
            })
            .inner
    })
    .inner
}
