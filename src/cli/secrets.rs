//! Secrets come from named environment variables or a hidden prompt, never from argv.

use std::io::IsTerminal;

use super::CliError;
use crate::core::secret::Secret;

/// The secret in `var`, else a hidden prompt when stdin is a terminal, else exit 2.
/// It is wiped from memory when dropped.
pub fn secret(var: &str, prompt: &str) -> Result<Secret, CliError> {
    if let Some(v) = std::env::var_os(var) {
        return v
            .into_string()
            .map(Secret::from)
            .map_err(|_| CliError::usage(format!("{var} is not valid UTF-8.")));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(Secret::from)
            .map_err(|e| {
                CliError::usage(format!("Could not read the secret from the terminal: {e}."))
            });
    }
    Err(CliError::usage(format!(
        "{var} is not set and there is no terminal to ask on: set {var} in the environment."
    )))
}
