//! The first start (create the first super admin) and the operator's sign-in screen.

use std::time::{Duration, Instant};

use egui::{RichText, Ui};

use super::a11y::AddIf as _;
use super::widgets::{Note, entered, field_row, form_grid};
use super::worker::Job;
use crate::core::console::ConsoleSignIn;
use crate::core::secret::Secret;
use crate::core::service::OPERATOR_MIN_PASSWORD;

/// Width of the centred sign-in card.
const CARD_WIDTH: f32 = 520.0;

fn card<R>(ui: &mut Ui, add: impl FnOnce(&mut Ui) -> R) -> R {
    ui.add_space((ui.available_height() * 0.12).min(90.0));
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - CARD_WIDTH) / 2.0).max(0.0));
        egui::Frame::group(ui.style())
            .inner_margin(24.0)
            .show(ui, |ui| {
                ui.set_width(CARD_WIDTH - 48.0);
                ui.vertical(add).inner
            })
            .inner
    })
    .inner
}

/// The first start on an empty database: who is the first super admin.
#[derive(Debug, Default)]
pub struct FirstRunForm {
    pub login: String,
    pub password: Secret,
    pub confirm: Secret,
    pub note: Option<Note>,
    /// How messages are delivered at first; nothing is chosen until the operator picks.
    pub delivery: FirstDelivery,
    focused: bool,
}

/// The delivery a new database starts with (§3.11): none until one is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FirstDelivery {
    /// Not chosen yet.
    #[default]
    Unchosen,
    /// The outbox: a training database.
    Outbox,
    /// An SMTP relay, set up in the Provider panel next (no delivery until then).
    Smtp,
}

impl FirstRunForm {
    /// Draws the form; returns the job to send when it is submitted.
    #[must_use]
    pub fn ui(&mut self, ui: &mut Ui, busy: bool) -> Option<Job> {
        card(ui, |ui| {
            super::widgets::heading(ui, "Welcome to spr-console");
            ui.add_space(4.0);
            ui.label(
                "This database has no operator yet. Create the first super admin: the account \
                 that enables Self Password Reset, sets the password policy and adds other operators.",
            );
            ui.add_space(12.0);
            let mut submit = false;
            form_grid("first-run").show(ui, |ui| {
                let r = field_row(ui, "Super admin login", &mut self.login, false);
                if !std::mem::replace(&mut self.focused, true) {
                    r.request_focus();
                }
                submit |= entered(ui, &r);
                let r = field_row(ui, "Password", self.password.as_mut_string(), true);
                submit |= entered(ui, &r);
                let r = field_row(ui, "Confirm password", self.confirm.as_mut_string(), true);
                submit |= entered(ui, &r);
            });
            ui.label(
                RichText::new(format!(
                    "At least {OPERATOR_MIN_PASSWORD} characters; not a common or easily guessed password."
                ))
                .weak(),
            );
            ui.add_space(8.0);
            ui.label(RichText::new("How are password tokens delivered?").strong());
            ui.radio_value(
                &mut self.delivery,
                FirstDelivery::Smtp,
                "Through an SMTP relay (set it up in Provider › Mail settings next; nothing is sent until then)",
            );
            ui.radio_value(
                &mut self.delivery,
                FirstDelivery::Outbox,
                "Keep them in the outbox: a training database, every operator can read the messages",
            );
            ui.add_space(8.0);
            submit |= ui
                .add_if(!busy, egui::Button::new("Create super admin"))
                .clicked();
            if let Some(n) = &self.note {
                ui.add_space(8.0);
                n.ui(ui);
            }
            if !submit || busy {
                return None;
            }
            if self.login.trim().is_empty() {
                self.note = Some(Note::Error("Enter a login for the super admin.".into()));
                return None;
            }
            if self.delivery == FirstDelivery::Unchosen {
                self.note = Some(Note::Error(
                    "Choose how password tokens are delivered: an SMTP relay or the outbox.".into(),
                ));
                return None;
            }
            if self.password != self.confirm {
                self.note = Some(Note::Error(
                    "The password and its confirmation differ.".into(),
                ));
                return None;
            }
            self.note = None;
            Some(Job::InitFirstOperator {
                login: self.login.trim().to_owned(),
                password: self.password.clone(),
                training: self.delivery == FirstDelivery::Outbox,
            })
        })
    }
}

/// The operator's sign-in, with the growing wait after wrong passwords.
#[derive(Debug, Default)]
pub struct LoginForm {
    pub login: String,
    pub password: Secret,
    pub note: Option<Note>,
    /// No try before this instant (the service's growing delay).
    pub wait_until: Option<Instant>,
    /// Why the screen is shown again (locked after idle time, or by the Lock button).
    pub locked_reason: Option<String>,
    /// Put the cursor in the password field on the next frame (after a wrong password).
    pub focus_password: bool,
    /// The cursor was placed when the screen first showed.
    focused: bool,
    /// Sign in was asked for during the wait: it goes when the wait ends (Enter is not lost).
    queued: bool,
}

impl LoginForm {
    /// A sign-in form, prefilled with a login (after a lock).
    pub fn for_login(login: &str, reason: Option<String>) -> Self {
        Self {
            login: login.to_owned(),
            locked_reason: reason,
            ..Self::default()
        }
    }

    /// Starts the countdown the service asked for.
    pub fn set_wait(&mut self, wait: Duration) {
        self.wait_until = (!wait.is_zero()).then(|| Instant::now() + wait);
    }

    fn seconds_to_wait(&self) -> u64 {
        self.wait_until
            .map(|t| t.saturating_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
            .map_or(0, |d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
    }

    /// Draws the form; returns the job to send when it is submitted.
    #[must_use]
    pub fn ui(&mut self, ui: &mut Ui, busy: bool, db_name: &str) -> Option<Job> {
        let wait = self.seconds_to_wait();
        if wait > 0 {
            ui.ctx().request_repaint_after(Duration::from_millis(250));
        }
        card(ui, |ui| {
            super::widgets::heading(ui, "Sign in to spr-console");
            ui.label(RichText::new(format!("Database: {db_name}")).weak());
            if let Some(r) = &self.locked_reason {
                ui.add_space(4.0);
                ui.label(r);
            }
            ui.add_space(12.0);
            let mut submit = false;
            form_grid("operator-login").show(ui, |ui| {
                let r = field_row(ui, "Operator", &mut self.login, false);
                let first_show = !std::mem::replace(&mut self.focused, true);
                if first_show && self.login.is_empty() {
                    r.request_focus();
                }
                submit |= entered(ui, &r);
                let r = field_row(ui, "Password", self.password.as_mut_string(), true);
                if std::mem::take(&mut self.focus_password)
                    || (first_show && !self.login.is_empty())
                {
                    r.request_focus();
                }
                submit |= entered(ui, &r);
            });
            ui.add_space(8.0);
            let can_try = !busy && wait == 0;
            submit |= ui.add_if(can_try, egui::Button::new("Sign in")).clicked();
            if submit && wait > 0 {
                self.queued = true;
            }
            // The sign-in asked for during the wait goes as soon as the wait is over.
            submit |= can_try && std::mem::take(&mut self.queued);
            if let Some(n) = &self.note {
                ui.add_space(8.0);
                n.ui(ui);
            }
            if wait > 0 {
                ui.label(
                    RichText::new(format!(
                        "Too many wrong passwords: wait {wait} second{} before trying again.",
                        if wait == 1 { "" } else { "s" }
                    ))
                    .color(super::widgets::warn_color(ui)),
                );
                if self.queued {
                    ui.label("You will be signed in when the wait is over.");
                }
            }
            if !submit || !can_try {
                return None;
            }
            if self.login.trim().is_empty() || self.password.is_empty() {
                self.note = Some(Note::Error(
                    "Enter your operator login and password.".into(),
                ));
                return None;
            }
            self.note = None;
            Some(Job::OperatorLogin {
                login: self.login.trim().to_owned(),
                password: std::mem::take(&mut self.password),
                why: if self.locked_reason.is_some() {
                    ConsoleSignIn::Unlock
                } else {
                    ConsoleSignIn::SignIn
                },
            })
        })
    }
}
