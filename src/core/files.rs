//! Files the console writes besides its database (SPEC §3.13): exports and backups are
//! written to a temporary file beside the target and renamed onto it, owner-only (0600), and
//! never onto the database or its `-wal`/`-shm`, whether named directly or through a symlink.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::CoreError;

fn cannot(path: &Path, e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(format!("Cannot write {}: {e}.", path.display()))
}

/// The path with its folder resolved (the last component as written, not followed).
fn resolved_parent(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(name))
}

/// Refuses `target` when it is (or leads by symlinks to) the database or its WAL files.
pub fn refuse_database_target(target: &Path, database: &Path) -> Result<(), CoreError> {
    let Some(db) = database
        .canonicalize()
        .ok()
        .or_else(|| resolved_parent(database))
    else {
        return Ok(());
    };
    let mut guarded = vec![db.clone()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut s = db.clone().into_os_string();
        s.push(suffix);
        guarded.push(PathBuf::from(s));
    }
    // A symlink is resolved one step by hand too: its destination may not exist yet (`-wal`).
    let link_dest = fs::read_link(target).ok().and_then(|dest| {
        let dest = match target.parent() {
            Some(p) if dest.is_relative() => p.join(dest),
            _ => dest,
        };
        resolved_parent(&dest)
    });
    let candidates = [
        resolved_parent(target),
        target.canonicalize().ok(),
        link_dest,
    ];
    if candidates.iter().flatten().any(|c| guarded.contains(c)) {
        return Err(CoreError::Invalid(format!(
            "{} is the open database or one of its files: choose another file.",
            target.display()
        )));
    }
    Ok(())
}

/// A temporary file beside `target`, owner-only, that never existed before.
fn create_temp_beside(target: &Path) -> Result<(PathBuf, fs::File), CoreError> {
    let name = target
        .file_name()
        .ok_or_else(|| CoreError::Invalid(format!("{} is not a file name.", target.display())))?;
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for attempt in 0..100u32 {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}-{attempt}.tmp", std::process::id()));
        let tmp = folder.join(tmp_name);
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(cannot(target, e)),
        }
    }
    Err(cannot(target, "no temporary file name was free"))
}

/// Writes `target` through `fill`: a temporary file beside it, synced, then renamed onto it
/// (a symlink at `target` is replaced, never followed). On any error the target is left as
/// it was and the temporary file removed. Refuses the database and its WAL files.
pub fn write_private<T>(
    target: &Path,
    database: Option<&Path>,
    fill: impl FnOnce(&mut std::io::BufWriter<&fs::File>) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    if let Some(database) = database {
        refuse_database_target(target, database)?;
    }
    if target.is_dir() {
        return Err(CoreError::Invalid(format!(
            "{} is a folder: choose a file name.",
            target.display()
        )));
    }
    let (tmp, file) = create_temp_beside(target)?;
    let result = (|| {
        let mut w = std::io::BufWriter::new(&file);
        let out = fill(&mut w)?;
        w.flush().map_err(|e| cannot(target, e))?;
        drop(w);
        file.sync_all().map_err(|e| cannot(target, e))?;
        fs::rename(&tmp, target).map_err(|e| cannot(target, e))?;
        Ok(out)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(w: &mut std::io::BufWriter<&fs::File>, bytes: &[u8]) -> Result<(), CoreError> {
        w.write_all(bytes)
            .map_err(|e| CoreError::Internal(e.to_string()))
    }

    #[test]
    fn an_export_never_lands_on_the_database_or_through_a_symlink_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("spr.sqlite3");
        fs::write(&db, b"db").unwrap();
        let wal = dir.path().join("spr.sqlite3-wal");
        for target in [db.clone(), wal.clone()] {
            assert!(write_private(&target, Some(&db), |w| put(w, b"x")).is_err());
        }
        #[cfg(unix)]
        {
            let link = dir.path().join("out.csv");
            std::os::unix::fs::symlink(&db, &link).unwrap();
            assert!(write_private(&link, Some(&db), |w| put(w, b"x")).is_err());
            let link2 = dir.path().join("out2.csv");
            std::os::unix::fs::symlink(&wal, &link2).unwrap();
            assert!(write_private(&link2, Some(&db), |w| put(w, b"x")).is_err());
        }
        assert_eq!(fs::read(&db).unwrap(), b"db");
        assert!(!wal.exists());
        let out = dir.path().join("users.csv");
        write_private(&out, Some(&db), |w| put(w, b"a,b\n")).unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"a,b\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&out).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // Only the target is left: no temporary files.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 4);
    }
}
