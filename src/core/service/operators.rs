//! Operators (SPEC §3.9): the first super admin, sign-in with a growing delay, roles.

use super::*;

/// Minimum length of an operator's password.
pub const OPERATOR_MIN_PASSWORD: u32 = 12;

impl Service {
    /// Whether the database has no operator yet (the first start asks for a super admin).
    pub fn needs_first_operator(&self) -> Result<bool, CoreError> {
        Ok(store::operators::count(self.store.conn())? == 0)
    }

    fn check_operator_password(login: &str, password: &str) -> Result<(), CoreError> {
        let broken = policy::check_new_password(password, OPERATOR_MIN_PASSWORD, login, &[login]);
        if broken.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Invalid(wording::operator_password_refused(
                &broken,
            )))
        }
    }

    fn valid_operator_login(login: &str) -> Result<String, CoreError> {
        let l = login.trim();
        if (1..=64).contains(&l.chars().count())
            && !l.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            Ok(l.to_owned())
        } else {
            Err(CoreError::Invalid(wording::bad_operator_login(login)))
        }
    }

    /// Creates the first super admin of an empty database.
    pub fn init_first_operator(
        &mut self,
        login: &str,
        password: &str,
    ) -> Result<Operator, CoreError> {
        let login = Self::valid_operator_login(login)?;
        Self::check_operator_password(&login, password)?;
        let hash = self.hasher.hash(password)?;
        self.write(|c, now| {
            if store::operators::count(c)? > 0 {
                return Err(CoreError::Invalid(
                    "This database already has operators: sign in as one of them instead.".into(),
                ));
            }
            let id = store::operators::insert(c, &login, Role::SuperAdmin, &hash, now)?;
            let mut e = ev(&login, action::INIT, None, None);
            e.detail = format!("first super admin {login} created");
            let op = Operator {
                id,
                login: login.clone(),
                role: Role::SuperAdmin,
            };
            Ok((op, vec![e]))
        })
    }

    /// How long the operator must wait before the next password try (growing after wrong ones).
    pub fn operator_wait(&self, login: &str) -> Result<StdDuration, CoreError> {
        Ok(store::operators::find(self.store.conn(), login)?
            .map_or(StdDuration::ZERO, |row| self.wait_left(&row)))
    }

    /// What is left of the delay that the operator's recent wrong passwords earned.
    fn wait_left(&self, row: &store::operators::OperatorRow) -> StdDuration {
        let delay = operator_delay(row.failed_attempts);
        match row.last_failed_at.as_deref().and_then(parse_rfc3339) {
            Some(t) => {
                let until = t + Duration::from_std(delay).unwrap_or_default();
                (until - self.clock.now())
                    .to_std()
                    .unwrap_or(StdDuration::ZERO)
            }
            None => StdDuration::ZERO,
        }
    }

    /// Checks an operator's password. A wrong one grows the delay before the next try;
    /// no number of wrong tries locks an operator out for good.
    pub fn operator_login(&mut self, login: &str, password: &str) -> Result<Operator, CoreError> {
        let row = store::operators::find(self.store.conn(), login)?;
        let wait = row
            .as_ref()
            .map_or(StdDuration::ZERO, |r| self.wait_left(r));
        if !wait.is_zero() {
            return Err(CoreError::Forbidden(wording::operator_wait(wait)));
        }
        let ok = row
            .as_ref()
            .is_some_and(|r| self.hasher.verify(password, &r.password_hash));
        match row {
            Some(r) if ok => {
                if r.failed_attempts > 0 {
                    store::operators::set_failures(self.store.conn(), r.operator.id, 0, None)?;
                }
                Ok(r.operator)
            }
            _ => {
                let found = row.is_some();
                self.write(|c, now| {
                    if let Some(r) = store::operators::find(c, login)? {
                        store::operators::set_failures(
                            c,
                            r.operator.id,
                            r.failed_attempts + 1,
                            Some(now),
                        )?;
                    }
                    let mut e = ev(login, action::OPERATOR_LOGIN, None, None);
                    e.outcome = Outcome::Denied;
                    e.reason = Some(if found {
                        Reason::PasswordIncorrect.code()
                    } else {
                        Reason::UnknownAccount.code()
                    });
                    e.detail = "operator sign-in refused".into();
                    Ok(((), vec![e]))
                })?;
                Err(CoreError::Forbidden(wording::operator_login_wrong(login)))
            }
        }
    }

    pub(crate) fn require_super_admin(actor: &Operator) -> Result<(), CoreError> {
        if actor.is_super_admin() {
            Ok(())
        } else {
            Err(CoreError::Forbidden(wording::not_a_super_admin(actor)))
        }
    }

    /// Adds an operator (super admins only).
    pub fn add_operator(
        &mut self,
        actor: &Operator,
        login: &str,
        role: Role,
        password: &str,
    ) -> Result<Operator, CoreError> {
        Self::require_super_admin(actor)?;
        let login = Self::valid_operator_login(login)?;
        Self::check_operator_password(&login, password)?;
        let hash = self.hasher.hash(password)?;
        self.write(|c, now| {
            if store::operators::find(c, &login)?.is_some() {
                return Err(CoreError::Invalid(wording::operator_exists(&login)));
            }
            let id = store::operators::insert(c, &login, role, &hash, now)?;
            let mut e = ev(&actor.login, action::OPERATOR_ADD, None, None);
            e.detail = format!("operator {login} added as {}", role.label());
            let op = Operator {
                id,
                login: login.clone(),
                role,
            };
            Ok((op, vec![e]))
        })
    }

    /// Every operator.
    pub fn operators(&self) -> Result<Vec<Operator>, CoreError> {
        Ok(store::operators::all(self.store.conn())?)
    }

    // ----- providers
}

/// The delay before an operator's next password try after `failures` wrong ones in a row.
pub fn operator_delay(failures: u32) -> StdDuration {
    if failures < 3 {
        StdDuration::ZERO
    } else {
        StdDuration::from_secs((1u64 << (failures - 3).min(6)).min(60))
    }
}
