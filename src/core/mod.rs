//! The domain of Self Password Reset and its rules. Nothing here knows a window exists.

pub mod audit;
pub mod clock;
pub mod console;
pub mod demo;
pub mod error;
pub mod files;
pub mod hashing;
pub mod model;
pub mod overview;
pub mod policy;
pub mod reading;
pub mod secret;
pub mod service;
pub mod session;
pub mod text;
pub mod token;
pub mod transfer;
pub mod wording;

/// Where a database is: the console and the command line name it without reaching into the
/// store.
pub use crate::store::Location;
pub use error::{CoreError, Reason, Refusal};
pub use service::Service;
