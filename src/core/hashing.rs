//! argon2id hashing of passwords and tokens, as PHC strings so parameters can change later.

use std::cell::RefCell;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, Version};
use rand::Rng;

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

thread_local! {
    /// argon2's working memory (m KiB), kept by each thread that hashes and reused by every
    /// operation on it. Left to the argon2 crate, each operation allocates its 19 MiB afresh,
    /// and whether the allocator hands back memory it kept (no page faults) or memory just
    /// mapped from the kernel (4,864 page faults, about 3.5 ms) depended on what else the
    /// flow had allocated: refusals that must take the same time fell into two tiers
    /// (BENCHMARKS.md, refusals). Reused, the memory is faulted in once per thread, then
    /// every operation does the same work. The blocks hold only argon2's intermediate
    /// state, as the crate's freed memory did before; every operation overwrites them.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs one argon2 computation of `secret` into `out` on this thread's kept memory.
fn compute(argon: &Argon2<'_>, secret: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), String> {
    let blocks = argon.params().block_count();
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory
                .try_reserve_exact(blocks - memory.len())
                .map_err(|e| e.to_string())?;
            memory.resize(blocks, Block::default());
        }
        argon
            .hash_password_into_with_memory(secret, salt, out, &mut memory[..blocks])
            .map_err(|e| e.to_string())
    })
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

    fn params(&self) -> Result<Params, CoreError> {
        Params::new(self.m_cost_kib, self.t_cost, self.p_cost, None)
            .map_err(|e| CoreError::Internal(format!("Bad argon2 parameters: {e}.")))
    }

    /// Hashes a secret with a fresh random salt into a PHC string.
    pub fn hash(&self, secret: &str) -> Result<String, CoreError> {
        let failed = |e: &dyn std::fmt::Display| {
            CoreError::Internal(format!("Could not hash a secret: {e}."))
        };
        let params = self.params()?;
        let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
        rand::rng().fill(&mut salt);
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        compute(&argon, secret.as_bytes(), &salt, &mut out).map_err(|e| failed(&e))?;
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
            salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
            hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
        };
        Ok(phc.to_string())
    }

    /// Verifies a secret against a stored PHC string (with the algorithm, version and
    /// parameters stored in it); the outputs are compared in constant time.
    pub fn verify(&self, secret: &str, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
            return false;
        };
        let Ok(version) = parsed
            .version
            .map_or(Ok(Version::default()), Version::try_from)
        else {
            return false;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let mut buffer = [0u8; Output::MAX_LENGTH];
        let Some(out) = buffer.get_mut(..expected.len()) else {
            return false;
        };
        let argon = Argon2::new(algorithm, version, params);
        compute(&argon, secret.as_bytes(), salt, out).is_ok()
            && Output::new(out).is_ok_and(|computed| computed == *expected)
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

    /// Stored hashes were made by the argon2 crate's own API before the memory was kept:
    /// they still verify, and a new hash verifies with the crate's API.
    #[test]
    fn hashes_agree_with_the_argon2_crates_own_api() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let h = Hasher::fast_for_tests();
        let params = Params::new(h.m_cost_kib, h.t_cost, h.p_cost, None).expect("params");
        let crate_api = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let theirs = crate_api.hash_password(b"pw").expect("hash").to_string();
        assert!(h.verify("pw", &theirs));
        assert!(!h.verify("pW", &theirs));
        let ours = h.hash("pw").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(crate_api.verify_password(b"pw", &parsed).is_ok());
        assert!(crate_api.verify_password(b"pW", &parsed).is_err());
        // Same shape: algorithm, version, parameters, a 16-byte salt, a 32-byte output.
        let shape = |s: &str| {
            let p = PasswordHash::new(s).expect("a PHC string");
            let salt = p.salt.expect("salt").len();
            let out = p.hash.expect("output").len();
            (p.algorithm, p.version, p.params.to_string(), salt, out)
        };
        assert_eq!(shape(&ours), shape(&theirs));
    }

    /// Minor page faults of this thread so far (Linux `/proc/thread-self/stat`, field 10).
    #[cfg(target_os = "linux")]
    fn thread_faults() -> u64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("thread stat");
        let after_name = stat.rsplit_once(')').expect("stat fields").1;
        let field = after_name.split_whitespace().nth(7).expect("minflt");
        field.parse().expect("a count")
    }

    /// SPEC §3.3's same time: every argon2 operation on a thread reuses the memory it kept,
    /// whatever the operation and whatever was allocated in between, so none of them pays
    /// for mapping 19 MiB afresh (4,864 page faults, the 3.5 ms tier of BENCHMARKS.md).
    #[cfg(target_os = "linux")]
    #[test]
    fn every_argon2_operation_on_a_thread_reuses_its_memory() {
        // A thread of its own, so that only these operations' faults count.
        std::thread::spawn(|| {
            let h = Hasher::default();
            let pages = u64::from(h.m_cost_kib / 4);
            let phc = h.hash("the first operation maps the memory").expect("hash");
            let small = Hasher::fast_for_tests()
                .hash("older parameters")
                .expect("hash");
            let ops: [(&str, &dyn Fn()); 5] = [
                ("hash", &|| drop(h.hash("pw").expect("hash"))),
                ("verify, right", &|| {
                    assert!(h.verify("the first operation maps the memory", &phc));
                }),
                ("verify, wrong", &|| assert!(!h.verify("wrong", &phc))),
                ("verify, dummy", &|| h.verify_dummy("anything")),
                ("verify, smaller parameters", &|| {
                    assert!(h.verify("older parameters", &small));
                }),
            ];
            for (what, op) in ops {
                let before = thread_faults();
                op();
                let faults = thread_faults() - before;
                assert!(
                    faults < pages / 10,
                    "{what}: {faults} page faults (argon2's memory is {pages} pages)"
                );
            }
        })
        .join()
        .expect("the thread's checks");
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
