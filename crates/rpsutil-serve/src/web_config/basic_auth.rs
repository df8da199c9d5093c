//! HTTP basic authentication against `basic_auth_users` (bcrypt hashes).
//!
//! As exporter-toolkit: a bcrypt check costs tens of milliseconds by design, so
//! outcomes are cached per (user, password) (at most [`CACHE_SIZE`] entries, then
//! a tenth is evicted), and only one bcrypt check runs at a time, so wrong
//! passwords cannot take more than one core. An unknown user costs a bcrypt check
//! too, so timing does not tell which users exist.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use base64::Engine;

/// Cached (user, password) outcomes kept at most.
const CACHE_SIZE: usize = 100;

/// The configured users, with the cache of checked credentials.
pub(crate) struct BasicAuth {
    users: Vec<(String, String)>,
    cache: Mutex<HashMap<(String, String), bool>>,
    bcrypt_lock: Mutex<()>,
}

impl BasicAuth {
    /// `None` when no users are configured (no authentication).
    pub(crate) fn new(users: &BTreeMap<String, String>) -> Option<BasicAuth> {
        if users.is_empty() {
            return None;
        }
        Some(BasicAuth {
            users: users.iter().map(|(u, h)| (u.clone(), h.clone())).collect(),
            cache: Mutex::new(HashMap::new()),
            bcrypt_lock: Mutex::new(()),
        })
    }

    /// Whether an `Authorization` header value holds a configured user and password.
    pub(crate) fn allows(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(parse_basic) else {
            return false;
        };
        // Compare against every user, without stopping early, so the time taken
        // does not depend on where (or whether) the name matches.
        let mut found: Option<&str> = None;
        for (name, hash) in &self.users {
            if constant_time_eq(name.as_bytes(), user.as_bytes()) {
                found = Some(hash);
            }
        }
        let key = (user, password);
        // A poisoned lock only means another thread panicked mid-check; the map is
        // still a valid cache.
        if let Some(&ok) = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return ok && found.is_some();
        }
        // An unknown user is checked against a real hash and refused whatever the
        // outcome, so it costs as much as a known one.
        let any_hash = self.users.first().map_or("", |(_, h)| h.as_str());
        let hash = found.unwrap_or(any_hash);
        let verified = {
            let _one_at_a_time = self
                .bcrypt_lock
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            bcrypt::verify(&key.1, hash).unwrap_or(false)
        };
        let ok = verified && found.is_some();
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_SIZE {
            // HashMap's iteration order is randomly seeded: an arbitrary tenth goes.
            let evict: Vec<_> = cache.keys().take(CACHE_SIZE / 10).cloned().collect();
            for k in evict {
                cache.remove(&k);
            }
        }
        cache.insert(key, ok);
        ok
    }

    #[cfg(test)]
    fn cached(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// `Basic base64(user:password)` → (user, password); the scheme is
/// case-insensitive; the password may contain `:`.
fn parse_basic(value: &str) -> Option<(String, String)> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Equal bytes, in time that depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn header(user: &str, password: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
    }

    fn auth() -> BasicAuth {
        let mut users = BTreeMap::new();
        users.insert("alice".to_owned(), bcrypt::hash("s3cret:x", 4).unwrap());
        users.insert("bob".to_owned(), bcrypt::hash("hunter2", 4).unwrap());
        BasicAuth::new(&users).unwrap()
    }

    #[test]
    fn right_passwords_pass_and_wrong_ones_fail() {
        let a = auth();
        assert!(a.allows(Some(&header("alice", "s3cret:x"))));
        assert!(a.allows(Some(&header("bob", "hunter2"))));
        assert!(!a.allows(Some(&header("alice", "hunter2"))));
        assert!(!a.allows(Some(&header("carol", "hunter2"))));
        assert!(!a.allows(Some(&header("", ""))));
        assert!(!a.allows(None));
        assert!(!a.allows(Some("Bearer abc")));
        assert!(!a.allows(Some("Basic !!!notbase64")));
        assert!(!a.allows(Some(&format!("Basic {}", STANDARD.encode("nocolon")))));
        // Scheme case does not matter.
        assert!(a.allows(Some(&header("bob", "hunter2").replace("Basic", "bAsIc"))));
    }

    #[test]
    fn outcomes_are_cached_and_the_cache_is_bounded() {
        let a = auth();
        assert!(a.allows(Some(&header("bob", "hunter2"))));
        assert!(!a.allows(Some(&header("bob", "nope"))));
        assert_eq!(a.cached(), 2);
        // Cached answers are the same answers.
        assert!(a.allows(Some(&header("bob", "hunter2"))));
        assert!(!a.allows(Some(&header("bob", "nope"))));
        assert_eq!(a.cached(), 2);
        for i in 0..(CACHE_SIZE + 30) {
            assert!(!a.allows(Some(&header("bob", &format!("guess{i}")))));
        }
        assert!(a.cached() <= CACHE_SIZE);
        assert!(a.allows(Some(&header("bob", "hunter2"))));
    }

    #[test]
    fn no_users_means_no_authentication() {
        assert!(BasicAuth::new(&BTreeMap::new()).is_none());
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
