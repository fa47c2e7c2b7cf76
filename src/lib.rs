//! spr-console: the Self Password Reset admin console — core rules, storage, delivery, CLI and UI.

pub mod cli; // the scriptable command line over the core
pub mod core; // the domain and its rules; no GUI here
pub mod mail; // delivery: SMTP, outbox settings, carrier gateways
pub mod store; // SQLite storage and migrations
pub mod ui; // the eframe desktop console
