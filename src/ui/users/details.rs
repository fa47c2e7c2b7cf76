//! The Users panel's details pane: SPR, contacts with the carrier helper, unlock with a
//! reason, deactivate, reactivate and delete, and the start of a supervised session.

#[allow(clippy::wildcard_imports)]
use super::*;

impl UsersPanel {
    pub(super) fn details_ui(&mut self, ui: &mut Ui, actor: &Operator, jobs: &mut Jobs) {
        let Some(u) = self.selected.clone() else {
            return;
        };
        ui.horizontal(|ui| {
            crate::ui::widgets::heading(ui, u.login.as_str());
            if ui
                .small_button("Close")
                .on_hover_text("Close the details")
                .clicked()
            {
                self.selected = None;
            }
        });
        ui.label(format!(
            "{} · Provider {}",
            u.display_name(),
            u.provider_code
        ));
        ui.label(format!("Status: {}", u.status.label()));
        if u.status == Status::AdminLocked {
            ui.colored_label(error_color(ui), lock_words(&u));
        }
        ui.label(format!(
            "Consecutive incorrect entries: {}",
            u.failed_attempts
        ));
        ui.label(if u.has_password {
            "Has a password"
        } else {
            "No password yet (imported)"
        });
        if u.status != Status::Deleted
            && ui
                .button("Start supervised session…")
                .on_hover_text("Help this user through a reset on the user's screen (Reset panel)")
                .clicked()
        {
            self.start_session = Some((u.provider_code.to_string(), u.login.to_string()));
        }
        let change = |change: UserChange| DataJob::ChangeUser {
            actor: actor.clone(),
            id: u.id,
            change,
        };
        ui.separator();
        let admin = actor.is_super_admin();
        let mut spr = u.spr_enabled;
        if ui
            .add_if(
                admin,
                egui::Checkbox::new(&mut spr, "Self Password Reset enabled"),
            )
            .changed()
        {
            jobs.push(change(UserChange::Spr(spr)));
        }
        ui.separator();
        ui.label(RichText::new("Self Password Reset contacts").strong());
        let d = &mut self.details;
        let mut save = false;
        egui::Grid::new("user-contacts")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label("Email");
                let r = ui
                    .add_if(
                        admin,
                        TextEdit::singleline(&mut d.email).desired_width(220.0),
                    )
                    .labelled_by(l.id);
                save |= entered(ui, &r);
                ui.end_row();
                let l = ui.label("Phone/Text Message Email");
                let r = ui
                    .add_if(
                        admin,
                        TextEdit::singleline(&mut d.text_email).desired_width(220.0),
                    )
                    .labelled_by(l.id);
                save |= entered(ui, &r);
                ui.end_row();
            });
        for addr in [&d.email, &d.text_email] {
            if let Some(w) = carriers::warning_for_address(addr) {
                ui.colored_label(warn_color(ui), format!("Warning: {w}"));
            }
        }
        if admin {
            ui.collapsing("Build a text address from a phone number", |ui| {
                egui::Grid::new("carrier-helper")
                    .num_columns(2)
                    .show(ui, |ui| {
                        let l = ui.label("10-digit phone number");
                        ui.add(TextEdit::singleline(&mut d.phone).desired_width(140.0))
                            .labelled_by(l.id);
                        ui.end_row();
                        let carrier_label = ui.label("Carrier");
                        egui::ComboBox::from_id_salt("carrier")
                            .selected_text(if d.carrier.is_empty() {
                                "Choose…"
                            } else {
                                &d.carrier
                            })
                            .show_ui(ui, |ui| {
                                for c in carriers::carriers() {
                                    let retired = c.is_retired_on(chrono::Utc::now().date_naive());
                                    let text = if retired {
                                        format!("{} (retired)", c.name)
                                    } else {
                                        c.name.clone()
                                    };
                                    ui.list_option(&mut d.carrier, c.name.clone(), text);
                                }
                            })
                            .response
                            .labelled_by(carrier_label.id)
                            .says_value();
                        ui.end_row();
                    });
                if ui.button("Fill in the Phone/Text Message Email").clicked() {
                    match carriers::gateway_address(&d.phone, &d.carrier) {
                        Ok(g) => {
                            d.text_email = g.address;
                            d.helper_error = None;
                        }
                        Err(e) => d.helper_error = Some(e),
                    }
                }
                if let Some(e) = &d.helper_error {
                    ui.colored_label(error_color(ui), e);
                }
            });
            if ui.button("Save contacts").clicked() || save {
                jobs.push(change(UserChange::Contacts {
                    email: d.email.trim().to_owned(),
                    text_email: d.text_email.trim().to_owned(),
                }));
            }
        }
        ui.separator();
        // Helpdesk operators unlock too (§3.6); the rest is a super admin's.
        if u.status == Status::AdminLocked {
            ui.label(RichText::new("Unlock the account").strong());
            let mut go = false;
            ui.horizontal(|ui| {
                let l = ui.label("Reason for the unlock");
                let r = ui
                    .add(TextEdit::singleline(&mut d.unlock_reason).desired_width(200.0))
                    .labelled_by(l.id);
                // Opening a locked user puts the cursor here: type the reason, press Enter.
                if !d.reason_focused {
                    if r.has_focus() {
                        d.reason_focused = true;
                    } else {
                        r.request_focus();
                    }
                }
                go |= entered(ui, &r);
            });
            go |= ui
                .add_if(
                    !d.unlock_reason.trim().is_empty(),
                    egui::Button::new("Unlock"),
                )
                .clicked();
            if go && !d.unlock_reason.trim().is_empty() {
                jobs.push(change(UserChange::Unlock {
                    reason: std::mem::take(&mut d.unlock_reason),
                }));
            }
        }
        if !admin {
            ui.separator();
            ui.weak("Only a super admin can change anything else of this user.");
            return;
        }
        ui.horizontal(|ui| {
            if matches!(u.status, Status::Active | Status::AdminLocked)
                && ui.button("Deactivate").clicked()
            {
                jobs.push(change(UserChange::Deactivate));
            }
            if u.status == Status::Deactivated && ui.button("Reactivate").clicked() {
                jobs.push(change(UserChange::Reactivate));
            }
            if u.status != Status::Deleted && ui.button("Delete…").clicked() {
                d.confirm_delete = true;
            }
        });
        if d.confirm_delete {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.colored_label(
                    error_color(ui),
                    format!(
                        "Delete {}? The account is hidden and kept for the audit log.",
                        u.login
                    ),
                );
                ui.horizontal(|ui| {
                    if ui.button("Delete the account").clicked() {
                        d.confirm_delete = false;
                        jobs.push(change(UserChange::Delete));
                    }
                    if ui.button("Keep it").clicked() {
                        d.confirm_delete = false;
                    }
                });
            });
        }
    }
}
