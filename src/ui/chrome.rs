//! The console's chrome around the panels: the panel list, the status line and the training
//! banner.

use std::time::{Duration, Instant};

use egui::{RichText, Ui};

use super::widgets::Note;

/// The panels of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Overview,
    Provider,
    Users,
    Reset,
    Audit,
    Outbox,
}

impl Panel {
    /// Every panel, in the order of the top bar.
    pub const ALL: [Panel; 6] = [
        Panel::Overview,
        Panel::Provider,
        Panel::Users,
        Panel::Reset,
        Panel::Audit,
        Panel::Outbox,
    ];

    /// The tab's words.
    pub fn label(self) -> &'static str {
        match self {
            Panel::Overview => "Overview",
            Panel::Provider => "Provider",
            Panel::Users => "Users",
            Panel::Reset => "Reset",
            Panel::Audit => "Audit",
            Panel::Outbox => "Outbox",
        }
    }

    /// Whether the panel exists in this build.
    pub fn is_built(self) -> bool {
        Panel::ALL.contains(&self)
    }
}

/// The status line: the last result or error, in one readable sentence.
#[derive(Debug, Default)]
pub struct StatusLine {
    pub(super) note: Option<(Note, Instant)>,
    /// What the current error is about, when its cause can go away (a form's bad value).
    cause: Option<&'static str>,
}

/// How long a success stays on the status line.
pub const OK_NOTE_LIFE: Duration = Duration::from_secs(10);
/// How long an error stays on the status line, unless its cause goes first.
pub const ERROR_NOTE_LIFE: Duration = Duration::from_secs(60);

impl StatusLine {
    /// Reports a success.
    pub fn ok(&mut self, text: impl Into<String>) {
        self.note = Some((Note::Ok(text.into()), Instant::now()));
        self.cause = None;
    }

    /// Reports an error.
    pub fn error(&mut self, text: impl Into<String>) {
        self.note = Some((Note::Error(text.into()), Instant::now()));
        self.cause = None;
    }

    /// Reports an error that lasts only while `cause` does: [`Self::resolved`] clears it.
    pub fn error_about(&mut self, cause: &'static str, text: impl Into<String>) {
        self.error(text);
        self.cause = Some(cause);
    }

    /// The cause of an error reported with [`Self::error_about`] is gone: so is the error.
    pub fn resolved(&mut self, cause: &'static str) {
        if self.cause == Some(cause) {
            self.note = None;
            self.cause = None;
        }
    }

    /// Forgets an error when the operator moves to another panel, where it no longer applies.
    pub fn leave_panel(&mut self) {
        if matches!(self.note, Some((Note::Error(_), _))) {
            self.note = None;
            self.cause = None;
        }
    }

    /// Drops a note that has been shown long enough; returns how long the current one has left.
    pub(super) fn expire(&mut self) -> Option<Duration> {
        let (note, since) = self.note.as_ref()?;
        let life = match note {
            Note::Error(_) => ERROR_NOTE_LIFE,
            Note::Ok(_) | Note::Info(_) => OK_NOTE_LIFE,
        };
        let shown = since.elapsed();
        if shown >= life {
            self.note = None;
            self.cause = None;
            None
        } else {
            Some(life - shown)
        }
    }

    /// The current message, if any.
    pub fn text(&self) -> Option<&str> {
        self.note.as_ref().map(|(n, _)| match n {
            Note::Ok(t) | Note::Error(t) | Note::Info(t) => t.as_str(),
        })
    }
}

/// The training database's banner (§3.11), on every screen.
pub const TRAINING_BANNER: &str =
    "Training database: messages are not delivered; every operator can read them in the Outbox";

/// Draws the training banner (pale yellow on light, deep amber on dark).
pub fn training_banner_ui(ui: &mut Ui) {
    banner_frame(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(TRAINING_BANNER).color(banner_text_color(ui)));
    });
}

/// The banners' frame: pale yellow on light, deep amber on dark.
pub(super) fn banner_frame(ui: &Ui) -> egui::Frame {
    let fill = if ui.visuals().dark_mode {
        egui::Color32::from_rgb(0x4a, 0x3b, 0x12)
    } else {
        egui::Color32::from_rgb(0xff, 0xf3, 0xc4)
    };
    egui::Frame::new()
        .fill(fill)
        .inner_margin(egui::Margin::symmetric(10, 6))
}

/// The banners' text colour, readable on [`banner_frame`].
pub(super) fn banner_text_color(ui: &Ui) -> egui::Color32 {
    if ui.visuals().dark_mode {
        egui::Color32::from_rgb(0xf5, 0xe6, 0xb8)
    } else {
        egui::Color32::from_rgb(0x3d, 0x2e, 0x00)
    }
}
