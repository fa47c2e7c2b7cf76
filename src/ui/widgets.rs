//! Small widgets shared by the panels: labelled fields, submit on Enter, messages, the phone
//! and mailbox views, and the native file dialog off the UI thread.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use egui::{Color32, Key, Response, RichText, TextEdit, Ui};

use crate::core::model::StoredMessage;

/// Width of the text fields of a form.
pub const FIELD_WIDTH: f32 = 300.0;

/// Colours that read well on both the light and the dark theme.
pub fn error_color(ui: &Ui) -> Color32 {
    ui.visuals().error_fg_color
}

/// A green that reads well on the current theme.
pub fn ok_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(0x6c, 0xd4, 0x7e)
    } else {
        Color32::from_rgb(0x1b, 0x7a, 0x2e)
    }
}

/// The warning colour of the current theme.
pub fn warn_color(ui: &Ui) -> Color32 {
    ui.visuals().warn_fg_color
}

/// One row of a two-column form grid: the label, then a text field named by it.
/// Returns the field's response; call inside `egui::Grid`.
pub fn field_row(ui: &mut Ui, label: &str, value: &mut String, password: bool) -> Response {
    let label = ui.label(label);
    let resp = ui
        .add(
            TextEdit::singleline(value)
                .password(password)
                .desired_width(FIELD_WIDTH),
        )
        .labelled_by(label.id);
    ui.end_row();
    resp
}

/// True when Enter was pressed in this single-line field (egui drops its focus on Enter).
pub fn entered(ui: &Ui, resp: &Response) -> bool {
    resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter))
}

/// Adds the arrows and symbols (→ ✕ ◀ ▶ ⚠ ▲ ▼ ✓) that egui's default fonts lack, as a last
/// fallback for both families: a 13 KB subset of DejaVu Sans (assets/fonts/README.md).
pub fn install_symbol_font(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect();
    ctx.add_font(FontInsert::new(
        "spr-symbols",
        egui::FontData::from_static(include_bytes!("../../assets/fonts/spr-symbols.ttf")),
        families,
    ));
}

/// The light theme as egui ships it draws text fields near-white on near-white with no
/// outline, and its pure red is hard to read on the blue of a selected row: outline the
/// controls and use a deeper red (about 5:1 on the selection, 7:1 on white).
pub fn readable_light_theme(ctx: &egui::Context) {
    ctx.style_mut_of(egui::Theme::Light, |s| {
        s.visuals.widgets.inactive.bg_stroke = egui::Stroke::new(1.0, Color32::from_gray(160));
        s.visuals.error_fg_color = Color32::from_rgb(0xb0, 0x00, 0x20);
    });
}

/// A heading that screen readers announce as one (egui draws it as a plain label).
pub fn heading(ui: &mut Ui, text: impl Into<String>) -> Response {
    let text = text.into();
    let r = ui.heading(text.as_str());
    ui.ctx().accesskit_node_builder(r.id, |n| {
        n.set_role(egui::accesskit::Role::Heading);
        n.clear_value();
        n.set_label(text);
    });
    r
}

pub use crate::core::text::thousands;

/// `n` with its noun in the singular or the plural: `1 account`, `12 accounts`.
pub fn count_of(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// A two-column grid for a form, with its own id.
pub fn form_grid(id: &str) -> egui::Grid {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([12.0, 8.0])
        .min_col_width(150.0)
}

/// What a person or operator is told after an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    Ok(String),
    Error(String),
    Info(String),
}

impl Note {
    /// Shows the note; multi-line texts keep their lines (policy rules, causes).
    pub fn ui(&self, ui: &mut Ui) {
        let (text, color) = match self {
            Note::Ok(t) => (t, ok_color(ui)),
            Note::Error(t) => (t, error_color(ui)),
            Note::Info(t) => (t, ui.visuals().text_color()),
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let mut rich = RichText::new(line).color(color);
            if i == 0 && !matches!(self, Note::Info(_)) {
                rich = rich.strong();
            }
            ui.label(rich);
        }
    }
}

/// `m:ss` for a countdown.
pub fn mm_ss(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{}:{:02}", s / 60, s % 60)
}

/// A text message as the user's phone shows it: sender line and a bubble, no subject.
pub fn phone_ui(ui: &mut Ui, msg: &StoredMessage) {
    let bg = if ui.visuals().dark_mode {
        Color32::from_rgb(0x1c, 0x1c, 0x1e)
    } else {
        Color32::from_rgb(0xf2, 0xf2, 0xf7)
    };
    let bubble = if ui.visuals().dark_mode {
        Color32::from_rgb(0x3a, 0x3a, 0x3c)
    } else {
        Color32::from_rgb(0xe5, 0xe5, 0xea)
    };
    let fg = if ui.visuals().dark_mode {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    egui::Frame::new()
        .fill(bg)
        .corner_radius(18.0)
        .inner_margin(14.0)
        .stroke(egui::Stroke::new(
            2.0,
            ui.visuals().widgets.noninteractive.bg_stroke.color,
        ))
        .show(ui, |ui| {
            ui.set_max_width(280.0);
            ui.vertical_centered(|ui| {
                ui.label(
                    RichText::new(format!("Text message to {}", msg.to))
                        .small()
                        .color(fg),
                );
                ui.label(RichText::new(short_time(&msg.at)).small().weak());
            });
            ui.add_space(6.0);
            egui::Frame::new()
                .fill(bubble)
                .corner_radius(14.0)
                .inner_margin(egui::Margin::symmetric(12, 8))
                .show(ui, |ui| {
                    ui.label(RichText::new(&msg.body).color(fg));
                });
        });
}

/// An email as the user's mailbox shows it: From, To, Subject, then the body.
pub fn mailbox_ui(ui: &mut Ui, msg: &StoredMessage) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_max_width(420.0);
        egui::Grid::new("mailbox-headers")
            .num_columns(2)
            .show(ui, |ui| {
                ui.label(RichText::new("To:").weak());
                ui.label(&msg.to);
                ui.end_row();
                ui.label(RichText::new("Date:").weak());
                ui.label(short_time(&msg.at));
                ui.end_row();
                ui.label(RichText::new("Subject:").weak());
                ui.label(RichText::new(msg.subject.as_deref().unwrap_or("(no subject)")).strong());
                ui.end_row();
            });
        ui.separator();
        ui.label(&msg.body);
    });
}

/// `2026-11-02 14:05:09 UTC` from an RFC 3339 time.
pub fn short_time(rfc3339: &str) -> String {
    crate::core::clock::parse_rfc3339(rfc3339).map_or_else(
        || rfc3339.to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// A native "open file" dialog run off the UI thread; poll it each frame.
#[derive(Debug)]
pub struct FilePick {
    rx: Receiver<Option<PathBuf>>,
}

impl FilePick {
    /// Opens the dialog (rfd: the desktop portal or zenity on Linux).
    pub fn open(ctx: &egui::Context, title: &str, filter_name: &str, extensions: &[&str]) -> Self {
        let (tx, rx) = channel();
        let ctx = ctx.clone();
        let title = title.to_owned();
        let filter_name = filter_name.to_owned();
        let extensions: Vec<String> = extensions.iter().map(|e| (*e).to_owned()).collect();
        // A thread that cannot start leaves the receiver disconnected: read as "no dialog".
        let _ = std::thread::Builder::new()
            .name("spr-file-dialog".into())
            .spawn(move || {
                let future = rfd::AsyncFileDialog::new()
                    .set_title(&title)
                    .add_filter(&filter_name, &extensions)
                    .pick_file();
                let picked = pollster::block_on(future).map(|h| h.path().to_path_buf());
                let _ = tx.send(picked);
                ctx.request_repaint();
            });
        Self { rx }
    }

    /// `None` while the dialog is open; then `Some(path or None)`.
    pub fn poll(&self) -> Option<Option<PathBuf>> {
        match self.rx.try_recv() {
            Ok(p) => Some(p),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_reads_minutes_and_seconds() {
        assert_eq!(mm_ss(299), "4:59");
        assert_eq!(mm_ss(5), "0:05");
        assert_eq!(mm_ss(-3), "0:00");
    }

    #[test]
    fn counts_read_with_thousands_separators_and_the_right_noun() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_007), "100,007");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(count_of(1, "event", "events"), "1 event");
        assert_eq!(count_of(12_345, "event", "events"), "12,345 events");
    }
}
