//! The File menu (open another database, save a backup copy) and the file dialogs of the
//! data views, with a typed path instead when no native dialog can be shown.
//!
//! rfd on Linux needs the XDG desktop portal or `zenity`; with neither its dialog returns
//! `None` at once, exactly as if the operator had pressed Cancel. So before asking rfd we
//! look for either, and without them we say so and offer a text field for the path.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use egui::{RichText, TextEdit, Ui};

use super::a11y::AddIf as _;
use super::data::{DataJob, FilesAnswer, Progress};
use super::view::Shell;
use super::widgets::{Note, entered};

/// What a file is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    ImportUsers,
    ExportUsers,
    AuditCsv,
    AuditJson,
    OpenDatabase,
    SaveBackup,
}

impl Purpose {
    fn title(self) -> &'static str {
        match self {
            Purpose::ImportUsers => "Import users from CSV",
            Purpose::ExportUsers => "Export users as CSV",
            Purpose::AuditCsv => "Export the audit log as CSV",
            Purpose::AuditJson => "Export the audit log as JSON",
            Purpose::OpenDatabase => "Open another database",
            Purpose::SaveBackup => "Save a backup copy of the database",
        }
    }

    fn saves(self) -> bool {
        !matches!(self, Purpose::ImportUsers | Purpose::OpenDatabase)
    }

    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Purpose::ImportUsers | Purpose::ExportUsers | Purpose::AuditCsv => ("CSV", &["csv"]),
            Purpose::AuditJson => ("JSON", &["json"]),
            Purpose::OpenDatabase | Purpose::SaveBackup => {
                ("spr-console database", &["sqlite3", "sqlite", "db"])
            }
        }
    }

    fn default_name(self) -> String {
        let day = chrono::Utc::now().format("%Y-%m-%d");
        match self {
            Purpose::ExportUsers => format!("users-{day}.csv"),
            Purpose::AuditCsv => format!("audit-{day}.csv"),
            Purpose::AuditJson => format!("audit-{day}.json"),
            Purpose::SaveBackup => format!("spr-console-backup-{day}.sqlite3"),
            Purpose::ImportUsers | Purpose::OpenDatabase => String::new(),
        }
    }
}

/// Why no native dialog can be shown here, or `None` when one can.
pub fn dialog_unavailable_reason() -> Option<String> {
    if std::env::var_os("SPR_CONSOLE_NO_FILE_DIALOG").is_some() {
        return Some("File dialogs are turned off (SPR_CONSOLE_NO_FILE_DIALOG).".into());
    }
    if cfg!(target_os = "linux") && !on_path("zenity") && !portal_installed() {
        return Some(
            "No file dialog can be shown: neither the desktop portal (xdg-desktop-portal) nor \
             zenity is installed. Install zenity, or type the path below."
                .into(),
        );
    }
    None
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The portal is reached over the session bus and started on demand by its service file.
fn portal_installed() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && [
            "/usr/share/dbus-1/services/org.freedesktop.portal.Desktop.service",
            "/usr/local/share/dbus-1/services/org.freedesktop.portal.Desktop.service",
        ]
        .iter()
        .any(|p| Path::new(p).exists())
}

enum Asking {
    /// The native dialog is open on its own thread.
    Native(Receiver<Option<PathBuf>>),
    /// No dialog: the operator types the path.
    Typed {
        path: String,
        why: String,
        /// Why the typed path was not taken yet (no such file; a file to replace).
        note: Option<String>,
        /// The existing file the operator was warned about: OK again replaces it.
        replace: Option<PathBuf>,
    },
}

/// One file question at a time for a view: native dialog, or a typed path.
#[derive(Default)]
pub struct Dialogs {
    asking: Option<(Purpose, Asking)>,
    /// Always ask for a typed path (tests, and machines without dialogs).
    pub typed_only: bool,
}

impl std::fmt::Debug for Dialogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialogs")
            .field("asking", &self.asking.as_ref().map(|a| a.0))
            .finish_non_exhaustive()
    }
}

impl Dialogs {
    /// Whether a question is open.
    pub fn is_open(&self) -> bool {
        self.asking.is_some()
    }

    /// Asks for a file for `purpose`.
    pub fn ask(&mut self, ctx: &egui::Context, purpose: Purpose) {
        let why = if self.typed_only {
            Some("Type the path of the file.".to_owned())
        } else {
            dialog_unavailable_reason()
        };
        let asking = match why {
            Some(why) => Asking::Typed {
                path: purpose.default_name(),
                why,
                note: None,
                replace: None,
            },
            None => Asking::Native(native(ctx, purpose)),
        };
        self.asking = Some((purpose, asking));
    }

    /// Polls the native dialog or draws the typed-path window; returns the chosen file.
    #[must_use]
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<(Purpose, PathBuf)> {
        let (purpose, asking) = self.asking.as_mut()?;
        let purpose = *purpose;
        match asking {
            Asking::Native(rx) => match rx.try_recv() {
                Ok(Some(path)) => {
                    self.asking = None;
                    Some((purpose, path))
                }
                // Cancelled: with a dialog available this is the operator's choice.
                Ok(None) | Err(TryRecvError::Disconnected) => {
                    self.asking = None;
                    None
                }
                Err(TryRecvError::Empty) => None,
            },
            Asking::Typed {
                path,
                why,
                note,
                replace,
            } => {
                let mut chosen = None;
                let mut close = false;
                egui::Window::new(purpose.title())
                    .collapsible(false)
                    .resizable(false)
                    .show(ctx, |ui| {
                        ui.label(why.as_str());
                        ui.horizontal(|ui| {
                            let label = ui.label("File path");
                            let r = ui
                                .add(TextEdit::singleline(path).desired_width(380.0))
                                .labelled_by(label.id);
                            let ok = ui.button("OK").clicked() || entered(ui, &r);
                            if ok && !path.trim().is_empty() {
                                // What a native dialog checks: "open" picks only an existing
                                // file (a typo must not make a new database), "save" asks
                                // before it replaces one.
                                let p = PathBuf::from(path.trim());
                                if !purpose.saves() && !p.is_file() {
                                    *note = Some(format!(
                                        "There is no file at {}. Check the path.",
                                        p.display()
                                    ));
                                } else if purpose.saves()
                                    && p.exists()
                                    && replace.as_ref() != Some(&p)
                                {
                                    *note = Some(format!(
                                        "{} already exists. Press OK again to replace it, or type another path.",
                                        p.display()
                                    ));
                                    *replace = Some(p);
                                } else {
                                    chosen = Some(p);
                                }
                            }
                        });
                        if let Some(n) = note {
                            ui.label(RichText::new(n.as_str()).color(super::widgets::warn_color(ui)));
                        }
                        close = ui.button("Cancel").clicked();
                    });
                if chosen.is_some() || close {
                    self.asking = None;
                }
                chosen.map(|p| (purpose, p))
            }
        }
    }
}

fn native(ctx: &egui::Context, purpose: Purpose) -> Receiver<Option<PathBuf>> {
    let (tx, rx) = channel();
    let ctx = ctx.clone();
    // A thread that cannot start leaves the receiver disconnected: read as "cancelled".
    let _ = std::thread::Builder::new()
        .name("spr-file-dialog".into())
        .spawn(move || {
            let (filter, extensions) = purpose.filter();
            let dialog = rfd::AsyncFileDialog::new()
                .set_title(purpose.title())
                .add_filter(filter, extensions);
            let picked = if purpose.saves() {
                pollster::block_on(dialog.set_file_name(purpose.default_name()).save_file())
            } else {
                pollster::block_on(dialog.pick_file())
            };
            let _ = tx.send(picked.map(|h| h.path().to_path_buf()));
            ctx.request_repaint();
        });
    rx
}

/// What the File menu asks the app to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum FileAction {
    /// Close this database and open the one at this path (the operator signs in again).
    OpenDatabase(PathBuf),
}

/// The File menu and its backup's progress.
#[derive(Debug, Default)]
pub struct FileMenu {
    pub dialogs: Dialogs,
    backup: Option<Progress>,
    pub note: Option<Note>,
}

impl FileMenu {
    /// The menu button for the top bar.
    /// A backup holds operators' password hashes and the SMTP password: super admins only.
    pub fn menu_ui(&mut self, ui: &mut Ui, may_backup: bool) {
        ui.menu_button("File", |ui| {
            if ui.button("Open another database…").clicked() {
                self.dialogs.ask(ui.ctx(), Purpose::OpenDatabase);
                ui.close();
            }
            let busy = self.backup.is_some();
            if ui
                .add_if(
                    may_backup && !busy,
                    egui::Button::new("Save a backup copy…"),
                )
                .on_disabled_hover_text("Only a super admin can save a backup copy.")
                .clicked()
            {
                self.dialogs.ask(ui.ctx(), Purpose::SaveBackup);
                ui.close();
            }
        });
    }

    /// Dialogs and the backup's progress and result; call once per frame after the menu.
    #[must_use]
    pub fn status_ui(&mut self, ui: &mut Ui, sh: &mut Shell<'_>) -> Option<FileAction> {
        let mut action = None;
        match self.dialogs.ui(ui.ctx()) {
            Some((Purpose::OpenDatabase, path)) => action = Some(FileAction::OpenDatabase(path)),
            Some((Purpose::SaveBackup, path)) => {
                let progress = Progress::default();
                self.backup = Some(progress.clone());
                self.note = None;
                sh.jobs.push(DataJob::Backup {
                    actor: sh.operator.clone(),
                    path,
                    progress,
                });
            }
            _ => {}
        }
        if let Some(p) = &self.backup {
            ui.add(
                egui::ProgressBar::new(p.fraction())
                    .desired_width(200.0)
                    .text("Saving a backup copy…"),
            );
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        let mut dismiss = false;
        if let Some(n) = &self.note {
            ui.horizontal(|ui| {
                n.ui(ui);
                dismiss = ui.small_button("Close").on_hover_text("Dismiss").clicked();
            });
        }
        if dismiss {
            self.note = None;
        }
        action
    }

    /// The backup's answer.
    pub fn on_answer(&mut self, a: FilesAnswer) {
        let FilesAnswer { path, result } = a;
        self.backup = None;
        self.note = Some(match result {
            Ok(()) => Note::Ok(format!("Backup copy saved to {}.", path.display())),
            Err(e) => Note::Error(format!("The backup copy could not be saved: {e}")),
        });
    }
}

/// A progress bar with "done of total" words.
pub fn progress_ui(ui: &mut Ui, what: &str, p: &Progress) {
    let (done, total) = p.get();
    let text = if total == 0 {
        format!("{what}…")
    } else {
        format!("{what}: {done} of {total}")
    };
    ui.add(egui::ProgressBar::new(p.fraction()).text(RichText::new(text)));
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(100));
}
