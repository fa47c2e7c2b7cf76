//! The Provider panel: choose or add a provider, SPR on/off, the password policy in words,
//! counts at a glance, and the console's mail settings with a test send.

use crate::core::secret::Secret;
use std::path::PathBuf;

use egui::{RichText, Ui};

use super::a11y::{AddIf as _, ListOption as _, SaysValue as _};
use super::view::Shell;
use super::widgets::{FIELD_WIDTH, FilePick, Note, entered, error_color, field_row, form_grid};
use super::worker::{Job, MailView, ProviderAnswer, ProviderView};
use crate::core::model::{POLICY_FIELDS, Policy, Provider};
use crate::core::policy::lockout_in_words;
use crate::core::service::ProviderChanges;
use crate::mail::MailSettings;
use crate::mail::smtp::{DEFAULT_TIMEOUT_SECS, Security, SmtpSettings};

/// The Provider panel's state.
#[derive(Debug, Default)]
pub struct ProviderPanel {
    providers: Vec<Provider>,
    providers_asked: bool,
    /// The chosen provider's code.
    pub selected: Option<String>,
    view: Option<ProviderView>,
    /// The chosen provider and its counts were asked for (again after any change).
    view_asked: bool,
    /// The policy fields as typed, in the order of `POLICY_FIELDS`.
    policy_text: [String; 5],
    /// The policy the fields were filled from, to tell an edit from a stale value.
    policy_loaded: Option<(String, Policy)>,
    add: Option<AddForm>,
    mail: MailForm,
    /// A count card was clicked: the app opens Users on those users of this provider.
    pub open_users: Option<(i64, CountCard)>,
}

/// The counts at a glance above a provider; each opens the users it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountCard {
    Users,
    SprEnabled,
    Configured,
    AdminLocked,
}

impl CountCard {
    pub const ALL: [CountCard; 4] = [
        CountCard::Users,
        CountCard::SprEnabled,
        CountCard::Configured,
        CountCard::AdminLocked,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CountCard::Users => "Users",
            CountCard::SprEnabled => "SPR enabled",
            CountCard::Configured => "Configured",
            CountCard::AdminLocked => "Admin Locked",
        }
    }

    fn count(self, c: &crate::core::model::ProviderCounts) -> u64 {
        match self {
            CountCard::Users => c.users,
            CountCard::SprEnabled => c.spr_enabled,
            CountCard::Configured => c.configured,
            CountCard::AdminLocked => c.admin_locked,
        }
    }
}

#[derive(Debug, Default)]
struct AddForm {
    code: String,
    name: String,
    note: Option<Note>,
    /// The cursor went to the first field when the dialog opened.
    focused: bool,
}

#[derive(Debug, Default)]
struct MailForm {
    asked: bool,
    loaded: Option<MailView>,
    /// What the operator edits, filled from `loaded`.
    edit: MailFields,
    /// `edit` as the last answer filled it: while the two differ (or a password is typed),
    /// the operator is editing, and a fresh read (another seat's change, or the refresh
    /// after signing in) waits.
    filled: Option<MailFields>,
    /// Typed only, never filled: a stored password is kept unless one is typed.
    password: Secret,
    test_to: String,
    pick: Option<FilePick>,
    pick_note: Option<String>,
}

/// The mail form's fields that a read of the settings fills.
#[derive(Debug, Default, Clone, PartialEq)]
struct MailFields {
    smtp: bool,
    host: String,
    port: String,
    security: Security,
    username: String,
    from: String,
    timeout: String,
    ca_path: String,
    keep_ca: bool,
}

impl MailForm {
    /// Whether the operator has changed the form since it was last filled.
    fn edited(&self) -> bool {
        self.filled
            .as_ref()
            .is_some_and(|f| *f != self.edit || !self.password.is_empty())
    }

    fn fill(&mut self, view: MailView) {
        let f = &mut self.edit;
        match &view.settings {
            MailSettings::NotSet | MailSettings::Outbox => {
                f.smtp = false;
                f.security = Security::Starttls;
                f.port = Security::Starttls.default_port().to_string();
                f.timeout = DEFAULT_TIMEOUT_SECS.to_string();
            }
            MailSettings::Smtp(s) => {
                f.smtp = true;
                f.host.clone_from(&s.host);
                f.port = s.port.to_string();
                f.security = s.security;
                f.username = s.username.clone().unwrap_or_default();
                f.from.clone_from(&s.from);
                f.timeout = s.timeout_secs.to_string();
            }
        }
        f.ca_path.clear();
        f.keep_ca = view.has_ca;
        self.password.as_mut_string().clear();
        self.loaded = Some(view);
        self.filled = Some(self.edit.clone());
    }
}

fn policy_texts(p: &Policy) -> [String; 5] {
    POLICY_FIELDS.map(|f| p.get(f.key).to_string())
}

/// What a policy value means, in words.
fn policy_words(key: crate::core::model::PolicyKey, v: u32) -> String {
    use crate::core::model::PolicyKey;
    let s = |n: u32| if n == 1 { "" } else { "s" };
    match key {
        PolicyKey::MaxIncorrect => lockout_in_words(v),
        PolicyKey::TokenMinutes => {
            format!(
                "A password token is valid for {v} minute{} after it is sent.",
                s(v)
            )
        }
        PolicyKey::MinLength => {
            format!("A new password needs at least {v} characters (at most 128).")
        }
        PolicyKey::History if v == 0 => "A previous password may be used again.".to_owned(),
        PolicyKey::History => format!(
            "A new password may not be the current one or one of the last {v} password{}.",
            s(v)
        ),
        PolicyKey::MaxTokensPerHour => format!(
            "At most {v} password token{} per user per hour, Resends included.",
            s(v)
        ),
    }
}

impl ProviderPanel {
    /// The provider list changed elsewhere (or the panel was just opened): read it again.
    pub fn refresh(&mut self) {
        self.providers_asked = false;
        self.view_asked = false;
        self.mail.asked = false;
    }

    /// Something changed in the database (here or at another seat): the list and the counts
    /// are read again; the mail form is not, so nothing being typed there is lost.
    pub fn changed(&mut self) {
        self.providers_asked = false;
        self.view_asked = false;
    }

    /// Takes this panel's answers.
    pub fn on_answer(&mut self, answer: ProviderAnswer, sh: &mut Shell<'_>) {
        match answer {
            ProviderAnswer::Providers(Ok(list)) => {
                let keep = self
                    .selected
                    .as_ref()
                    .is_some_and(|c| list.iter().any(|p| p.code.as_str() == c));
                if !keep {
                    self.selected = list.first().map(|p| p.code.to_string());
                    self.view = None;
                    self.view_asked = false;
                }
                self.providers = list;
            }
            ProviderAnswer::ProviderView(Ok(v)) => {
                if self.selected.as_deref() == Some(v.provider.code.as_str()) {
                    let code = v.provider.code.to_string();
                    let dirty = self
                        .policy_loaded
                        .as_ref()
                        .is_some_and(|(c, p)| *c == code && self.policy_text != policy_texts(p));
                    if !dirty {
                        self.policy_text = policy_texts(&v.provider.policy);
                        self.policy_loaded = Some((code, v.provider.policy));
                    }
                    self.view = Some(v);
                }
            }
            ProviderAnswer::ProviderSaved(r) => match r {
                Ok(p) => {
                    let code = p.code.to_string();
                    sh.status.ok(format!("Saved provider {code}."));
                    self.policy_text = policy_texts(&p.policy);
                    self.policy_loaded = Some((code.clone(), p.policy));
                    self.selected = Some(code);
                    self.add = None;
                    self.refresh();
                }
                Err(e) => {
                    if let Some(add) = &mut self.add {
                        add.note = Some(Note::Error(e.to_string()));
                    }
                    sh.status.error(e.to_string());
                }
            },
            ProviderAnswer::Mail(Ok(view)) => {
                if !self.mail.edited() {
                    self.mail.fill(view);
                }
            }
            ProviderAnswer::MailSaved(r) => match r {
                Ok(()) => {
                    sh.status.ok("Mail settings saved.");
                    self.mail.asked = false;
                    // What was saved is read back into the form.
                    self.mail.filled = None;
                }
                Err(e) => sh.status.error(e.to_string()),
            },
            ProviderAnswer::TestSent(r) => match r {
                Ok(answer) => sh.status.ok(format!("Test message sent: {answer}")),
                Err(e) => sh
                    .status
                    .error(format!("The test message was not sent: {e}")),
            },
            ProviderAnswer::Providers(Err(e))
            | ProviderAnswer::ProviderView(Err(e))
            | ProviderAnswer::Mail(Err(e)) => {
                sh.status.error(e.to_string());
            }
        }
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let admin = sh.operator.is_super_admin();
        if !self.providers_asked {
            self.providers_asked = true;
            sh.jobs.push(Job::Providers);
        }
        if let Some(code) = self.selected.clone()
            && !self.view_asked
        {
            self.view_asked = true;
            sh.jobs.push(Job::ProviderView { code });
        }
        if admin && !self.mail.asked {
            self.mail.asked = true;
            sh.jobs.push(Job::Mail);
        }

        egui::Panel::left("provider-list")
            .resizable(false)
            .exact_size(230.0)
            .show(ui, |ui| self.list_ui(ui, admin));

        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                match self.view.clone() {
                    Some(v) if self.selected.as_deref() == Some(v.provider.code.as_str()) => {
                        self.provider_ui(ui, sh, &v, admin);
                    }
                    _ if self.providers_asked && self.providers.is_empty() => {
                        super::widgets::heading(ui, "No provider yet");
                        if admin {
                            ui.label("Add the first provider (agency) with \"Add provider…\" on the left.");
                        } else {
                            ui.label("A super admin has not added a provider yet.");
                        }
                    }
                    _ => {
                        ui.spinner();
                    }
                }
                if admin {
                    ui.add_space(16.0);
                    ui.separator();
                    self.mail_ui(ui, sh);
                }
            });
        });

        self.add_dialog(ui, sh);
    }

    fn list_ui(&mut self, ui: &mut Ui, admin: bool) {
        ui.add_space(6.0);
        ui.strong("Providers");
        ui.add_space(4.0);
        egui::ScrollArea::vertical()
            .max_height(ui.available_height() - 50.0)
            .show(ui, |ui| {
                for p in &self.providers {
                    let code = p.code.to_string();
                    let on = self.selected.as_deref() == Some(code.as_str());
                    let text = format!("{code} — {}", p.name);
                    if ui.selectable_label(on, text).clicked() && !on {
                        self.selected = Some(code);
                        self.view = None;
                        self.view_asked = false;
                    }
                }
            });
        if admin {
            ui.add_space(8.0);
            if ui.button("Add provider…").clicked() {
                self.add = Some(AddForm::default());
            }
        }
    }

    fn add_dialog(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let Some(add) = &mut self.add else { return };
        let busy = sh.busy;
        let mut submit = false;
        let mut cancel = false;
        let modal = egui::Modal::new(egui::Id::unique("add-provider")).show(ui.ctx(), |ui| {
            ui.set_width(460.0);
            super::widgets::heading(ui, "Add provider");
            ui.label("A provider is an agency. Its Provider Code is what users type on the Reset Password form.");
            ui.add_space(8.0);
            form_grid("add-provider-form").show(ui, |ui| {
                let r = field_row(ui, "Provider Code", &mut add.code, false);
                if !std::mem::replace(&mut add.focused, true) {
                    r.request_focus();
                }
                submit |= entered(ui, &r);
                let r = field_row(ui, "Name", &mut add.name, false);
                submit |= entered(ui, &r);
            });
            ui.label(RichText::new("2 to 32 letters, digits, '-' or '_'. Self Password Reset starts off; the policy starts with the defaults.").weak());
            if let Some(n) = &add.note {
                n.ui(ui);
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                submit |= ui.add_if(!busy, egui::Button::new("Add")).clicked();
                cancel |= ui.button("Cancel").clicked();
            });
        });
        if cancel || modal.should_close() {
            self.add = None;
            return;
        }
        if submit && !busy {
            add.note = None;
            sh.jobs.push(Job::AddProvider {
                actor: sh.operator.clone(),
                code: add.code.trim().to_owned(),
                name: add.name.trim().to_owned(),
            });
        }
    }

    fn provider_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>, v: &ProviderView, admin: bool) {
        let p = &v.provider;
        super::widgets::heading(ui, format!("{} — {}", p.code, p.name));
        ui.add_space(6.0);

        // Counts at a glance; a click (or Enter on a card) lists those users in Users.
        ui.horizontal(|ui| {
            for card in CountCard::ALL {
                let n = card.count(&v.counts);
                let label = card.label();
                let r = egui::Frame::group(ui.style())
                    .inner_margin(10.0)
                    .show(ui, |ui| {
                        ui.set_min_width(110.0);
                        ui.vertical(|ui| {
                            let mut num = RichText::new(super::widgets::thousands(n))
                                .size(22.0)
                                .strong();
                            if card == CountCard::AdminLocked && n > 0 {
                                num = num.color(super::widgets::error_color(ui));
                            }
                            ui.label(num);
                            ui.label(RichText::new(label).weak());
                        });
                    })
                    .response
                    .interact(egui::Sense::click())
                    .on_hover_cursor(egui::CursorIcon::PointingHand)
                    .on_hover_text(format!("Show these users in Users: {label}, {}", p.code));
                let name = format!("{} {label}: show these users", super::widgets::thousands(n));
                r.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::accesskit::Role::Button, true, &name)
                });
                if r.hovered() || r.has_focus() {
                    ui.painter().rect_stroke(
                        r.rect,
                        4.0,
                        ui.visuals().widgets.hovered.bg_stroke,
                        egui::StrokeKind::Inside,
                    );
                }
                if r.clicked() {
                    self.open_users = Some((p.id, card));
                }
            }
        });
        ui.add_space(12.0);

        // Self Password Reset on/off.
        ui.strong("Self Password Reset");
        if admin {
            let mut on = p.spr_enabled;
            if ui
                .checkbox(&mut on, "Self Password Reset enabled for this provider")
                .changed()
            {
                sh.jobs.push(Job::UpdateProvider {
                    actor: sh.operator.clone(),
                    code: p.code.to_string(),
                    changes: ProviderChanges {
                        spr_enabled: Some(on),
                        ..ProviderChanges::default()
                    },
                });
            }
        } else {
            ui.label(if p.spr_enabled {
                "Enabled for this provider."
            } else {
                "Not enabled for this provider."
            });
        }
        ui.label(
            RichText::new(
                "A user can reset a forgotten password only when it is enabled here and for the user, \
                 and the user configured an Email or Phone/Text Message Email.",
            )
            .weak(),
        );
        ui.add_space(12.0);

        // The password policy.
        ui.strong("Password policy");
        ui.add_space(4.0);
        let mut submit = false;
        let mut parsed: [Option<u32>; 5] = [None; 5];
        egui::Grid::new("policy")
            .num_columns(3)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                for (i, f) in POLICY_FIELDS.iter().enumerate() {
                    let label = ui.label(f.label);
                    if admin {
                        let r = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.policy_text[i])
                                    .desired_width(60.0),
                            )
                            .labelled_by(label.id);
                        submit |= entered(ui, &r);
                    } else {
                        ui.label(RichText::new(p.policy.get(f.key).to_string()).strong());
                    }
                    let text = if admin {
                        self.policy_text[i].trim().to_owned()
                    } else {
                        p.policy.get(f.key).to_string()
                    };
                    match text.parse::<u32>() {
                        Ok(n) if (f.min..=f.max).contains(&n) => {
                            parsed[i] = Some(n);
                            // Wrapped: at 1024 points the sentence would be cut at the edge.
                            ui.add(
                                egui::Label::new(format!(
                                    "{}  ({}–{})",
                                    policy_words(f.key, n),
                                    f.min,
                                    f.max
                                ))
                                .wrap(),
                            );
                        }
                        _ => {
                            ui.label(
                                RichText::new(format!(
                                    "Enter a whole number from {} to {}.",
                                    f.min, f.max
                                ))
                                .color(super::widgets::error_color(ui)),
                            );
                        }
                    }
                    ui.end_row();
                }
            });
        if admin {
            ui.add_space(6.0);
            let changed = self.policy_text != policy_texts(&p.policy);
            ui.horizontal(|ui| {
                submit |= ui
                    .add_if(changed, egui::Button::new("Save policy"))
                    .clicked();
                if ui
                    .add_if(changed, egui::Button::new("Undo changes"))
                    .clicked()
                {
                    self.policy_text = policy_texts(&p.policy);
                    sh.status.resolved("policy");
                }
            });
            if parsed.iter().all(Option::is_some) {
                // Every value is in range again: an earlier "out of range" no longer holds.
                sh.status.resolved("policy");
            }
            if submit {
                if parsed.iter().all(Option::is_some) {
                    let g = |i: usize| parsed[i];
                    sh.jobs.push(Job::UpdateProvider {
                        actor: sh.operator.clone(),
                        code: p.code.to_string(),
                        changes: ProviderChanges {
                            max_incorrect: g(0),
                            token_minutes: g(1),
                            min_length: g(2),
                            history: g(3),
                            max_tokens_per_hour: g(4),
                            ..ProviderChanges::default()
                        },
                    });
                } else {
                    sh.status.error_about(
                        "policy",
                        "Some policy values are out of range: see the sentences in red.",
                    );
                }
            }
        } else {
            ui.label(RichText::new("Only a super admin can change the policy.").weak());
        }
    }

    fn mail_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let m = &mut self.mail;
        if let Some(pick) = &m.pick
            && let Some(result) = pick.poll()
        {
            m.pick = None;
            match result {
                Some(path) => {
                    m.edit.ca_path = path.display().to_string();
                    m.pick_note = None;
                }
                None => {
                    m.pick_note = Some(
                        "No file was chosen. If no dialog appeared, type the file's path instead \
                         (on Linux the dialog needs the desktop portal or zenity)."
                            .into(),
                    );
                }
            }
        }
        ui.strong("Mail settings (for the whole console)");
        ui.add_space(4.0);
        if m.loaded.is_none() {
            ui.spinner();
            return;
        }
        if m.loaded
            .as_ref()
            .is_some_and(|v| v.settings == MailSettings::NotSet)
        {
            ui.colored_label(
                error_color(ui),
                "No mail relay is set up: password tokens cannot be sent. Choose the outbox (a training database) or an SMTP relay, then Save.",
            );
        }
        ui.horizontal(|ui| {
            ui.radio_value(
                &mut m.edit.smtp,
                false,
                "Outbox (a training database: messages stay here and every operator can read them)",
            );
        });
        ui.horizontal(|ui| {
            ui.radio_value(&mut m.edit.smtp, true, "SMTP relay");
        });
        let mut submit = false;
        if m.edit.smtp {
            ui.add_space(4.0);
            form_grid("smtp").show(ui, |ui| {
                let r = field_row(ui, "Host", &mut m.edit.host, false);
                submit |= entered(ui, &r);
                let label = ui.label("Security");
                let before = m.edit.security;
                egui::ComboBox::from_id_salt("smtp-security")
                    .selected_text(security_words(m.edit.security))
                    .width(FIELD_WIDTH)
                    .show_ui(ui, |ui| {
                        for s in Security::ALL {
                            ui.list_option(&mut m.edit.security, s, security_words(s));
                        }
                    })
                    .response
                    .labelled_by(label.id)
                    .says_value();
                if before != m.edit.security
                    && m.edit.port.trim() == before.default_port().to_string()
                {
                    m.edit.port = m.edit.security.default_port().to_string();
                }
                ui.end_row();
                let r = field_row(ui, "Port", &mut m.edit.port, false);
                submit |= entered(ui, &r);
                let r = field_row(ui, "Username", &mut m.edit.username, false);
                submit |= entered(ui, &r);
                let r = field_row(ui, "SMTP password", m.password.as_mut_string(), true);
                submit |= entered(ui, &r);
                let r = field_row(ui, "From address", &mut m.edit.from, false);
                submit |= entered(ui, &r);
                let r = field_row(ui, "Timeout (seconds)", &mut m.edit.timeout, false);
                submit |= entered(ui, &r);
                let label = ui.label("CA certificate file (PEM)");
                ui.horizontal(|ui| {
                    let r = ui
                        .add(
                            egui::TextEdit::singleline(&mut m.edit.ca_path)
                                .desired_width(FIELD_WIDTH - 90.0),
                        )
                        .labelled_by(label.id);
                    submit |= entered(ui, &r);
                    if ui
                        .add_if(m.pick.is_none(), egui::Button::new("Choose…"))
                        .clicked()
                    {
                        m.pick = Some(FilePick::open(
                            ui.ctx(),
                            "CA certificate (PEM)",
                            "PEM certificate",
                            &["pem", "crt", "cer"],
                        ));
                    }
                });
                ui.end_row();
            });
            let has_password = m.loaded.as_ref().is_some_and(|l| l.has_password);
            if has_password {
                ui.label(
                    RichText::new("A password is stored; leave SMTP password empty to keep it.")
                        .weak(),
                );
            }
            if m.edit.keep_ca && m.edit.ca_path.trim().is_empty() {
                ui.horizontal(|ui| {
                    ui.label(RichText::new("A CA certificate is stored and will be kept.").weak());
                    if ui.small_button("Remove it").clicked() {
                        m.edit.keep_ca = false;
                    }
                });
            }
            if let Some(n) = &m.pick_note {
                ui.label(RichText::new(n).color(super::widgets::warn_color(ui)));
            }
            ui.label(RichText::new("Certificates are always verified against the system's roots and the CA file above.").weak());
        }
        ui.add_space(6.0);
        submit |= ui.button("Save mail settings").clicked();
        if submit {
            match mail_settings(m) {
                Ok((settings, ca_file)) => {
                    sh.jobs.push(Job::SetMail {
                        actor: sh.operator.clone(),
                        settings,
                        keep_password: m.password.is_empty(),
                        ca_file,
                        keep_ca: m.edit.keep_ca,
                    });
                }
                Err(e) => sh.status.error(e),
            }
        }
        ui.add_space(10.0);
        let mut send = false;
        form_grid("mail-test").show(ui, |ui| {
            let r = field_row(ui, "Test recipient", &mut m.test_to, false);
            send |= entered(ui, &r);
        });
        send |= ui.button("Send test message").clicked();
        ui.label(RichText::new("Sends through the saved settings (save first). With the outbox, the message lands in the outbox.").weak());
        if send {
            sh.jobs.push(Job::SendTest {
                actor: sh.operator.clone(),
                to: m.test_to.trim().to_owned(),
            });
        }
    }
}

fn security_words(s: Security) -> &'static str {
    match s {
        Security::None => "none (no TLS)",
        Security::Starttls => "STARTTLS",
        Security::Tls => "TLS (implicit)",
    }
}

fn mail_settings(m: &MailForm) -> Result<(MailSettings, Option<PathBuf>), String> {
    if !m.edit.smtp {
        return Ok((MailSettings::Outbox, None));
    }
    let port: u16 = m
        .edit
        .port
        .trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| {
            format!(
                "The port must be a number from 1 to 65535, not \"{}\".",
                m.edit.port.trim()
            )
        })?;
    let timeout_secs: u64 = m.edit.timeout.trim().parse().map_err(|_| {
        format!(
            "The timeout must be a whole number of seconds, not \"{}\".",
            m.edit.timeout.trim()
        )
    })?;
    let username = Some(m.edit.username.trim().to_owned()).filter(|u| !u.is_empty());
    let password =
        (!m.password.is_empty() && username.is_some()).then(|| m.password.expose().to_owned());
    let ca = m.edit.ca_path.trim();
    let ca_file = (!ca.is_empty()).then(|| PathBuf::from(ca));
    Ok((
        MailSettings::Smtp(SmtpSettings {
            host: m.edit.host.trim().to_owned(),
            port,
            security: m.edit.security,
            username,
            password,
            from: m.edit.from.trim().to_owned(),
            timeout_secs,
            ca_pem: None,
        }),
        ca_file,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::PolicyKey;

    #[test]
    fn every_policy_value_is_explained_in_words() {
        assert_eq!(
            policy_words(PolicyKey::MaxIncorrect, 5),
            "An account is Admin Locked on the 6th consecutive wrong password or token."
        );
        assert!(policy_words(PolicyKey::TokenMinutes, 1).contains("1 minute after"));
        assert!(policy_words(PolicyKey::History, 0).contains("may be used again"));
        assert!(policy_words(PolicyKey::MaxTokensPerHour, 5).contains("5 password tokens"));
    }
}
