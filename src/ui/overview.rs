//! The Overview panel (SPEC §5): the super admin's morning in one screen — who can reset on
//! their own, every provider at a glance, lockouts and resets per day, and last night's locks
//! grouped into incidents that can be unlocked together.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Plot};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::a11y::AddIf as _;
use super::data::Progress;
use super::file_menu::progress_ui;
use super::view::Shell;
use super::widgets::{Note, count_of, error_color, ok_color, short_time, thousands, warn_color};
use super::worker::{Job, OverviewAnswer};
use crate::core::error::CoreError;
use crate::core::overview::{ACTIVITY_DAYS, INCIDENT_GAP_MINUTES, Incident, Overview};
use crate::core::service::CANCELLED;

/// The Overview panel.
#[derive(Debug, Default)]
pub struct OverviewPanel {
    view: Option<Overview>,
    error: Option<String>,
    /// Whether a read is on its way (so a frame does not send another).
    loading: bool,
    /// What is shown is older than a change made since: read it again.
    stale: bool,
    /// The incident whose unlock is being confirmed.
    confirm: Option<UnlockForm>,
}

#[derive(Debug)]
struct UnlockForm {
    incident: Incident,
    reason: String,
    note: Option<Note>,
    focused: bool,
    /// The unlock on the worker: its progress, and the flag the dialog's Cancel sets.
    run: Option<(Progress, Arc<AtomicBool>)>,
}

impl OverviewPanel {
    /// Reads the Overview again when it is next drawn (after any change, here or at another
    /// seat); what it shows stays until the new one comes.
    pub fn refresh(&mut self) {
        self.stale = true;
    }

    /// Takes this panel's answers.
    pub fn on_answer(&mut self, a: OverviewAnswer, sh: &mut Shell<'_>) {
        match a {
            OverviewAnswer::Overview(r) => {
                self.loading = false;
                match r {
                    Ok(v) => {
                        self.view = Some(*v);
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.to_string()),
                }
            }
            OverviewAnswer::AccountsUnlocked(r) => match r {
                Err(CoreError::Invalid(m)) if m == CANCELLED => {
                    sh.status.ok(m);
                    self.confirm = None;
                    self.refresh();
                }
                Ok(n) => {
                    sh.status.ok(format!(
                        "{} unlocked; the reason is in the audit log.",
                        count_of(n as u64, "account", "accounts")
                    ));
                    self.confirm = None;
                    self.refresh();
                }
                Err(e) => {
                    if let Some(f) = &mut self.confirm {
                        f.run = None;
                        f.note = Some(Note::Error(e.to_string()));
                    } else {
                        sh.status.error(e.to_string());
                    }
                }
            },
        }
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        if (self.view.is_none() || self.stale) && !self.loading {
            self.loading = true;
            self.stale = false;
            sh.jobs.push(Job::Overview {
                actor: sh.operator.clone(),
            });
        }
        self.confirm_ui(ui, sh);
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| self.body_ui(ui));
        });
    }

    fn body_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            super::widgets::heading(ui, "Overview");
            if ui
                .button("Refresh")
                .on_hover_text("Read the counts, the activity and the locks again")
                .clicked()
            {
                self.refresh();
            }
        });
        if let Some(e) = &self.error {
            ui.label(RichText::new(e).color(error_color(ui)));
        }
        let Some(v) = &self.view else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Reading the providers, the activity and the locks…");
            });
            return;
        };
        if v.providers.is_empty() {
            ui.label("No provider yet: add one in the Provider panel, then enable Self Password Reset for it and its users.");
            return;
        }
        summary_ui(ui, v);
        ui.add_space(10.0);
        ui.label(RichText::new("Providers").strong().size(16.0));
        providers_table(ui, v);
        ui.add_space(12.0);
        ui.label(
            RichText::new(format!(
                "Lockouts and completed resets, last {ACTIVITY_DAYS} days"
            ))
            .strong()
            .size(16.0),
        );
        activity_plot(ui, v);
        ui.add_space(12.0);
        ui.label(
            RichText::new("Admin Locked accounts, by incident")
                .strong()
                .size(16.0),
        );
        if let Some(inc) = incidents_ui(ui, v) {
            self.confirm = Some(UnlockForm {
                incident: inc,
                reason: String::new(),
                note: None,
                focused: false,
                run: None,
            });
        }
        ui.add_space(12.0);
        ui.label(
            RichText::new("Policies against the standards")
                .strong()
                .size(16.0),
        );
        standards_ui(ui, v);
    }

    fn confirm_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) {
        let Some(f) = &mut self.confirm else { return };
        let busy = sh.busy;
        let n = f.incident.accounts.len() as u64;
        let (mut submit, mut cancel) = (false, false);
        let modal = egui::Modal::new(egui::Id::unique("unlock-incident")).show(ui.ctx(), |ui| {
            ui.set_width(480.0);
            super::widgets::heading(
                ui,
                format!("Unlock {}?", count_of(n, "account", "accounts")),
            );
            ui.label(format!(
                "This unlocks {} of this incident ({}), each with the reason below. \
                 Their failed attempts go back to 0.",
                count_of(n, "account", "accounts"),
                f.incident.providers().join(", ")
            ));
            ui.add_space(6.0);
            let label = ui.label("Reason (written to the audit log)");
            let r = ui
                .add(egui::TextEdit::singleline(&mut f.reason).desired_width(440.0))
                .labelled_by(label.id);
            if !std::mem::replace(&mut f.focused, true) {
                r.request_focus();
            }
            submit |= super::widgets::entered(ui, &r);
            if let Some(note) = &f.note {
                note.ui(ui);
            }
            ui.add_space(8.0);
            if let Some((progress, stop)) = &f.run {
                // Running: the bar (the dialog's width), and under it a Cancel that rolls
                // the whole unlock back.
                if stop.load(Ordering::Relaxed) {
                    progress_ui(ui, "Cancelling", progress);
                } else {
                    progress_ui(ui, "Unlocking", progress);
                    if ui
                        .button("Cancel the unlock")
                        .on_hover_text("Stops it and rolls it back: nothing will have changed")
                        .clicked()
                    {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                return;
            }
            ui.horizontal(|ui| {
                submit |= ui
                    .add_if(
                        !busy,
                        egui::Button::new(format!("Unlock {}", count_of(n, "account", "accounts"))),
                    )
                    .clicked();
                cancel |= ui.button("Cancel").clicked();
            });
        });
        // While it runs the dialog stays: its Cancel stops the work instead.
        if f.run.is_some() {
            return;
        }
        if cancel || modal.should_close() {
            self.confirm = None;
            return;
        }
        if submit && !busy {
            f.note = None;
            let run = (Progress::default(), Arc::new(AtomicBool::new(false)));
            sh.jobs.push(Job::UnlockAccounts {
                actor: sh.operator.clone(),
                ids: f.incident.accounts.iter().map(|a| a.user_id).collect(),
                reason: f.reason.clone(),
                progress: run.0.clone(),
                cancel: run.1.clone(),
            });
            f.run = Some(run);
        }
    }
}

/// The answer to "how many of our users can reset on their own, and was last night an
/// attack?" in two sentences.
fn summary_ui(ui: &mut Ui, v: &Overview) {
    let users: u64 = v.providers.iter().map(|p| p.counts.users).sum();
    let ready: u64 = v.providers.iter().map(|p| p.ready).sum();
    let locked: u64 = v.providers.iter().map(|p| p.counts.admin_locked).sum();
    let pct = if users == 0 {
        0.0
    } else {
        ready as f64 * 100.0 / users as f64
    };
    ui.label(
        RichText::new(format!(
            "{} of {} can reset their password on their own ({pct:.0}%), across {}.",
            thousands(ready),
            count_of(users, "user", "users"),
            count_of(v.providers.len() as u64, "provider", "providers"),
        ))
        .size(15.0),
    );
    let bursts = v.incidents.iter().filter(|i| i.is_burst()).count() as u64;
    let (text, color) = if locked == 0 {
        ("No account is Admin Locked.".to_owned(), ok_color(ui))
    } else if bursts > 0 {
        (
            format!(
                "{} Admin Locked; {} many accounts locked within minutes of each other: \
                 someone may have been trying passwords or tokens.",
                count_of(locked, "account is", "accounts are"),
                count_of(bursts, "burst has", "bursts have"),
            ),
            error_color(ui),
        )
    } else {
        (
            format!(
                "{} Admin Locked, each on its own: users' own mistakes, by the look of it.",
                count_of(locked, "account is", "accounts are")
            ),
            warn_color(ui),
        )
    };
    ui.label(RichText::new(text).color(color).size(15.0));
}

fn providers_table(ui: &mut Ui, v: &Overview) {
    let headers = [
        "Provider Code",
        "Name",
        "SPR",
        "Users",
        "SPR enabled",
        "Configured",
        "Can reset",
        "Only a retired gateway",
        "Admin Locked",
    ];
    let height = 24.0 * (v.providers.len().min(8) as f32 + 1.0) + 8.0;
    ui.push_id("overview-providers", |ui| {
        ui.set_max_height(height);
        let n = v.providers.len();
        super::a11y::table(ui, "Providers", n, headers.len(), |ui, tree| {
            TableBuilder::new(ui)
                .id_salt("overview-providers-table")
                .striped(true)
                .vscroll(v.providers.len() > 8)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::auto().at_least(90.0).clip(true))
                .column(Column::auto().at_least(120.0).at_most(260.0).clip(true))
                .columns(Column::auto().at_least(40.0), 8)
                .header(22.0, |mut h| {
                    for t in headers {
                        h.col(|ui| {
                            tree.header_cell(ui);
                            ui.strong(t);
                        });
                    }
                })
                .body(|body| {
                    body.rows(24.0, v.providers.len(), |mut row| {
                        let i = row.index();
                        let p = &v.providers[i];
                        row.col(|ui| {
                            tree.cell(ui, i, false);
                            ui.label(p.provider.code.as_str());
                        });
                        row.col(|ui| {
                            tree.cell(ui, i, false);
                            ui.label(&p.provider.name);
                        });
                        row.col(|ui| {
                            tree.cell(ui, i, false);
                            ui.label(if p.provider.spr_enabled { "On" } else { "Off" });
                        });
                        for n in [
                            p.counts.users,
                            p.counts.spr_enabled,
                            p.counts.configured,
                            p.ready,
                            p.retired_only,
                        ] {
                            row.col(|ui| {
                                tree.cell(ui, i, false);
                                ui.label(thousands(n));
                            });
                        }
                        row.col(|ui| {
                            tree.cell(ui, i, false);
                            let n = p.counts.admin_locked;
                            let mut t = RichText::new(thousands(n));
                            if n > 0 {
                                t = t.color(error_color(ui)).strong();
                            }
                            ui.label(t);
                        });
                    });
                });
        });
    });
}

fn activity_plot(ui: &mut Ui, v: &Overview) {
    let lockouts: Vec<Bar> = v
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| Bar::new(i as f64 - 0.2, d.lockouts as f64).width(0.4))
        .collect();
    let resets: Vec<Bar> = v
        .days
        .iter()
        .enumerate()
        .map(|(i, d)| Bar::new(i as f64 + 0.2, d.resets as f64).width(0.4))
        .collect();
    let days: Vec<String> = v.days.iter().map(|d| d.day.clone()).collect();
    let total_locks: u64 = v.days.iter().map(|d| d.lockouts).sum();
    let total_resets: u64 = v.days.iter().map(|d| d.resets).sum();
    let summary = format!(
        "{} and {} in the last {ACTIVITY_DAYS} days (UTC days).",
        count_of(total_locks, "lockout", "lockouts"),
        count_of(total_resets, "completed reset", "completed resets"),
    );
    ui.label(&summary);
    let lock_color = error_color(ui);
    let reset_color = ok_color(ui);
    let chart = Plot::new("overview-activity")
        .height(180.0)
        .legend(Legend::default())
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .include_y(4.0)
        .y_axis_label("per day")
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            days.get(i as usize)
                .map(|d| d.get(5..).unwrap_or(d).to_owned())
                .unwrap_or_default()
        })
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("Lockouts", lockouts).color(lock_color));
            plot.bar_chart(BarChart::new("Completed resets", resets).color(reset_color));
        })
        .response;
    // For a screen reader the chart is a named picture, not a Tab stop: the sentence above
    // says what it shows.
    ui.ctx().accesskit_node_builder(chart.id, |n| {
        n.set_role(egui::accesskit::Role::Image);
        n.set_label(format!(
            "Chart: lockouts and completed resets per day, last {ACTIVITY_DAYS} days"
        ));
        n.set_description(summary.clone());
        n.remove_action(egui::accesskit::Action::Focus);
    });
}

/// Lists the incidents; returns the one whose Unlock was clicked.
fn incidents_ui(ui: &mut Ui, v: &Overview) -> Option<Incident> {
    if v.incidents.is_empty() {
        ui.label("No account is Admin Locked.");
        return None;
    }
    ui.label(
        RichText::new(format!(
            "Locks of the same kind within {INCIDENT_GAP_MINUTES} minutes of each other are one incident. Newest first."
        ))
        .weak(),
    );
    let mut chosen = None;
    for (k, inc) in v.incidents.iter().enumerate() {
        let n = inc.accounts.len() as u64;
        let cause = match inc.cause.as_str() {
            "token" => "wrong password tokens",
            "password" => "wrong passwords",
            _ => "incorrect entries",
        };
        let when = match (&inc.first, &inc.last) {
            (Some(a), Some(b)) if a == b => format!("at {}", short_time(a)),
            (Some(a), Some(b)) => format!("{} – {}", short_time(a), short_time(b)),
            _ => "at a time not recorded".to_owned(),
        };
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                let title = if inc.is_burst() {
                    format!(
                        "{} locked within {} by {cause}",
                        count_of(n, "account", "accounts"),
                        count_of(inc.span_minutes().max(1) as u64, "minute", "minutes")
                    )
                } else {
                    format!("{} locked by {cause}", count_of(n, "account", "accounts"))
                };
                let mut t = RichText::new(title).strong();
                if inc.is_burst() {
                    t = t.color(error_color(ui));
                }
                ui.label(t);
                ui.label(format!("— {when}, {}", inc.providers().join(", ")));
                if ui
                    .button(format!("Unlock {}…", count_of(n, "account", "accounts")))
                    .on_hover_text("Unlock every account of this incident with one reason")
                    .clicked()
                {
                    chosen = Some(inc.clone());
                }
            });
            if inc.is_burst() {
                ui.label(
                    RichText::new(
                        "Many accounts in minutes: more likely someone trying guesses than users' own mistakes. Check the audit log before you unlock.",
                    )
                    .color(warn_color(ui)),
                );
            }
            let shown: Vec<&str> = inc.accounts.iter().take(12).map(|a| a.login.as_str()).collect();
            let more = inc.accounts.len().saturating_sub(shown.len());
            let mut list = shown.join(", ");
            if more > 0 {
                list.push_str(&format!(" and {more} more"));
            }
            ui.push_id(k, |ui| ui.label(RichText::new(list).weak()));
        });
    }
    chosen
}

fn standards_ui(ui: &mut Ui, v: &Overview) {
    ui.label(
        RichText::new(
            "Each provider's password policy against NIST SP 800-63B rev. 4 and OWASP ASVS 5.0. Warnings only: nothing is forced.",
        )
        .weak(),
    );
    for p in &v.providers {
        let warnings: Vec<_> = p.standards.iter().filter(|c| !c.ok).collect();
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(p.provider.code.as_str()).strong());
            if warnings.is_empty() {
                ui.label(RichText::new("meets every check.").color(ok_color(ui)));
            } else {
                ui.label(
                    RichText::new(format!(
                        "{}:",
                        count_of(warnings.len() as u64, "warning", "warnings")
                    ))
                    .color(warn_color(ui)),
                );
            }
        });
        for c in &warnings {
            ui.horizontal_wrapped(|ui| {
                ui.add_space(16.0);
                ui.label(format!("{} ({})", c.text, c.source));
            });
        }
    }
}
