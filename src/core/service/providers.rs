//! Providers and their policy (SPEC §3.8).

use super::*;
use crate::core::model::PolicyKey;

/// Changes to a provider; `None` leaves a value as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderChanges {
    pub name: Option<String>,
    pub spr_enabled: Option<bool>,
    pub max_incorrect: Option<u32>,
    pub token_minutes: Option<u32>,
    pub min_length: Option<u32>,
    pub history: Option<u32>,
    pub max_tokens_per_hour: Option<u32>,
}

impl ProviderChanges {
    /// The policy values by their key, `None` where unchanged.
    fn policy_values(&self) -> [(PolicyKey, Option<u32>); 5] {
        [
            (PolicyKey::MaxIncorrect, self.max_incorrect),
            (PolicyKey::TokenMinutes, self.token_minutes),
            (PolicyKey::MinLength, self.min_length),
            (PolicyKey::History, self.history),
            (PolicyKey::MaxTokensPerHour, self.max_tokens_per_hour),
        ]
    }
}

impl Service {
    /// Every provider.
    pub fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        Ok(store::providers::all(self.store.conn())?)
    }

    /// The provider with this code, or a clear error.
    pub fn provider(&self, code: &str) -> Result<Provider, CoreError> {
        let code = ProviderCode::parse(code)?;
        store::providers::by_code(self.store.conn(), code.as_str())?
            .ok_or_else(|| CoreError::Invalid(wording::no_such_provider(code.as_str())))
    }

    /// Users, SPR enabled, configured and Admin Locked counts.
    pub fn provider_counts(&self, provider_id: i64) -> Result<ProviderCounts, CoreError> {
        Ok(store::providers::counts(self.store.conn(), provider_id)?)
    }

    /// Adds a provider with the default policy and SPR off (super admins only).
    pub fn add_provider(
        &mut self,
        actor: &Operator,
        code: &str,
        name: &str,
    ) -> Result<Provider, CoreError> {
        Self::require_super_admin(actor)?;
        let code = ProviderCode::parse(code)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(CoreError::Invalid(wording::PROVIDER_NAME_LENGTH.into()));
        }
        self.write(|c, now| {
            if store::providers::by_code(c, code.as_str())?.is_some() {
                return Err(CoreError::Invalid(format!(
                    "A provider with Provider Code {code} already exists."
                )));
            }
            let id = store::providers::insert(c, &code, name, now)?;
            let mut e = ev(
                &actor.login,
                action::PROVIDER_ADD,
                Some(code.as_str()),
                None,
            );
            e.detail = format!("provider \"{name}\" added");
            let p = store::providers::by_id(c, id)?
                .ok_or_else(|| CoreError::Internal("provider vanished".into()))?;
            Ok((p, vec![e]))
        })
    }

    /// Changes SPR enablement, name or policy values (super admins only); each change is audited.
    pub fn update_provider(
        &mut self,
        actor: &Operator,
        code: &str,
        ch: &ProviderChanges,
    ) -> Result<Provider, CoreError> {
        Self::require_super_admin(actor)?;
        let code = ProviderCode::parse(code)?;
        let mut policy = Policy::default();
        // Validate every value before touching anything.
        for (key, v) in ch.policy_values() {
            if let Some(v) = v {
                policy.set(key, v)?;
            }
        }
        if let Some(name) = &ch.name
            && (name.trim().is_empty() || name.chars().count() > 200)
        {
            return Err(CoreError::Invalid(wording::PROVIDER_NAME_LENGTH.into()));
        }
        self.write(|c, _| {
            let mut p = store::providers::by_code(c, code.as_str())?
                .ok_or_else(|| CoreError::Invalid(wording::no_such_provider(code.as_str())))?;
            let mut changes = Vec::new();
            if let Some(name) = &ch.name
                && name.trim() != p.name
            {
                changes.push(format!("name \"{}\" → \"{}\"", p.name, name.trim()));
                p.name = name.trim().to_owned();
            }
            if let Some(on) = ch.spr_enabled
                && on != p.spr_enabled
            {
                changes.push(format!(
                    "Self Password Reset {}",
                    if on { "enabled" } else { "disabled" }
                ));
                p.spr_enabled = on;
            }
            for (key, v) in ch.policy_values() {
                if let Some(v) = v {
                    let old = p.policy.get(key);
                    if old != v {
                        p.policy.set(key, v)?;
                        changes.push(format!("{key} {old} → {v}"));
                    }
                }
            }
            if ch.spr_enabled == Some(false) && changes.iter().any(|x| x.ends_with("disabled")) {
                let ended =
                    store::tokens::invalidate_live_of_provider(c, p.id, "provider_spr_disabled")?;
                if let Some(last) = changes.iter_mut().find(|x| x.ends_with("disabled")) {
                    last.push_str(&store::tokens::ended_words(ended));
                }
            }
            if changes.is_empty() {
                return Ok((p, Vec::new()));
            }
            store::providers::update(c, &p)?;
            let mut e = ev(
                &actor.login,
                action::PROVIDER_SET,
                Some(code.as_str()),
                None,
            );
            e.detail = changes.join("; ");
            Ok((p, vec![e]))
        })
    }

    // ----- users, administration
}
