//! The eframe desktop console (SPEC §5). The `Service` lives on a worker thread; the UI
//! thread only draws and sends jobs (see `worker`).

pub mod a11y; // tables, combo values, tab order and the window name for screen readers
pub mod app;
pub mod audit; // the Audit view
pub mod chrome; // the panel list, the status line, the training banner
pub mod data; // the jobs of the data views and the File menu
pub mod file_menu; // File menu, file dialogs and typed paths
pub mod login;
pub mod outbox; // the Outbox view
pub mod overview; // the Overview panel
pub mod provider;
pub mod reset;
pub mod table_keys; // arrows, Page Up/Down, Home, End and Enter in tables
pub mod user_screen; // the user's pages of a supervised session
pub mod users; // the Users panel
pub mod view; // the one contract of the views: draw, ask for jobs, take answers by type
pub mod widgets;
pub mod window_state; // size, position, theme and last panel between runs
pub mod worker; // the worker thread that owns the Service

use crate::core::Location;

pub use app::ConsoleApp;

/// The window's title, which is also its name for a screen reader: the console and its
/// database ("spr-console — demo.sqlite3").
pub fn window_title(location: &Location) -> String {
    let name = match location {
        Location::File(path) => path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        server => server.to_string(),
    };
    format!("spr-console — {name}")
}

/// Opens the console window on the database at `path`; returns when the window closes.
pub fn run(location: &Location) -> Result<(), String> {
    no_display_check()?;
    let title = window_title(location);
    let memory = window_state::default_path();
    let loaded = memory
        .as_deref()
        .map(window_state::WindowState::load)
        .unwrap_or_default();
    let options = eframe::NativeOptions {
        viewport: loaded.viewport(
            egui::ViewportBuilder::default()
                .with_title(title.clone())
                .with_app_id("spr-console")
                .with_icon(window_icon()),
        ),
        renderer: eframe::Renderer::Glow,
        ..eframe::NativeOptions::default()
    };
    let theme = loaded.theme();
    let mut app = ConsoleApp::at(location.clone()).with_ready_signal();
    if let Some(p) = memory {
        app = app.with_memory(window_state::Remember::new(p, loaded));
    }
    eframe::run_native(
        &title,
        options,
        Box::new(move |cc| {
            if let Some(t) = theme {
                cc.egui_ctx.set_theme(t);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| {
        let e = e.to_string();
        format!(
            "The console window could not be opened: {}.",
            e.trim_end_matches('.')
        )
    })
}

/// The window and taskbar icon, from the PNG that the installers ship too.
fn window_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon/icon-256.png"))
        .unwrap_or_default()
}

/// On Linux and the BSDs, says in words that there is no display instead of winit's error.
fn no_display_check() -> Result<(), String> {
    if cfg!(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd"
    )) {
        let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
        if !set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("WAYLAND_SOCKET") {
            return Err(
                "No graphical display was found (DISPLAY and WAYLAND_DISPLAY are not set): \
                 start the console from a desktop session. The subcommands work without one \
                 (see spr-console --help)."
                    .to_owned(),
            );
        }
    }
    Ok(())
}
