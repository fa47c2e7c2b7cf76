//! The demo database of `spr-console demo`: provider DEMO with users in every state.
//!
//! Made through the same service calls an operator and the users would make (so the audit log
//! tells a true story), except for the many generated users, which are inserted in one
//! transaction without a password, as an import would leave them.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use super::CoreError;
use super::clock::{SystemClock, rfc3339};
use super::hashing::Hasher;
use super::model::Role;
use super::service::{ProviderChanges, Service, UserInput};
use crate::store::{self, Location, Store, users::NewUser};

/// The demo's provider code.
pub const PROVIDER: &str = "DEMO";
/// The demo's super admin.
pub const OPERATOR: &str = "trainer";
/// The demo super admin's password, shown in the console's demo banner.
pub const OPERATOR_PASSWORD: &str = "Lighthouse-Demo-Sunrise-7";
/// A helpdesk operator of the demo.
pub const HELPDESK: &str = "helpdesk";
/// The helpdesk operator's password, shown in the demo banner.
pub const HELPDESK_PASSWORD: &str = "Meadow-Kettle-Demo-4";
/// The user ready for a reset walkthrough.
pub const RESET_USER: &str = "jdoe";
/// `jdoe`'s email, to type on the Reset Password form.
pub const RESET_USER_EMAIL: &str = "jdoe@example.org";
/// `jdoe`'s password before the reset (for the Settings step), shown in the banner.
pub const USER_PASSWORD: &str = "Harbor-Lantern-42-Violet";
/// The only contact of `eretired`: a gateway that has been shut down.
pub const RETIRED_GATEWAY_ADDRESS: &str = "5551234567@txt.att.net";

/// What was made, for the banner and the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub location: Location,
    pub named_users: u32,
    pub generated_users: u64,
}

/// The demo database: `--db` when given (a file, or an empty PostgreSQL database), else
/// `spr-console-demo.sqlite3` beside the default file.
pub fn demo_location(db: Option<&Path>) -> Result<Location, CoreError> {
    match db {
        Some(p) => Ok(Location::from_arg(p)),
        None => store::default_dir()
            .map(|d| Location::File(d.join(store::DEMO_FILE_NAME)))
            .ok_or_else(|| {
                CoreError::Invalid(
                    "No home folder was found: give the demo database with --db PATH.".into(),
                )
            }),
    }
}

/// Removes an earlier demo at `path` so a fresh one can be made; refuses anything else.
fn clear_old_demo(path: &Path) -> Result<(), CoreError> {
    let is_default = store::default_path().is_some_and(|d| same_file(&d, path));
    if is_default {
        return Err(CoreError::Invalid(format!(
            "{} is the default database: the demo never replaces it. Give the demo its own file with --db PATH.",
            path.display()
        )));
    }
    let exists = fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false);
    if exists {
        // Open it read-only in spirit: only to ask whether it is an earlier demo.
        let old = store::Store::open(path)?;
        if !store::bulk::is_demo(old.conn())? {
            return Err(CoreError::Invalid(format!(
                "{} is not a demo database: the demo replaces only an earlier demo. Give it another file with --db PATH.",
                path.display()
            )));
        }
        drop(old);
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CoreError::Internal(format!(
                    "Cannot replace the old demo {}: {e}.",
                    std::path::PathBuf::from(p).display()
                )));
            }
        }
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// One of the named demo users.
struct Named {
    login: &'static str,
    first: &'static str,
    last: &'static str,
    email: Option<&'static str>,
    text_email: Option<&'static str>,
    spr: bool,
    password: bool,
}

const NAMED: &[Named] = &[
    Named {
        login: RESET_USER,
        first: "Jane",
        last: "Doe",
        email: Some(RESET_USER_EMAIL),
        text_email: None,
        spr: true,
        password: true,
    },
    Named {
        login: "asmith",
        first: "Alex",
        last: "Smith",
        email: None,
        text_email: Some("5559876543@vtext.com"),
        spr: true,
        password: true,
    },
    Named {
        login: "bking",
        first: "Bea",
        last: "King",
        email: Some("bking@example.org"),
        text_email: None,
        spr: true,
        password: true,
    },
    Named {
        login: "cdavis",
        first: "Chris",
        last: "Davis",
        email: Some("cdavis@example.org"),
        text_email: None,
        spr: true,
        password: true,
    },
    Named {
        login: "dnguyen",
        first: "Dana",
        last: "Nguyen",
        email: None,
        text_email: None,
        spr: true,
        password: true,
    },
    Named {
        login: "eretired",
        first: "Eli",
        last: "Reyes",
        email: None,
        text_email: Some(RETIRED_GATEWAY_ADDRESS),
        spr: true,
        password: true,
    },
    Named {
        login: "fnospr",
        first: "Fran",
        last: "Olsen",
        email: Some("fnospr@example.org"),
        text_email: None,
        spr: false,
        password: true,
    },
];

const FIRST: [&str; 16] = [
    "Ava", "Ben", "Cora", "Dev", "Emma", "Finn", "Gia", "Hugo", "Iris", "Jon", "Kai", "Lena",
    "Milo", "Nora", "Omar", "Pia",
];
const LAST: [&str; 16] = [
    "Adams", "Brown", "Clark", "Diaz", "Evans", "Ford", "Garcia", "Hill", "Ito", "Jones", "Kim",
    "Lopez", "Moore", "Novak", "Ortiz", "Patel",
];

/// Makes a fresh demo database at `path` (replacing an earlier demo there) with the named
/// users and `generated` more users without a password.
pub fn create(location: impl Into<Location>, generated: u32) -> Result<DemoSummary, CoreError> {
    let location = &location.into();
    let store = match location {
        Location::File(path) => {
            clear_old_demo(path)?;
            Store::open(path)?
        }
        // A server's database is never emptied for a demo: it must be new.
        Location::Server(_) => {
            let store = Store::create_at(location)?;
            if store::operators::count(store.conn())? > 0 {
                return Err(CoreError::Invalid(format!(
                    "{location} already holds spr-console data: a demo goes into an empty database."
                )));
            }
            store
        }
    };
    let mut svc = Service::new(store, Arc::new(SystemClock), Hasher::default());
    store::bulk::mark_demo(svc.store().conn())?;
    let trainer = svc.init_first_operator(OPERATOR, OPERATOR_PASSWORD)?;
    svc.add_operator(&trainer, HELPDESK, Role::Helpdesk, HELPDESK_PASSWORD)?;
    // A demo is a training database: its messages stay in the outbox (§3.11).
    svc.set_mail_settings(&trainer, &crate::mail::MailSettings::Outbox)?;
    let p = svc.add_provider(&trainer, PROVIDER, "Demo Agency")?;
    svc.update_provider(
        &trainer,
        PROVIDER,
        &ProviderChanges {
            spr_enabled: Some(true),
            ..ProviderChanges::default()
        },
    )?;
    for n in NAMED {
        svc.add_user(
            &trainer,
            PROVIDER,
            &UserInput {
                login: n.login.into(),
                first: n.first.into(),
                last: n.last.into(),
                email: n.email.map(Into::into),
                text_email: n.text_email.map(Into::into),
                spr_enabled: n.spr,
                password: n.password.then(|| USER_PASSWORD.to_owned()),
            },
        )?;
    }
    // bking forgot the password and guessed until the account was Admin Locked.
    for _ in 0..=p.policy.max_incorrect {
        let _ = svc.login(PROVIDER, "bking", "not-the-password");
    }
    let cdavis = svc.user(PROVIDER, "cdavis")?;
    svc.deactivate(&trainer, cdavis.id)?;
    // asmith asked for a token once: the outbox shows what a text message looks like.
    let _ = svc.request_token("asmith", PROVIDER, "5559876543@vtext.com");

    let now = rfc3339(svc.now());
    // One transaction for all of them (a commit per row would take minutes), made a chunk at
    // a time so a million users need no more memory than ten thousand.
    const CHUNK: u32 = 10_000;
    let inserted = svc.store_mut().immediate(|tx| -> Result<u64, CoreError> {
        let mut inserted = 0;
        for start in (0..generated).step_by(CHUNK as usize) {
            let range = start..generated.min(start.saturating_add(CHUNK));
            let logins: Vec<String> = range.clone().map(|i| format!("user{:06}", i + 1)).collect();
            let emails: Vec<String> = logins.iter().map(|l| format!("{l}@example.org")).collect();
            let texts: Vec<String> = range
                .clone()
                .map(|i| format!("555{:07}@vtext.com", i % 10_000_000))
                .collect();
            let users = range.enumerate().map(|(k, i)| {
                let i = i as usize;
                NewUser {
                    login: &logins[k],
                    first: FIRST[i % FIRST.len()],
                    last: LAST[(i / FIRST.len()) % LAST.len()],
                    // Most have an email, some a text address, some nothing yet.
                    email: (i % 5 != 4).then_some(emails[k].as_str()),
                    text_email: i.is_multiple_of(7).then_some(texts[k].as_str()),
                    spr_enabled: i % 3 != 2,
                    password_hash: None,
                }
            });
            inserted += store::bulk::insert_users_without_password(tx, p.id, users, &now)?;
        }
        Ok(inserted)
    })?;
    Ok(DemoSummary {
        location: location.clone(),
        named_users: NAMED.len() as u32,
        generated_users: inserted,
    })
}

/// The demo banner's words: who to sign in as, and whom to reset.
pub fn banner_text() -> String {
    format!(
        "Demo database — sign in as {OPERATOR} (password {OPERATOR_PASSWORD}) or {HELPDESK} ({HELPDESK_PASSWORD}). \
         Try a reset: Login Name {RESET_USER}, Provider Code {PROVIDER}, Email/Text {RESET_USER_EMAIL} \
         (her password before the reset: {USER_PASSWORD}). Messages go to the outbox."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_has_users_in_every_state_and_replaces_only_a_demo() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.sqlite3");
        let s = create(&path, 50).unwrap();
        assert_eq!(s.generated_users, 50);
        let svc = Service::open(&path).unwrap();
        let p = svc.provider(PROVIDER).unwrap();
        assert!(p.spr_enabled);
        let c = svc.provider_counts(p.id).unwrap();
        assert_eq!(c.admin_locked, 1);
        assert_eq!(
            svc.user(PROVIDER, "cdavis").unwrap().status,
            super::super::model::Status::Deactivated
        );
        drop(svc);
        // Fresh: a second run replaces the first.
        create(&path, 3).unwrap();
        let svc = Service::open(&path).unwrap();
        let p = svc.provider(PROVIDER).unwrap();
        assert_eq!(
            svc.provider_counts(p.id).unwrap().users,
            NAMED.len() as u64 + 3
        );
        drop(svc);
        // A real database is never replaced.
        let real = dir.path().join("real.sqlite3");
        Service::open(&real)
            .unwrap()
            .init_first_operator("boss", "Real-Database-Owner-9")
            .unwrap();
        let err = create(&real, 1).unwrap_err();
        assert!(err.to_string().contains("not a demo database"), "{err}");
    }
}
