//! `user import` and `user export`: the core's CSV transfer, with files and stdout.

use std::path::Path;

use serde_json::json;

use super::CliError;
use super::output::Out;
use crate::core::Service;
use crate::core::model::Operator;
use crate::core::model::UserFilter;
use crate::core::transfer::ImportError;

/// `user import --provider CODE FILE.csv`.
pub fn import(
    out: &mut Out,
    svc: &mut Service,
    actor: &Operator,
    provider: &str,
    file: &Path,
) -> Result<(), CliError> {
    match svc.import_users_file(actor, provider, file, |_, _| {}) {
        Ok(r) => {
            out.value(
                &json!({"provider": r.provider.as_str(), "imported": r.imported, "spr_enabled": r.spr_enabled}),
                &format!(
                    "Imported {} user(s) into provider {} ({} with Self Password Reset enabled). They have no password yet: they set one through Self Password Reset, or an operator gives them a first one.",
                    r.imported, r.provider, r.spr_enabled
                ),
            );
            Ok(())
        }
        Err(e) => {
            if out.is_json()
                && let ImportError::Rejected(rows) = &e
            {
                let rows: Vec<_> = rows
                    .iter()
                    .map(|r| json!({"line": r.line, "problems": r.problems}))
                    .collect();
                out.json(&json!({"outcome": "error", "imported": 0, "bad_rows": rows}));
            }
            // Every bad row on its own line: the operator fixes them all in one pass.
            Err(CliError {
                code: e.exit_code(),
                message: e.to_string(),
            })
        }
    }
}

/// `user export [--provider CODE] [FILE.csv]`: CSV to the file, or to stdout.
pub fn export(
    out: &mut Out,
    svc: &mut Service,
    actor: &Operator,
    provider: Option<&str>,
    file: Option<&Path>,
) -> Result<(), CliError> {
    let provider_id = provider
        .map(|p| svc.provider(p).map(|p| p.id))
        .transpose()?;
    let filter = UserFilter {
        provider_id,
        ..UserFilter::default()
    };
    match file {
        None => {
            let stdout = std::io::stdout();
            let n = svc.export_users(actor, &filter, "standard output", stdout.lock(), |_, _| {});
            // A closed pipe (`| head`) ends the export quietly, as other commands do.
            match n {
                Ok(_) => Ok(()),
                Err(e) if e.to_string().contains("Broken pipe") => Ok(()),
                Err(e) => Err(e.into()),
            }
        }
        Some(path) => {
            let db = svc.database_file().map(Path::to_path_buf);
            let n = crate::core::files::write_private(path, db.as_deref(), |w| {
                svc.export_users(actor, &filter, &path.display().to_string(), w, |_, _| {})
            })?;
            out.value(
                &json!({"exported": n, "file": path.display().to_string()}),
                &format!("Exported {n} user(s) to {}.", path.display()),
            );
            Ok(())
        }
    }
}
