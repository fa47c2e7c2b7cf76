//! The Audit view: newest first, filters (provider, login, action, outcome, time range),
//! pages of events, and CSV and JSON exports (oldest first, SPEC §3.10).

use egui::{RichText, TextEdit, Ui};
use egui_extras::{Column, TableBuilder};

use super::data::{AuditFormat, DataAnswer, DataJob};
use super::file_menu::{Dialogs, Purpose};
use super::widgets::{Note, error_color, short_time};
use crate::core::audit::{AuditEvent, AuditFilter};
use crate::core::clock::{parse_rfc3339, rfc3339};

/// Events per page of the view.
pub const AUDIT_PAGE: u32 = 500;

/// Every outcome, for the filter.
const OUTCOMES: [&str; 3] = ["ok", "denied", "error"];

/// The Audit view.
#[derive(Debug, Default)]
pub struct AuditView {
    pub provider: String,
    pub login: String,
    pub action: String,
    pub outcome: String,
    /// RFC 3339 or `YYYY-MM-DD`, inclusive.
    pub since: String,
    /// RFC 3339 or `YYYY-MM-DD`, exclusive.
    pub until: String,
    page: u32,
    applied: Option<AuditFilter>,
    generation: u64,
    total: u64,
    events: Vec<AuditEvent>,
    note: Option<Note>,
    pub dialogs: Dialogs,
}

fn time_bound(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(t) = parse_rfc3339(s) {
        return Ok(Some(rfc3339(t)));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(rfc3339(t.and_utc())))
        .ok_or_else(|| format!("\"{s}\" is not a date (2026-11-28) or an RFC 3339 time."))
}

fn text(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl AuditView {
    /// The filter the fields describe, or why a time is not understood.
    pub fn filter(&self) -> Result<AuditFilter, String> {
        Ok(AuditFilter {
            provider: text(&self.provider).map(|p| p.to_uppercase()),
            login: text(&self.login),
            action: text(&self.action),
            outcome: text(&self.outcome),
            session: None,
            since: time_bound(&self.since)?,
            until: time_bound(&self.until)?,
            newest_first: true,
            limit: Some(AUDIT_PAGE),
            offset: Some(self.page * AUDIT_PAGE),
        })
    }

    /// The events shown now, newest first.
    pub fn events(&self) -> &[AuditEvent] {
        &self.events
    }

    /// Reads the log again (after a change elsewhere).
    pub fn refresh(&mut self) {
        self.applied = None;
    }

    /// Takes the worker's answer to one of this view's jobs.
    pub fn on_answer(&mut self, a: DataAnswer) {
        match a {
            DataAnswer::Audit { generation, result } if generation == self.generation => {
                match result {
                    Ok((total, events)) => {
                        self.total = total;
                        self.events = events;
                    }
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            DataAnswer::AuditExported { path, result } => {
                self.note = Some(match result {
                    Ok(n) => Note::Ok(format!(
                        "Exported {n} event(s), oldest first, to {}.",
                        path.display()
                    )),
                    Err(e) => Note::Error(e.to_string()),
                });
            }
            _ => {}
        }
    }

    /// The filter fields as typed, to tell when one changed.
    fn typed(&self) -> [String; 6] {
        [
            self.provider.clone(),
            self.login.clone(),
            self.action.clone(),
            self.outcome.clone(),
            self.since.clone(),
            self.until.clone(),
        ]
    }

    /// Draws the view; returns the jobs to send to the worker.
    #[must_use]
    pub fn panel_ui(&mut self, ui: &mut Ui) -> Vec<DataJob> {
        let mut jobs = Vec::new();
        let before = self.typed();
        ui.horizontal_wrapped(|ui| {
            for (label, value, width) in [
                ("Provider Code", &mut self.provider, 80.0),
                ("Login Name", &mut self.login, 120.0),
                ("Action", &mut self.action, 120.0),
            ] {
                let l = ui.label(label);
                ui.add(TextEdit::singleline(value).desired_width(width))
                    .labelled_by(l.id);
            }
            let combo_label = ui.label("Outcome");
            egui::ComboBox::from_id_salt("Outcome")
                .selected_text(if self.outcome.is_empty() {
                    "Any"
                } else {
                    &self.outcome
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.outcome, String::new(), "Any");
                    for o in OUTCOMES {
                        ui.selectable_value(&mut self.outcome, o.to_owned(), o);
                    }
                })
                .response
                .labelled_by(combo_label.id);
            for (label, value) in [("From", &mut self.since), ("Before", &mut self.until)] {
                let l = ui.label(label);
                ui.add(
                    TextEdit::singleline(value)
                        .hint_text("2026-11-28")
                        .desired_width(150.0),
                )
                .labelled_by(l.id);
            }
        });
        let now = self.typed();
        if now != before {
            self.page = 0;
        }
        let filter = self.filter();
        match &filter {
            Ok(f) => {
                let changed = self
                    .applied
                    .as_ref()
                    .is_none_or(|a| format!("{a:?}") != format!("{f:?}"));
                if changed {
                    self.generation += 1;
                    self.applied = Some(f.clone());
                    jobs.push(DataJob::Audit {
                        generation: self.generation,
                        filter: f.clone(),
                    });
                }
            }
            Err(e) => {
                ui.colored_label(error_color(ui), e);
            }
        }
        ui.horizontal(|ui| {
            let pages = self.total.div_ceil(u64::from(AUDIT_PAGE)).max(1);
            ui.label(RichText::new(format!("{} events match", self.total)).strong());
            if ui
                .add_enabled(self.page > 0, egui::Button::new("Newer"))
                .clicked()
            {
                self.page -= 1;
            }
            ui.label(format!("Page {} of {pages}", self.page + 1));
            if ui
                .add_enabled(u64::from(self.page + 1) < pages, egui::Button::new("Older"))
                .clicked()
            {
                self.page += 1;
            }
            if ui.button("Refresh").clicked() {
                self.refresh();
            }
            ui.separator();
            if ui.button("Export CSV…").clicked() {
                self.dialogs.ask(ui.ctx(), Purpose::AuditCsv);
            }
            if ui.button("Export JSON…").clicked() {
                self.dialogs.ask(ui.ctx(), Purpose::AuditJson);
            }
        });
        if let Some((purpose, path)) = self.dialogs.ui(ui.ctx())
            && let Ok(f) = self.filter()
        {
            let format = if purpose == Purpose::AuditJson {
                AuditFormat::Json
            } else {
                AuditFormat::Csv
            };
            jobs.push(DataJob::AuditExport {
                filter: f,
                path,
                format,
            });
        }
        if let Some(n) = &self.note {
            n.ui(ui);
        }
        ui.separator();
        self.table_ui(ui);
        jobs
    }

    fn table_ui(&mut self, ui: &mut Ui) {
        TableBuilder::new(ui)
            .id_salt("audit-table")
            .striped(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(160.0))
            .column(Column::initial(80.0).clip(true))
            .column(Column::initial(120.0).clip(true))
            .column(Column::initial(70.0).clip(true))
            .column(Column::initial(100.0).clip(true))
            .column(Column::initial(60.0))
            .column(Column::initial(140.0).clip(true))
            .column(Column::initial(90.0).clip(true))
            .column(Column::initial(110.0).clip(true))
            .column(Column::remainder().clip(true))
            .header(22.0, |mut h| {
                for t in [
                    "Time (UTC)",
                    "Actor",
                    "Action",
                    "Provider",
                    "Login Name",
                    "Outcome",
                    "Reason",
                    "Supervisor",
                    "Session",
                    "Detail",
                ] {
                    h.col(|ui| {
                        ui.strong(t);
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, self.events.len(), |mut row| {
                    let e = &self.events[row.index()];
                    row.col(|ui| {
                        ui.label(short_time(&e.at));
                    });
                    for v in [
                        e.actor.as_str(),
                        e.action.as_str(),
                        e.provider.as_deref().unwrap_or("—"),
                        e.login.as_deref().unwrap_or("—"),
                    ] {
                        row.col(|ui| {
                            ui.label(v);
                        });
                    }
                    row.col(|ui| {
                        if e.outcome == "ok" {
                            ui.label("ok");
                        } else {
                            ui.colored_label(error_color(ui), &e.outcome);
                        }
                    });
                    for v in [
                        e.reason.as_deref(),
                        e.supervisor.as_deref(),
                        e.session.as_deref(),
                    ] {
                        row.col(|ui| {
                            ui.label(v.unwrap_or("—"));
                        });
                    }
                    row.col(|ui| {
                        ui.label(&e.detail).on_hover_text(&e.detail);
                    });
                });
            });
    }
}
