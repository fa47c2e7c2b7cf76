//! The Users panel's CSV import: the provider, the file, progress, and every bad row named.

#[allow(clippy::wildcard_imports)]
use super::*;

impl UsersPanel {
    pub(super) fn import_ui(&mut self, ui: &mut Ui, actor: &Operator) {
        if !self.import_open || !actor.is_super_admin() {
            return;
        }
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(RichText::new("Import users from CSV").strong());
            ui.label(
                "Header: login,first,last,email,text_email,spr. One transaction: a file with any bad row changes nothing. Imported users have no password yet.",
            );
            ui.horizontal(|ui| {
                let combo_label = ui.label("Import into provider");
                egui::ComboBox::from_id_salt("Import into provider")
                    .selected_text(if self.import_code.is_empty() {
                        "Choose…"
                    } else {
                        self.import_code.as_str()
                    })
                    .show_ui(ui, |ui| {
                        for p in &self.providers {
                            ui.list_option(&mut self.import_code, p.code.to_string(), p.code.as_str());
                        }
                    })
                    .response
                    .labelled_by(combo_label.id)
.says_value();
                let can = !self.import_code.is_empty() && self.import_progress.is_none();
                if ui.add_if(can, egui::Button::new("Choose file…")).clicked() {
                    self.dialogs.ask(ui.ctx(), Purpose::ImportUsers);
                }
                if ui.button("Close").clicked() {
                    self.import_open = false;
                    self.bad_rows.clear();
                }
            });
            if let Some(p) = &self.import_progress {
                let cancelling = self
                    .import_cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed));
                ui.horizontal(|ui| {
                    progress_ui(ui, if cancelling { "Cancelling" } else { "Importing" }, p);
                    if let Some(c) = &self.import_cancel
                        && ui
                            .add_if(!cancelling, egui::Button::new("Cancel the import"))
                            .clicked()
                    {
                        c.store(true, Ordering::Relaxed);
                    }
                });
            }
            if !self.bad_rows.is_empty() {
                ui.label(RichText::new("Fix these rows and import the file again:").color(error_color(ui)));
                egui::ScrollArea::vertical()
                    .id_salt("bad-rows")
                    .max_height(160.0)
                    .show(ui, |ui| {
                        for r in &self.bad_rows {
                            ui.label(r.to_string());
                        }
                    });
            }
        });
    }
}
