//! The Audit view: newest first, filters (provider, login, action, outcome, time range),
//! pages of events, and CSV and JSON exports (oldest first, SPEC §3.10).

use egui::{RichText, TextEdit, Ui};
use egui_extras::{Column, TableBuilder};

use super::a11y::{AddIf as _, ListOption as _, SaysValue as _};
use super::data::{AuditAnswer, AuditFormat, DataJob};
use super::file_menu::{Dialogs, Purpose};
use super::view::Shell;
use super::widgets::{Note, count_of, error_color, short_time};
use crate::core::audit::{AuditEvent, AuditFilter, Outcome, action};
use crate::core::clock::{parse_rfc3339, rfc3339};

/// Events per page of the view.
pub const AUDIT_PAGE: u32 = 500;

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
    /// The event the keyboard (or a click) is on, by its sequence number: a refresh that
    /// brings newer events keeps it.
    selected_seq: Option<i64>,
    /// The selection moved by a key: bring its row on screen.
    scroll_to_selected: bool,
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
    // What the table shows ("2026-11-28 09:15:02 UTC"), with or without seconds or "UTC".
    let bare = s.strip_suffix("UTC").unwrap_or(s).trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(bare, format) {
            return Ok(Some(rfc3339(t.and_utc())));
        }
    }
    chrono::NaiveDate::parse_from_str(bare, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(rfc3339(t.and_utc())))
        .ok_or_else(|| {
            format!(
                "\"{s}\" is not a date or time: write 2026-11-28, 2026-11-28 09:15 or 2026-11-28 09:15:02 UTC (times are UTC)."
            )
        })
}

/// The Action list's words for the chosen value.
fn action_words(a: &str) -> String {
    if a.is_empty() {
        return "Any".to_owned();
    }
    action::FAMILIES
        .iter()
        .find(|(f, _)| *f == a)
        .map_or_else(|| a.to_owned(), |(f, w)| format!("{f} ({w})"))
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

    /// Takes this view's answers.
    pub fn on_answer(&mut self, a: AuditAnswer) {
        match a {
            AuditAnswer::Page { generation, result } if generation == self.generation => {
                match result {
                    Ok((total, events)) => {
                        self.total = total;
                        self.events = events;
                    }
                    Err(e) => self.note = Some(Note::Error(e.to_string())),
                }
            }
            AuditAnswer::Exported { path, result } => {
                self.note = Some(match result {
                    Ok(n) => Note::Ok(format!(
                        "Exported {}, oldest first, to {}.",
                        count_of(n, "event", "events"),
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

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let jobs = &mut *sh.jobs;
        let before = self.typed();
        ui.horizontal_wrapped(|ui| {
            for (label, value, width) in [
                ("Provider Code", &mut self.provider, 80.0),
                ("Login Name", &mut self.login, 120.0),
            ] {
                ui.horizontal(|ui| {
                    let l = ui.label(label);
                    ui.add(TextEdit::singleline(value).desired_width(width))
                        .labelled_by(l.id);
                });
            }
            ui.horizontal(|ui| {
                let l = ui.label("Action");
                egui::ComboBox::from_id_salt("Action")
                    .selected_text(action_words(&self.action))
                    .height(420.0)
                    .show_ui(ui, |ui| {
                        ui.list_option(&mut self.action, String::new(), "Any");
                        for (family, words) in action::FAMILIES {
                            ui.list_option(
                                &mut self.action,
                                (*family).to_owned(),
                                format!("{family} ({words})"),
                            );
                        }
                        ui.separator();
                        for a in action::ALL {
                            ui.list_option(&mut self.action, (*a).to_owned(), *a);
                        }
                    })
                    .response
                    .labelled_by(l.id)
                    .says_value();
            });
            ui.horizontal(|ui| {
                let combo_label = ui.label("Outcome");
                egui::ComboBox::from_id_salt("Outcome")
                    .selected_text(if self.outcome.is_empty() {
                        "Any"
                    } else {
                        &self.outcome
                    })
                    .show_ui(ui, |ui| {
                        ui.list_option(&mut self.outcome, String::new(), "Any");
                        for o in Outcome::ALL.map(Outcome::as_str) {
                            ui.list_option(&mut self.outcome, o.to_owned(), o);
                        }
                    })
                    .response
                    .labelled_by(combo_label.id)
                    .says_value();
            });
            for (label, value) in [("From", &mut self.since), ("Before", &mut self.until)] {
                // A label and its field stay on one line, and whole on screen.
                if ui.available_size_before_wrap().x < 220.0 {
                    ui.end_row();
                }
                ui.horizontal(|ui| {
                    let l = ui.label(label);
                    ui.add(
                        TextEdit::singleline(value)
                            .hint_text("2026-11-28 09:15")
                            .desired_width(150.0),
                    )
                    .labelled_by(l.id)
                    .on_hover_text("A date, or a date and time as the table shows it (UTC)");
                });
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
            ui.label(
                RichText::new(format!(
                    "{} {}",
                    count_of(self.total, "event", "events"),
                    if self.total == 1 { "matches" } else { "match" }
                ))
                .strong(),
            );
            if ui
                .add_if(self.page > 0, egui::Button::new("Newer"))
                .clicked()
            {
                self.page -= 1;
            }
            ui.label(format!("Page {} of {pages}", self.page + 1));
            if ui
                .add_if(u64::from(self.page + 1) < pages, egui::Button::new("Older"))
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
        self.selected_ui(ui);
        ui.separator();
        self.table_ui(ui);
    }

    /// The selected event in full, wrapped (the table clips its columns at 1024 points).
    fn selected_ui(&self, ui: &mut Ui) {
        let Some(e) = self
            .selected_seq
            .and_then(|s| self.events.iter().find(|e| e.seq == s))
        else {
            return;
        };
        let mut facts = vec![
            short_time(&e.at),
            format!("{} · {}", e.actor, e.action),
            e.outcome.clone(),
        ];
        if let Some(p) = &e.provider {
            facts.push(format!("provider {p}"));
        }
        if let Some(l) = &e.login {
            facts.push(format!("login {l}"));
        }
        if let Some(r) = &e.reason {
            facts.push(r.clone());
        }
        if let Some(s) = &e.session {
            facts.push(format!(
                "session {s} (supervised by {})",
                e.supervisor.as_deref().unwrap_or("—")
            ));
        }
        ui.add(egui::Label::new(RichText::new(facts.join(" · ")).strong()).wrap());
        ui.add(egui::Label::new(&e.detail).wrap());
    }

    fn table_ui(&mut self, ui: &mut Ui) {
        // Arrows, Page Up/Down, Home and End move the selection (when no field has the keys).
        let row_pitch = 20.0 + ui.spacing().item_spacing.y;
        let page_rows = ((ui.available_height() - 24.0) / row_pitch)
            .floor()
            .max(1.0) as u64;
        let cursor = self
            .selected_seq
            .and_then(|s| self.events.iter().position(|e| e.seq == s));
        if let Some(key) = super::table_keys::read(ui)
            && let Some(to) = super::table_keys::moved(
                cursor.map(|c| c as u64),
                key,
                self.events.len() as u64,
                page_rows,
            )
            && let Some(e) = self.events.get(to as usize)
        {
            self.selected_seq = Some(e.seq);
            self.scroll_to_selected = true;
        }
        let cursor = self
            .selected_seq
            .and_then(|s| self.events.iter().position(|e| e.seq == s));
        let scroll_to = cursor.filter(|_| std::mem::take(&mut self.scroll_to_selected));
        let mut clicked: Option<i64> = None;
        let ctx = ui.ctx().clone();
        let events = &self.events;
        super::a11y::table(ui, "Audit events", events.len(), 10, |ui, tree| {
            // At 1024 points the full widths push Detail, the column that says most, out of
            // sight: narrower ones (clipped, the whole text on hover) keep it on screen.
            let w: [f32; 9] = if ui.available_width() < 1150.0 {
                [150.0, 60.0, 110.0, 60.0, 80.0, 55.0, 110.0, 70.0, 70.0]
            } else {
                [160.0, 80.0, 120.0, 70.0, 100.0, 60.0, 140.0, 90.0, 110.0]
            };
            let mut table = TableBuilder::new(ui)
                .id_salt("audit-table")
                .striped(true)
                // A click selects the row; Tab does not stop on every cell.
                .sense(egui::Sense::CLICK)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::initial(w[0]))
                .column(Column::initial(w[1]).clip(true))
                .column(Column::initial(w[2]).clip(true))
                .column(Column::initial(w[3]).clip(true))
                .column(Column::initial(w[4]).clip(true))
                .column(Column::initial(w[5]))
                .column(Column::initial(w[6]).clip(true))
                .column(Column::initial(w[7]).clip(true))
                .column(Column::initial(w[8]).clip(true))
                .column(Column::remainder().at_least(120.0).clip(true));
            if let Some(row) = scroll_to {
                table = table.scroll_to_row(row, None);
            }
            table
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
                            tree.header_cell(ui);
                            ui.strong(t);
                        });
                    }
                })
                .body(|body| {
                    body.rows(20.0, events.len(), |mut row| {
                        let i = row.index();
                        let e = &events[i];
                        let selected = cursor == Some(i);
                        row.set_selected(selected);
                        row.col(|ui| {
                            tree.cell(ui, i, selected);
                            ui.label(short_time(&e.at));
                        });
                        for v in [
                            e.actor.as_str(),
                            e.action.as_str(),
                            e.provider.as_deref().unwrap_or("—"),
                            e.login.as_deref().unwrap_or("—"),
                        ] {
                            row.col(|ui| {
                                tree.cell(ui, i, selected);
                                ui.label(v);
                            });
                        }
                        row.col(|ui| {
                            tree.cell(ui, i, selected);
                            if e.outcome == "ok" {
                                ui.label("ok");
                            } else {
                                ui.colored_label(error_color(ui), &e.outcome);
                            }
                        });
                        for v in [e.reason.as_deref(), e.supervisor.as_deref()] {
                            row.col(|ui| {
                                tree.cell(ui, i, selected);
                                ui.label(v.unwrap_or("—"));
                            });
                        }
                        row.col(|ui| {
                            tree.cell(ui, i, selected);
                            let cell = ui.label(e.session.as_deref().unwrap_or("—"));
                            // How the caller was verified, and the ticket, ride on the session.
                            if let Some(v) = &e.verification {
                                let ticket = e
                                    .ticket
                                    .as_deref()
                                    .map(|t| format!("; ticket {t}"))
                                    .unwrap_or_default();
                                cell.on_hover_text(format!("Identity verified: {v}{ticket}"));
                            }
                        });
                        row.col(|ui| {
                            tree.cell(ui, i, selected);
                            // A clipped label shows its whole text on hover by itself.
                            ui.label(&e.detail);
                        });
                        if row.response().clicked() || tree.row_clicked(&ctx, i) {
                            clicked = Some(e.seq);
                        }
                    });
                });
        });
        if clicked.is_some() {
            self.selected_seq = clicked;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_and_before_take_what_the_table_shows() {
        let shown = short_time("2026-11-28T09:15:02Z");
        assert_eq!(shown, "2026-11-28 09:15:02 UTC");
        assert_eq!(
            time_bound(&shown),
            Ok(Some("2026-11-28T09:15:02.000Z".into()))
        );
        assert_eq!(
            time_bound("2026-11-28 09:15"),
            Ok(Some("2026-11-28T09:15:00.000Z".into()))
        );
        assert_eq!(
            time_bound("2026-11-28"),
            Ok(Some("2026-11-28T00:00:00.000Z".into()))
        );
        assert_eq!(time_bound("  "), Ok(None));
        let refused = time_bound("yesterday").unwrap_err();
        assert!(refused.contains("2026-11-28 09:15"), "{refused}");
    }

    #[test]
    fn an_action_family_reads_in_words() {
        assert_eq!(action_words("reset_*"), "reset_* (every reset step)");
    }
}
