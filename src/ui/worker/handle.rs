//! What the worker thread does with each job: the service calls behind every view, the
//! mail settings kept secret on their way to the UI, and the watch of a supervised session.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Runs one job; a panic becomes an answer and the worker goes on.
pub(super) fn handle_caught(svc: &mut Service, job: Job) -> Answer {
    catch_unwind(AssertUnwindSafe(|| handle(svc, job))).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        AppAnswer::Crashed(format!(
            "An internal error stopped this action ({what}). Nothing else was changed; try again."
        ))
        .into()
    })
}

fn handle(svc: &mut Service, job: Job) -> Answer {
    match job {
        Job::InitFirstOperator {
            login,
            password,
            training,
        } => AppAnswer::FirstOperator(svc.init_first_operator(&login, &password).and_then(|op| {
            if training {
                svc.set_mail_settings(&op, &MailSettings::Outbox)?;
            }
            Ok(op)
        }))
        .into(),
        Job::OperatorWait { login } => AppAnswer::OperatorWait {
            wait: svc.operator_wait(&login).unwrap_or_default(),
            login,
        }
        .into(),
        Job::OperatorLogin {
            login,
            password,
            why,
        } => AppAnswer::OperatorLogin(svc.console_sign_in(&login, &password, &why)).into(),
        Job::Console { actor, event } => {
            AppAnswer::Console(svc.console_event(&actor, &event)).into()
        }
        Job::Training => AppAnswer::Training(svc.is_training()).into(),
        Job::StartSession {
            actor,
            code,
            login,
            start,
        } => ResetAnswer::SessionStarted(
            svc.start_session_for(&actor, &code, &login, &start)
                .and_then(|s| {
                    let u = svc.user_by_id(s.user_id)?;
                    Ok((s, u.provider_code.to_string(), u.login.to_string()))
                }),
        )
        .into(),
        Job::EndSession { id } => ResetAnswer::SessionEnded(
            svc.end_session(&id, crate::core::session::SessionEnd::EndedByOperator)
                .map(|_| ()),
        )
        .into(),
        Job::Unlock {
            actor,
            user_id,
            reason,
        } => ResetAnswer::Unlocked(svc.unlock(&actor, user_id, &reason)).into(),
        Job::UnlockInSession {
            actor,
            session,
            reason,
        } => ResetAnswer::Unlocked(svc.unlock_in_session(&actor, &session, &reason)).into(),
        Job::Providers => ProviderAnswer::Providers(svc.providers()).into(),
        Job::ProviderView { code } => {
            ProviderAnswer::ProviderView(svc.provider(&code).and_then(|p| {
                Ok(ProviderView {
                    counts: svc.provider_counts(p.id)?,
                    provider: p,
                })
            }))
            .into()
        }
        Job::AddProvider { actor, code, name } => {
            ProviderAnswer::ProviderSaved(svc.add_provider(&actor, &code, &name)).into()
        }
        Job::UpdateProvider {
            actor,
            code,
            changes,
        } => ProviderAnswer::ProviderSaved(svc.update_provider(&actor, &code, &changes)).into(),
        Job::Mail => ProviderAnswer::Mail(svc.mail_settings().map(redact)).into(),
        Job::SetMail {
            actor,
            settings,
            keep_password,
            ca_file,
            keep_ca,
        } => ProviderAnswer::MailSaved(set_mail(
            svc,
            &actor,
            settings,
            keep_password,
            ca_file,
            keep_ca,
        ))
        .into(),
        Job::SendTest { actor, to } => ProviderAnswer::TestSent(svc.send_test(&actor, &to)).into(),
        Job::Flow {
            step,
            input,
            session,
        } => {
            let run = |svc: &mut Service| match step {
                FlowStep::Request => svc.request_token(&input.login, &input.code, &input.address),
                FlowStep::Resend => svc.resend(&input.code, &input.login),
                FlowStep::Complete => svc.complete_reset(
                    &input.code,
                    &input.login,
                    &input.token,
                    &input.password,
                    &input.confirm,
                ),
                FlowStep::Login => svc.login(&input.code, &input.login, &input.password),
            };
            let kind = match step {
                FlowStep::Complete => SessionStep::Complete,
                FlowStep::Login => SessionStep::Login,
                FlowStep::Request | FlowStep::Resend => SessionStep::Other,
            };
            let result = match &session {
                Some(id) => svc
                    .check_session_account(id, &input.code, &input.login)
                    .and_then(|()| in_session(svc, Some(id), kind, run)),
                None => run(svc),
            };
            ResetAnswer::Flow {
                step,
                code: input.code,
                login: input.login,
                result,
            }
            .into()
        }
        Job::ConfigureVerify {
            session,
            code,
            login,
            password,
        } => ResetAnswer::Verified(
            session
                .as_deref()
                .map_or(Ok(()), |id| svc.check_session_account(id, &code, &login))
                .and_then(|()| {
                    in_session(svc, session.as_deref(), SessionStep::Other, |svc| {
                        svc.configure_verify(&code, &login, &password)
                    })
                }),
        )
        .into(),
        Job::Configure {
            session,
            code,
            login,
            password,
            email,
            text_email,
        } => ResetAnswer::Configured(
            session
                .as_deref()
                .map_or(Ok(()), |id| svc.check_session_account(id, &code, &login))
                .and_then(|()| {
                    in_session(svc, session.as_deref(), SessionStep::Other, |svc| {
                        svc.configure(
                            &code,
                            &login,
                            &password,
                            Some(email.as_str()),
                            Some(text_email.as_str()),
                        )
                    })
                }),
        )
        .into(),
        Job::Watch {
            code,
            login,
            session,
        } => ResetAnswer::Watch(watch(svc, code, login, session).map(Box::new)).into(),
        Job::Data(j) => crate::ui::data::handle(svc, j),
        Job::Overview { actor } => {
            OverviewAnswer::Overview(svc.overview(&actor).map(Box::new)).into()
        }
        Job::UnlockAccounts {
            actor,
            ids,
            reason,
            progress,
            cancel,
        } => {
            let mut report = |done, total| progress.set(done, total);
            OverviewAnswer::AccountsUnlocked(svc.unlock_accounts_with(
                &actor,
                &ids,
                &reason,
                &mut report,
                &cancel,
            ))
            .into()
        }
    }
}

/// Runs a flow step in the supervised session when there is one (§3.15).
fn in_session<T>(
    svc: &mut Service,
    session: Option<&str>,
    step: SessionStep,
    f: impl FnOnce(&mut Service) -> Result<T, CoreError>,
) -> Result<T, CoreError> {
    match session {
        Some(id) => svc.in_session(id, step, f),
        None => f(svc),
    }
}

fn redact(settings: MailSettings) -> MailView {
    match settings {
        MailSettings::NotSet | MailSettings::Outbox => MailView {
            settings,
            has_password: false,
            has_ca: false,
        },
        MailSettings::Smtp(mut s) => {
            let has_password = s.password.take().is_some();
            let has_ca = s.ca_pem.is_some();
            MailView {
                settings: MailSettings::Smtp(s),
                has_password,
                has_ca,
            }
        }
    }
}

fn set_mail(
    svc: &mut Service,
    actor: &Operator,
    settings: MailSettings,
    keep_password: bool,
    ca_file: Option<PathBuf>,
    keep_ca: bool,
) -> Result<(), CoreError> {
    let settings = match settings {
        MailSettings::NotSet | MailSettings::Outbox => settings,
        MailSettings::Smtp(mut s) => {
            let old: Option<SmtpSettings> = match svc.mail_settings()? {
                MailSettings::Smtp(old) => Some(old),
                MailSettings::NotSet | MailSettings::Outbox => None,
            };
            // The stored password goes only to the relay and account it was given for: a new
            // host, port or username forgets it (SPEC §3.11).
            let same_account = old
                .as_ref()
                .is_some_and(|o| o.host == s.host && o.port == s.port && o.username == s.username);
            if keep_password && s.password.is_none() && s.username.is_some() && same_account {
                s.password = old.as_ref().and_then(|o| o.password.clone());
            }
            if s.username.is_none() {
                s.password = None;
            }
            s.ca_pem = match ca_file {
                Some(path) => Some(std::fs::read_to_string(&path).map_err(|e| {
                    CoreError::Invalid(format!(
                        "Cannot read the CA certificate file {}: {e}.",
                        path.display()
                    ))
                })?),
                None if keep_ca => old.and_then(|o| o.ca_pem),
                None => None,
            };
            MailSettings::Smtp(s)
        }
    };
    svc.set_mail_settings(actor, &settings)
}

fn watch(
    svc: &mut Service,
    code: String,
    login: String,
    session: Option<String>,
) -> Result<WatchView, CoreError> {
    let mut view = WatchView {
        outbox: matches!(svc.mail_settings()?, MailSettings::Outbox),
        ..WatchView::default()
    };
    // A provider or user that does not exist is part of the view, not an error.
    view.provider = svc.provider(&code).ok();
    if view.provider.is_some() && !login.trim().is_empty() {
        view.user = svc.user(&code, &login).ok();
    }
    if let Some(u) = &view.user {
        view.token = svc.token_info(u.id)?;
        let mut addresses: Vec<String> = [u.email.as_ref(), u.text_email.as_ref()]
            .into_iter()
            .flatten()
            .map(ToString::to_string)
            .collect();
        if let Some(t) = &view.token {
            addresses.push(t.address.clone());
        }
        if view.outbox {
            view.message = svc.latest_message_to(&addresses)?;
        } else if let Some(t) = view.token.as_mut() {
            // Outside a training database the operator sees where a token went, masked (§3.11).
            t.address = crate::ui::reset::masked(&t.address);
        }
    }
    // Reading the session also ends it once it has been idle for 30 minutes.
    view.session = session.map(|id| svc.check_session(&id)).transpose()?;
    view.code = code;
    view.login = login;
    Ok(view)
}

#[cfg(test)]
mod tests {
    // Test code may unwrap: a failure is a failed test with its location.
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::core::hashing::Hasher;
    use crate::mail::smtp::Security;

    fn smtp(host: &str, port: u16, username: &str, password: Option<&str>) -> MailSettings {
        MailSettings::Smtp(SmtpSettings {
            host: host.into(),
            port,
            security: Security::Starttls,
            username: Some(username.into()),
            password: password.map(str::to_owned),
            from: "spr@example.org".into(),
            timeout_secs: 10,
            ca_pem: None,
        })
    }

    fn stored_password(svc: &Service) -> Option<String> {
        match svc.mail_settings().unwrap() {
            MailSettings::Smtp(s) => s.password,
            MailSettings::Outbox | MailSettings::NotSet => None,
        }
    }

    #[test]
    fn the_smtp_password_is_forgotten_when_host_port_or_username_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut svc = Service::create_with(
            &crate::core::Location::File(dir.path().join("spr.sqlite3")),
            std::sync::Arc::new(crate::core::clock::SystemClock),
            Hasher::fast_for_tests(),
        )
        .unwrap();
        let admin = svc
            .init_first_operator("root", "orange-Kettle-93-violet")
            .unwrap();
        let set = |svc: &mut Service, m: MailSettings| {
            set_mail(svc, &admin, m, true, None, false).unwrap();
        };
        for changed in [
            smtp("relay2.example.org", 587, "spr", None),
            smtp("relay.example.org", 2525, "spr", None),
            smtp("relay.example.org", 587, "other", None),
        ] {
            set(
                &mut svc,
                smtp("relay.example.org", 587, "spr", Some("s3cret-relay")),
            );
            // The form left the password empty: the same relay and account keep it ...
            set(&mut svc, smtp("relay.example.org", 587, "spr", None));
            assert_eq!(stored_password(&svc).as_deref(), Some("s3cret-relay"));
            // ... and a new host, port or username forgets it.
            set(&mut svc, changed);
            assert_eq!(stored_password(&svc), None);
        }
    }
}
