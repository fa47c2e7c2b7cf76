//! The Outbox view: the messages placed in the outbox, newest first, each as the recipient
//! would see it (a text message as a phone bubble, an email as a mailbox shows it).

use egui::Ui;

use super::data::{DataJob, OutboxAnswer};
use super::view::Shell;
use super::widgets::{Note, mailbox_ui, phone_ui};
use crate::core::model::StoredMessage;

/// How many of the newest messages the view shows.
pub const OUTBOX_LAST: u32 = 200;

/// The Outbox view.
#[derive(Debug, Default)]
pub struct OutboxView {
    /// Newest first.
    messages: Vec<StoredMessage>,
    asked: bool,
    note: Option<Note>,
}

impl OutboxView {
    /// Reads the outbox again when the view is next drawn.
    pub fn refresh(&mut self) {
        self.asked = false;
    }

    /// The messages shown, newest first.
    pub fn messages(&self) -> &[StoredMessage] {
        &self.messages
    }

    /// Takes this view's answer.
    pub fn on_answer(&mut self, a: OutboxAnswer) {
        match a.0 {
            Ok(mut m) => {
                m.reverse();
                self.messages = m;
            }
            Err(e) => self.note = Some(Note::Error(e.to_string())),
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        if !self.asked {
            self.asked = true;
            sh.jobs.push(DataJob::Outbox { last: OUTBOX_LAST });
        }
        ui.horizontal(|ui| {
            super::widgets::heading(ui, "Outbox");
            if ui.button("Refresh").clicked() {
                self.asked = false;
            }
        });
        ui.label(format!(
            "Messages kept in the database instead of being sent (demos and trainings), newest first; the last {OUTBOX_LAST}."
        ));
        if let Some(n) = &self.note {
            n.ui(ui);
        }
        ui.separator();
        if self.messages.is_empty() {
            ui.weak("The outbox is empty.");
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for m in &self.messages {
                // A message without a subject went to a text (email-to-SMS) address.
                ui.push_id(m.id, |ui| {
                    if m.subject.is_none() {
                        phone_ui(ui, m);
                    } else {
                        mailbox_ui(ui, m);
                    }
                });
                ui.add_space(12.0);
            }
        });
    }
}
