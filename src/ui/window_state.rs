//! What the window remembers between runs: its size, position, theme and last panel.
//!
//! A small JSON file in the platform's config directory (`window.json`), written when one of
//! these changes (at most once a second) and when the window closes. A missing or damaged
//! file is no error: the window opens as on the first day.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::app::Panel;

/// The smallest window the console lays out (the top bar holds at 1024 points).
pub const MIN_SIZE: [f32; 2] = [900.0, 600.0];
/// The size of a first start.
pub const DEFAULT_SIZE: [f32; 2] = [1280.0, 800.0];
/// No write more often than this while the window is moved or resized.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// The remembered facts; each is optional (an older or hand-edited file may lack it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WindowState {
    /// Inner size in points.
    #[serde(default)]
    pub size: Option<[f32; 2]>,
    /// Outer position of the window's top-left corner, in points.
    #[serde(default)]
    pub position: Option<[f32; 2]>,
    /// `light`, `dark` or `system`.
    #[serde(default)]
    pub theme: Option<String>,
    /// The last panel shown, by its label ("Users").
    #[serde(default)]
    pub panel: Option<String>,
}

/// Where the state is kept: `window.json` in the platform's config directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("io.github", "spr-console", "spr-console")
        .map(|d| d.config_dir().join("window.json"))
}

fn finite_in(v: [f32; 2], lo: f32, hi: f32) -> bool {
    v.iter().all(|x| x.is_finite() && (lo..=hi).contains(x))
}

impl WindowState {
    /// Reads the file; anything missing, unreadable or out of range is left out.
    pub fn load(path: &Path) -> Self {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Self::default();
        };
        let Ok(mut s) = serde_json::from_str::<Self>(&text) else {
            return Self::default();
        };
        s.size = s
            .size
            .filter(|v| finite_in(*v, 1.0, 16_384.0))
            .map(|[w, h]| [w.max(MIN_SIZE[0]), h.max(MIN_SIZE[1])]);
        // A window far off every screen could not be found again.
        s.position = s.position.filter(|v| finite_in(*v, -64.0, 16_384.0));
        s.theme = s.theme.filter(|t| theme_from(t).is_some());
        s.panel = s.panel.filter(|p| panel_from(p).is_some());
        s
    }

    /// Writes the file whole (a temporary file renamed over it: never half a file).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    /// The remembered theme, if any.
    pub fn theme(&self) -> Option<egui::ThemePreference> {
        self.theme.as_deref().and_then(theme_from)
    }

    /// The remembered panel, if any.
    pub fn panel(&self) -> Option<Panel> {
        self.panel.as_deref().and_then(panel_from)
    }

    /// The viewport of a start: the remembered size and position, or the defaults.
    pub fn viewport(&self, base: egui::ViewportBuilder) -> egui::ViewportBuilder {
        let v = base
            .with_inner_size(self.size.unwrap_or(DEFAULT_SIZE))
            .with_min_inner_size(MIN_SIZE);
        match self.position {
            Some(p) => v.with_position(p),
            None => v,
        }
    }
}

fn theme_words(t: egui::ThemePreference) -> &'static str {
    match t {
        egui::ThemePreference::Light => "light",
        egui::ThemePreference::Dark => "dark",
        egui::ThemePreference::System => "system",
    }
}

fn theme_from(s: &str) -> Option<egui::ThemePreference> {
    match s {
        "light" => Some(egui::ThemePreference::Light),
        "dark" => Some(egui::ThemePreference::Dark),
        "system" => Some(egui::ThemePreference::System),
        _ => None,
    }
}

fn panel_from(s: &str) -> Option<Panel> {
    Panel::ALL.into_iter().find(|p| p.label() == s)
}

/// Keeps the file in step with the window while it runs.
#[derive(Debug)]
pub struct Remember {
    path: PathBuf,
    saved: WindowState,
    now: WindowState,
    last_write: Option<Instant>,
}

impl Remember {
    /// Remembers into `path`, starting from what was `loaded` from it.
    pub fn new(path: PathBuf, loaded: WindowState) -> Self {
        Self {
            path,
            saved: loaded.clone(),
            now: loaded,
            last_write: None,
        }
    }

    /// The state as it was read at the start.
    pub fn loaded(&self) -> &WindowState {
        &self.saved
    }

    /// Notes the window as this frame shows it, and the panel in view (if signed in);
    /// writes the file when something changed and the last write is a second old.
    pub fn frame(&mut self, ctx: &egui::Context, panel: Option<Panel>) {
        let (inner, outer, fullscreen, maximized) = ctx.input(|i| {
            let v = i.viewport();
            (
                v.inner_rect,
                v.outer_rect,
                v.fullscreen.unwrap_or(false),
                v.maximized.unwrap_or(false),
            )
        });
        // A maximized or full-screen window keeps the size it had before.
        if !fullscreen && !maximized {
            if let Some(r) = inner {
                self.now.size = Some([r.width().round(), r.height().round()]);
            }
            if let Some(r) = outer {
                self.now.position = Some([r.min.x.round(), r.min.y.round()]);
            }
        }
        self.now.theme = Some(theme_words(ctx.options(|o| o.theme_preference)).to_owned());
        if let Some(p) = panel {
            self.now.panel = Some(p.label().to_owned());
        }
        if self.now != self.saved && self.last_write.is_none_or(|t| t.elapsed() >= SAVE_EVERY) {
            self.write();
        }
        if self.now != self.saved {
            ctx.request_repaint_after(SAVE_EVERY);
        }
    }

    /// Writes what is not saved yet (also when the window closes).
    pub fn write(&mut self) {
        if self.now == self.saved {
            return;
        }
        self.last_write = Some(Instant::now());
        // A config directory that cannot be written only costs the memory, never the console.
        if self.now.save(&self.path).is_ok() {
            self.saved = self.now.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_saved_state_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/window.json");
        let s = WindowState {
            size: Some([1024.0, 700.0]),
            position: Some([40.0, 30.0]),
            theme: Some("light".into()),
            panel: Some("Audit".into()),
        };
        s.save(&path).unwrap();
        let back = WindowState::load(&path);
        assert_eq!(back, s);
        assert_eq!(back.theme(), Some(egui::ThemePreference::Light));
        assert_eq!(back.panel(), Some(Panel::Audit));
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn a_missing_damaged_or_odd_file_opens_as_on_the_first_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("window.json");
        assert_eq!(WindowState::load(&path), WindowState::default());
        std::fs::write(&path, "{ not json").unwrap();
        assert_eq!(WindowState::load(&path), WindowState::default());
        std::fs::write(
            &path,
            r#"{"size":[10,10000000],"position":[-90000,5],"theme":"purple","panel":"Nowhere"}"#,
        )
        .unwrap();
        assert_eq!(WindowState::load(&path), WindowState::default());
        // Too small a size grows to the smallest the console lays out.
        std::fs::write(&path, r#"{"size":[300,200]}"#).unwrap();
        assert_eq!(WindowState::load(&path).size, Some(MIN_SIZE));
    }
}
