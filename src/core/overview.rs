//! The super admin's morning (SPEC §5 Overview): every provider at a glance, activity per
//! day, Admin Locked accounts grouped into incidents, and a standards check of each policy.

use chrono::{DateTime, Duration, Utc};

use super::audit::{NewEvent, Outcome, action};
use super::clock::{parse_rfc3339, rfc3339};
use super::model::{Operator, Policy, Provider, Status};
use super::service::{BULK_STEP, CANCELLED};
use super::{CoreError, Service};
use crate::store::overview::{DayCount, LockedAccount};
use crate::store::providers::ProviderCounts;
use crate::store::users::UserFilter;
use crate::store::{self};
use std::sync::atomic::{AtomicBool, Ordering};

/// Locks of one cause this close to the previous one belong to the same incident.
pub const INCIDENT_GAP_MINUTES: i64 = 10;
/// An incident with this many accounts or more is a burst: more than one person's mistakes.
pub const BURST_ACCOUNTS: usize = 3;
/// How many days the activity plots cover.
pub const ACTIVITY_DAYS: u32 = 30;
/// The longest reason an operator may type (SPEC §3.14).
pub const REASON_MAX_CHARS: usize = 500;

/// One provider's row of the Overview table.
#[derive(Clone, Debug)]
pub struct ProviderRow {
    pub provider: Provider,
    pub counts: ProviderCounts,
    /// Users who can reset on their own now: the provider's SPR on, and the user active,
    /// granted SPR and configured.
    pub ready: u64,
    /// Users whose every contact is on a retired text gateway (they cannot get a token).
    pub retired_only: u64,
    pub standards: Vec<StandardsCheck>,
}

/// Admin Locked accounts locked close together for the same cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// `password` or `token` (what the last incorrect entry was), or `unknown`.
    pub cause: String,
    /// The first and last lock (RFC 3339); `None` for locks with no time recorded.
    pub first: Option<String>,
    pub last: Option<String>,
    pub accounts: Vec<LockedAccount>,
}

impl Incident {
    /// Whether so many accounts locked so close together that it looks like one attacker.
    pub fn is_burst(&self) -> bool {
        self.accounts.len() >= BURST_ACCOUNTS
    }

    /// Minutes from the first lock to the last (0 for one account).
    pub fn span_minutes(&self) -> i64 {
        match (
            self.first.as_deref().and_then(parse_rfc3339),
            self.last.as_deref().and_then(parse_rfc3339),
        ) {
            (Some(a), Some(b)) => (b - a).num_minutes(),
            _ => 0,
        }
    }

    /// The providers involved, each once, in order of appearance.
    pub fn providers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.accounts {
            if !out.contains(&a.provider.as_str()) {
                out.push(&a.provider);
            }
        }
        out
    }
}

/// Everything the Overview panel shows.
#[derive(Clone, Debug, Default)]
pub struct Overview {
    pub providers: Vec<ProviderRow>,
    /// One entry per day of the last [`ACTIVITY_DAYS`] days, oldest first, zeros included.
    pub days: Vec<DayCount>,
    /// Newest incident first.
    pub incidents: Vec<Incident>,
}

/// Whether one policy value meets a published recommendation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandardsCheck {
    pub ok: bool,
    /// The finding in words.
    pub text: String,
    /// Where the recommendation comes from.
    pub source: &'static str,
}

const NIST: &str = "NIST SP 800-63B rev. 4";
const OWASP: &str = "OWASP ASVS 5.0";

/// Checks a policy against NIST SP 800-63B rev. 4 and OWASP ASVS. Warnings only: nothing is
/// forced, since an agency may have reasons of its own.
pub fn standards_check(p: &Policy) -> Vec<StandardsCheck> {
    let check = |ok: bool, good: String, bad: String, source| StandardsCheck {
        ok,
        text: if ok { good } else { bad },
        source,
    };
    vec![
        check(
            p.min_length >= 15,
            format!("Minimum length {} meets the 15 characters asked for a password used alone.", p.min_length),
            format!("Minimum length {} is below the 15 characters asked for when a password is the only factor.", p.min_length),
            NIST,
        ),
        check(
            p.token_minutes <= 10,
            format!("A token valid for {} minutes is within the 10 minutes allowed for a secret sent by email or text.", p.token_minutes),
            format!("A token valid for {} minutes is longer than the 10 minutes allowed for a secret sent by email or text.", p.token_minutes),
            NIST,
        ),
        check(
            p.max_incorrect <= 100,
            format!("Locking after {} incorrect entries is within the limit of 100 consecutive failed attempts.", p.max_incorrect + 1),
            format!("Locking only after {} incorrect entries exceeds the limit of 100 consecutive failed attempts.", p.max_incorrect + 1),
            NIST,
        ),
        check(
            p.history >= 1,
            format!("The last {} passwords cannot be used again, so a reset cannot set the password it replaces.", p.history),
            "No password history: a reset may set the very password it replaces, which may be the one that leaked.".to_owned(),
            OWASP,
        ),
    ]
}

/// Groups locked accounts (oldest lock first) into incidents: same cause, each lock within
/// [`INCIDENT_GAP_MINUTES`] of the one before. Newest incident first.
pub fn group_incidents(locked: Vec<LockedAccount>) -> Vec<Incident> {
    let gap = Duration::minutes(INCIDENT_GAP_MINUTES);
    let mut open: Vec<(Option<DateTime<Utc>>, Incident)> = Vec::new();
    let mut done: Vec<Incident> = Vec::new();
    for a in locked {
        let cause = a.cause.clone().unwrap_or_else(|| "unknown".to_owned());
        let at = a.locked_at.as_deref().and_then(parse_rfc3339);
        let joins = open.iter().position(|(last, i)| {
            i.cause == cause
                && match (last, at) {
                    (Some(l), Some(t)) => t - *l <= gap,
                    (None, None) => true,
                    _ => false,
                }
        });
        match joins {
            Some(k) => {
                let (last, inc) = &mut open[k];
                *last = at;
                inc.last = a.locked_at.clone();
                inc.accounts.push(a);
            }
            None => {
                // An incident of the same cause that this lock cannot join is over.
                if let Some(k) = open.iter().position(|(_, i)| i.cause == cause) {
                    done.push(open.swap_remove(k).1);
                }
                let inc = Incident {
                    cause,
                    first: a.locked_at.clone(),
                    last: a.locked_at.clone(),
                    accounts: vec![a],
                };
                open.push((at, inc));
            }
        }
    }
    done.extend(open.into_iter().map(|(_, i)| i));
    done.sort_by(|a, b| b.last.cmp(&a.last));
    done
}

/// Fills the days with no activity, so a plot of `days` has one point per day.
fn every_day(found: Vec<DayCount>, today: DateTime<Utc>, days: u32) -> Vec<DayCount> {
    (0..days)
        .rev()
        .map(|back| {
            let day = (today - Duration::days(i64::from(back)))
                .format("%Y-%m-%d")
                .to_string();
            found
                .iter()
                .find(|d| d.day == day)
                .cloned()
                .unwrap_or(DayCount {
                    day,
                    lockouts: 0,
                    resets: 0,
                })
        })
        .collect()
}

impl Service {
    /// The Overview: every provider with its counts and standards check, activity per day
    /// over the last [`ACTIVITY_DAYS`] days, and the Admin Locked accounts as incidents.
    /// Open to every operator; it only reads.
    pub fn overview(&self, _actor: &Operator) -> Result<Overview, CoreError> {
        let c = self.store().conn();
        let mut providers = Vec::new();
        for p in store::providers::all(c)? {
            let counts = store::providers::counts(c, p.id)?;
            let retired_only = store::users::count(
                c,
                &UserFilter {
                    provider_id: Some(p.id),
                    retired_gateway_only: true,
                    ..UserFilter::default()
                },
            )?;
            let standards = standards_check(&p.policy);
            let ready = if p.spr_enabled {
                store::overview::ready(c, p.id)?
            } else {
                0
            };
            providers.push(ProviderRow {
                provider: p,
                counts,
                ready,
                retired_only,
                standards,
            });
        }
        let now = self.now();
        let start = now.date_naive() - chrono::Days::new(u64::from(ACTIVITY_DAYS - 1));
        let since = format!("{start}T00:00:00Z");
        let days = every_day(store::overview::daily(c, &since)?, now, ACTIVITY_DAYS);
        let incidents = group_incidents(store::overview::locked(c)?);
        Ok(Overview {
            providers,
            days,
            incidents,
        })
    }

    /// Unlocks many Admin Locked accounts with one reason, in one transaction (an incident of
    /// the Overview). Each account gets its own `user_unlock` event, and one `unlock_batch`
    /// event sums them up; all share a batch id in their detail. Accounts that are no longer
    /// Admin Locked (another console unlocked them meanwhile) are skipped. Super admins and
    /// helpdesk operators alike may unlock (SPEC §3.6). Returns how many were unlocked.
    pub fn unlock_accounts(
        &mut self,
        actor: &Operator,
        user_ids: &[i64],
        reason: &str,
    ) -> Result<usize, CoreError> {
        let cancel = AtomicBool::new(false);
        self.unlock_accounts_with(actor, user_ids, reason, &mut |_, _| {}, &cancel)
    }

    /// [`Service::unlock_accounts`] for a large incident: `progress(done, total)` every
    /// [`BULK_STEP`] accounts, and `cancel` read as often; a cancel rolls the whole unlock
    /// back (one transaction) and answers [`CANCELLED`].
    pub fn unlock_accounts_with(
        &mut self,
        actor: &Operator,
        user_ids: &[i64],
        reason: &str,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<usize, CoreError> {
        let total = user_ids.len() as u64;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::Invalid(
                "Give a reason for the unlock; it is written to the audit log.".into(),
            ));
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(CoreError::Invalid(format!(
                "The reason is too long: at most {REASON_MAX_CHARS} characters."
            )));
        }
        if reason.chars().any(char::is_control) {
            return Err(CoreError::Invalid(
                "The reason may not contain control characters (such as tabs or line breaks)."
                    .into(),
            ));
        }
        let now = self.now();
        let at = rfc3339(now);
        let batch = super::audit::batch_id(now);
        let actor_login = actor.login.clone();
        self.write_at(&at, |c, _| {
            let mut events = Vec::new();
            let mut unlocked = 0usize;
            let mut skipped = 0usize;
            for (i, &id) in user_ids.iter().enumerate() {
                if i % BULK_STEP == 0 {
                    progress(i as u64, total);
                    if cancel.load(Ordering::Relaxed) {
                        // The transaction ends with the error: nothing is written.
                        return Err(CoreError::Invalid(CANCELLED.into()));
                    }
                }
                let Some(u) = store::users::by_id(c, id)? else {
                    skipped += 1;
                    continue;
                };
                if u.status != Status::AdminLocked {
                    skipped += 1;
                    continue;
                }
                store::users::set_status(c, u.id, Status::Active, 0, None, None)?;
                let e = NewEvent {
                    actor: actor_login.clone(),
                    action: action::USER_UNLOCK,
                    provider: Some(u.provider_code.as_str().to_owned()),
                    login: Some(u.login.as_str().to_owned()),
                    outcome: Outcome::Ok,
                    reason: None,
                    detail: format!("unlocked: {reason} (batch {batch})"),
                    ..NewEvent::default()
                };
                events.push(e);
                unlocked += 1;
            }
            let skipped_words = match skipped {
                0 => String::new(),
                1 => "; 1 account was no longer Admin Locked".to_owned(),
                n => format!("; {n} accounts were no longer Admin Locked"),
            };
            let summary = NewEvent {
                actor: actor_login.clone(),
                action: action::UNLOCK_BATCH,
                provider: None,
                login: None,
                outcome: Outcome::Ok,
                reason: None,
                detail: format!(
                    "unlocked {unlocked} {}: {reason} (batch {batch}{skipped_words})",
                    if unlocked == 1 { "account" } else { "accounts" }
                ),
                ..NewEvent::default()
            };
            events.push(summary);
            if cancel.load(Ordering::Relaxed) {
                return Err(CoreError::Invalid(CANCELLED.into()));
            }
            progress(total, total);
            Ok((unlocked, events))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: i64, at: &str, cause: &str) -> LockedAccount {
        LockedAccount {
            user_id: id,
            provider: "DEMO".into(),
            login: format!("u{id}"),
            locked_at: Some(at.into()),
            cause: Some(cause.into()),
            failed_attempts: 6,
        }
    }

    #[test]
    fn locks_within_ten_minutes_of_each_other_are_one_incident() {
        let locked = vec![
            acct(1, "2026-12-01T02:00:00Z", "token"),
            acct(2, "2026-12-01T02:09:00Z", "token"),
            acct(3, "2026-12-01T02:18:00Z", "token"),
            acct(4, "2026-12-01T02:29:00Z", "token"),
        ];
        let inc = group_incidents(locked);
        assert_eq!(inc.len(), 2, "{inc:?}");
        // Newest first: the lone lock 11 minutes after the chain.
        assert_eq!(inc[0].accounts.len(), 1);
        assert_eq!(inc[1].accounts.len(), 3);
        assert_eq!(inc[1].span_minutes(), 18);
        assert!(inc[1].is_burst());
        assert!(!inc[0].is_burst());
    }

    #[test]
    fn a_different_cause_is_a_different_incident() {
        let locked = vec![
            acct(1, "2026-12-01T02:00:00Z", "token"),
            acct(2, "2026-12-01T02:01:00Z", "password"),
            acct(3, "2026-12-01T02:02:00Z", "token"),
        ];
        let inc = group_incidents(locked);
        assert_eq!(inc.len(), 2);
        let token = inc
            .iter()
            .find(|i| i.cause == "token")
            .expect("token incident");
        assert_eq!(token.accounts.len(), 2);
    }

    #[test]
    fn the_standards_check_flags_each_value_on_its_own_side_of_the_line() {
        let mut p = Policy::default();
        assert!(
            standards_check(&p).iter().all(|c| c.ok),
            "defaults meet both standards"
        );
        p.min_length = 14;
        p.token_minutes = 11;
        p.history = 0;
        let bad: Vec<_> = standards_check(&p).into_iter().filter(|c| !c.ok).collect();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].text.contains("below the 15"));
        p.min_length = 15;
        p.token_minutes = 10;
        p.history = 1;
        assert!(standards_check(&p).iter().all(|c| c.ok));
    }

    #[test]
    fn every_day_of_the_range_has_a_point_and_found_days_keep_their_counts() {
        let today = parse_rfc3339("2026-12-02T10:00:00Z").expect("time");
        let found = vec![DayCount {
            day: "2026-12-01".into(),
            lockouts: 4,
            resets: 2,
        }];
        let days = every_day(found, today, 30);
        assert_eq!(days.len(), 30);
        assert_eq!(days[0].day, "2026-11-03");
        assert_eq!(days[29].day, "2026-12-02");
        assert_eq!(days[28].lockouts, 4);
        assert_eq!(days[28].resets, 2);
        assert_eq!(days.iter().map(|d| d.lockouts).sum::<u64>(), 4);
    }
}
