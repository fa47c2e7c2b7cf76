//! argon2id hashing of passwords and tokens, as PHC strings so parameters can change later.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

use super::error::CoreError;

/// argon2id parameters. Production uses m = 19456 KiB, t = 2, p = 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hasher {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for Hasher {
    fn default() -> Self {
        Self {
            m_cost_kib: 19_456,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

impl Hasher {
    /// Cheap parameters for tests that hash many times; never for real data.
    pub fn fast_for_tests() -> Self {
        Self {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }

    fn argon2(&self) -> Result<Argon2<'static>, CoreError> {
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, None)
            .map_err(|e| CoreError::Internal(format!("Bad argon2 parameters: {e}.")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes a secret with a fresh random salt into a PHC string.
    pub fn hash(&self, secret: &str) -> Result<String, CoreError> {
        let hash = self
            .argon2()?
            .hash_password(secret.as_bytes())
            .map_err(|e| CoreError::Internal(format!("Could not hash a secret: {e}.")))?;
        Ok(hash.to_string())
    }

    /// Verifies a secret against a stored PHC string (with the parameters stored in it).
    pub fn verify(&self, secret: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let Ok(argon) = self.argon2() else {
            return false;
        };
        argon.verify_password(secret.as_bytes(), &parsed).is_ok()
    }

    /// The same argon2 work as [`Hasher::verify`] against a hash of these parameters, on a
    /// fixed dummy hash that no secret matches: a refusal that has no real hash to check
    /// (an unknown account, no password, no token) takes as long as one that has (SPEC §3.3).
    pub fn verify_dummy(&self, secret: &str) {
        let phc = format!(
            "$argon2id$v=19$m={},t={},p={}$c3ByLWNvbnNvbGUtZHVtbXk$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            self.m_cost_kib, self.t_cost, self.p_cost
        );
        let _ = self.verify(secret, &phc);
    }
}

/// What [`Hasher::check_history`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryCheck {
    /// The secret is one of the given hashes.
    pub reused: bool,
    /// The secret's new hash, when one was asked for and the secret was not reused.
    pub new_hash: Option<String>,
}

impl Hasher {
    /// Checks `secret` against the `previous` hashes and, when `hash_too`, hashes it afresh,
    /// all at once on up to as many threads as there are cores. Each argon2 run (p = 1) is
    /// single-threaded and independent, so on two cores a reset with history 5 costs about
    /// three verifies of wall time instead of six. No new check starts once one matched; the
    /// new hash is then dropped.
    pub fn check_history(
        &self,
        secret: &str,
        previous: &[String],
        hash_too: bool,
    ) -> Result<HistoryCheck, CoreError> {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

        // Job 0 is the new hash (started first: it is needed unless a match turns up).
        let first = usize::from(!hash_too);
        let jobs = previous.len() + 1;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let threads = cores.min(jobs - first).max(1);
        let next = AtomicUsize::new(first);
        let reused = AtomicBool::new(false);
        let new_hash: Mutex<Option<Result<String, CoreError>>> = Mutex::new(None);
        let work = || {
            loop {
                if reused.load(Ordering::Acquire) {
                    return;
                }
                let job = next.fetch_add(1, Ordering::AcqRel);
                if job >= jobs {
                    return;
                }
                if job == 0 {
                    let h = self.hash(secret);
                    if let Ok(mut slot) = new_hash.lock() {
                        *slot = Some(h);
                    }
                } else if self.verify(secret, &previous[job - 1]) {
                    reused.store(true, Ordering::Release);
                }
            }
        };
        if threads == 1 {
            work();
        } else {
            std::thread::scope(|s| {
                for _ in 1..threads {
                    s.spawn(work);
                }
                work();
            });
        }
        let reused = reused.into_inner();
        let new_hash = match new_hash.into_inner() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        let new_hash =
            if reused || !hash_too {
                None
            } else {
                Some(new_hash.ok_or_else(|| {
                    CoreError::Internal("The new password was not hashed.".into())
                })??)
            };
        Ok(HistoryCheck { reused, new_hash })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_and_nothing_else() {
        let h = Hasher::fast_for_tests();
        let phc = h.hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(h.verify("correct horse", &phc));
        assert!(!h.verify("correct horsE", &phc));
        assert!(!h.verify("x", "not a phc string"));
    }

    #[test]
    fn the_dummy_hash_is_a_real_argon2_check() {
        let h = Hasher::fast_for_tests();
        let phc = format!(
            "$argon2id$v=19$m={},t={},p={}$c3ByLWNvbnNvbGUtZHVtbXk$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            h.m_cost_kib, h.t_cost, h.p_cost
        );
        assert!(
            argon2::PasswordHash::new(&phc).is_ok(),
            "the dummy must parse"
        );
        h.verify_dummy("anything");
    }

    #[test]
    fn production_parameters_are_stored_in_the_phc_string() {
        let phc = Hasher::default().hash("pw").expect("hash");
        assert!(phc.contains("m=19456,t=2,p=1"), "{phc}");
        // A hash made with other parameters still verifies: they come from the string.
        assert!(Hasher::fast_for_tests().verify("pw", &phc));
    }

    #[test]
    fn a_history_check_finds_a_reused_secret_anywhere_and_hashes_a_new_one() {
        let h = Hasher::fast_for_tests();
        let old: Vec<String> = ["one", "two", "three", "four", "five"]
            .iter()
            .map(|s| h.hash(s).expect("hash"))
            .collect();
        for (i, s) in ["one", "three", "five"].iter().enumerate() {
            let r = h.check_history(s, &old, i % 2 == 0).expect("check");
            assert!(r.reused, "{s}");
            assert_eq!(r.new_hash, None, "{s}");
        }
        let r = h.check_history("six", &old, true).expect("check");
        assert!(!r.reused);
        let new = r.new_hash.expect("a new hash");
        assert!(h.verify("six", &new));
        let r = h.check_history("six", &old, false).expect("check");
        assert_eq!(
            r,
            HistoryCheck {
                reused: false,
                new_hash: None
            }
        );
        let r = h.check_history("six", &[], true).expect("check");
        assert!(r.new_hash.is_some_and(|n| h.verify("six", &n)));
    }
}
