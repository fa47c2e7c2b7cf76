//! The Users panel's Add user dialog (super admins).

#[allow(clippy::wildcard_imports)]
use super::*;

impl UsersPanel {
    /// The Add user dialog (super admins only): Esc or Cancel closes it, Enter submits.
    pub(super) fn add_user_ui(&mut self, ui: &mut Ui, actor: &Operator, jobs: &mut Jobs) {
        if !actor.is_super_admin() {
            self.add_user = None;
        }
        let Some(f) = &mut self.add_user else { return };
        let providers = &self.providers;
        let mut submit = false;
        let mut cancel = false;
        let modal = egui::Modal::new(egui::Id::unique("add-user")).show(ui.ctx(), |ui| {
            ui.set_width(500.0);
            crate::ui::widgets::heading(ui, "Add user");
            ui.add_space(8.0);
            form_grid("add-user-form").show(ui, |ui| {
                let combo_label = ui.label("Provider");
                egui::ComboBox::from_id_salt("add-user-provider")
                    .selected_text(if f.code.is_empty() {
                        "Choose…"
                    } else {
                        f.code.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for p in providers {
                            ui.list_option(&mut f.code, p.code.to_string(), p.code.as_str());
                        }
                    })
                    .response
                    .labelled_by(combo_label.id)
.says_value();
                ui.end_row();
                let r = field_row(ui, "Login Name", &mut f.login, false);
                if !std::mem::replace(&mut f.focused, true) {
                    r.request_focus();
                }
                submit |= entered(ui, &r);
                for (label, value) in [
                    ("First name", &mut f.first),
                    ("Last name", &mut f.last),
                    ("Email", &mut f.email),
                    ("Phone/Text Message Email", &mut f.text_email),
                ] {
                    let r = field_row(ui, label, value, false);
                    submit |= entered(ui, &r);
                }
                ui.label("");
                ui.checkbox(&mut f.spr, "Self Password Reset enabled");
                ui.end_row();
                let r = field_row(ui, "Initial password", f.password.as_mut_string(), true);
                submit |= entered(ui, &r);
                let r = field_row(ui, "Confirm initial password", f.confirm.as_mut_string(), true);
                submit |= entered(ui, &r);
            });
            for addr in [&f.email, &f.text_email] {
                if let Some(w) = carriers::warning_for_address(addr) {
                    ui.colored_label(warn_color(ui), format!("Warning: {w}"));
                }
            }
            ui.label(
                RichText::new(
                    "The initial password is optional: leave both empty to add the user without a password; they then set one through Self Password Reset. A password given must meet the provider's policy.",
                )
                .weak(),
            );
            if providers.is_empty() {
                ui.colored_label(error_color(ui), "Add a provider first.");
            }
            if let Some(n) = &f.note {
                n.ui(ui);
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let can = !f.adding && !f.code.is_empty();
                submit |= ui.add_if(can, egui::Button::new("Add")).clicked();
                cancel |= ui.button("Cancel").clicked();
            });
        });
        if cancel || modal.should_close() {
            self.add_user = None;
            return;
        }
        if !submit || f.adding || f.code.is_empty() {
            return;
        }
        if f.password != f.confirm {
            f.note = Some(Note::Error(
                "The initial password and its confirmation do not match.".into(),
            ));
            return;
        }
        f.note = None;
        f.adding = true;
        jobs.push(DataJob::AddUser {
            actor: actor.clone(),
            code: f.code.clone(),
            input: UserInput {
                login: f.login.trim().to_owned(),
                first: f.first.trim().to_owned(),
                last: f.last.trim().to_owned(),
                email: non_empty(&f.email),
                text_email: non_empty(&f.text_email),
                spr_enabled: f.spr,
                password: Some(f.password.expose().to_owned()).filter(|p| !p.is_empty()),
            },
        });
    }
}
