//! The registry passwords the credentials endpoint hands out for the
//! front's hosts, with what each allows and until when.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

/// What one handed-out password opens.
#[derive(Debug, Clone)]
pub struct Grant {
    /// `pull` was asked for: it reads (GET, HEAD).
    pub pull: bool,
    /// `push` was asked for: it writes (PUT, PATCH, POST, DELETE).
    pub push: bool,
    /// When it stops working (`expiration_minutes` after it was handed out).
    pub expires: Instant,
}

/// Why a request's credentials do not open the front.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No Basic credentials, or a password never handed out, or expired.
    Unauthorized,
    /// A password handed out without the permission the method needs.
    Denied,
}

/// The passwords handed out so far.
#[derive(Default)]
pub struct Grants {
    by_password: HashMap<String, Grant>,
}

impl Grants {
    /// A new password for `permissions` (`pull`, `push`), good for `minutes`.
    pub fn hand_out(&mut self, permissions: &[&str], minutes: u64) -> String {
        let seed = format!("{}-{:?}", self.by_password.len(), SystemTime::now());
        let password = format!("cfemu-{}", &blake3::hash(seed.as_bytes()).to_hex()[..32]);
        let grant = Grant {
            pull: permissions.contains(&"pull"),
            push: permissions.contains(&"push"),
            expires: Instant::now() + Duration::from_secs(minutes * 60),
        };
        self.by_password.insert(password.clone(), grant);
        password
    }

    /// Whether `password` may make a request that `writes` (or reads).
    pub fn check(&self, password: &str, writes: bool) -> Result<(), Refusal> {
        let grant = self.by_password.get(password).filter(|g| g.expires > Instant::now());
        match grant {
            None => Err(Refusal::Unauthorized),
            Some(g) if (writes && g.push) || (!writes && g.pull) => Ok(()),
            Some(_) => Err(Refusal::Denied),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Grants, Refusal};

    #[test]
    fn a_password_opens_what_it_was_handed_out_for_and_nothing_else() {
        let mut grants = Grants::default();
        let pull = grants.hand_out(&["pull"], 5);
        let both = grants.hand_out(&["pull", "push"], 5);
        assert_ne!(pull, both);
        assert_eq!(grants.check(&pull, false), Ok(()));
        assert_eq!(grants.check(&pull, true), Err(Refusal::Denied));
        assert_eq!(grants.check(&both, true), Ok(()));
        assert_eq!(grants.check("cfc-test-password", false), Err(Refusal::Unauthorized));
        let expired = grants.hand_out(&["pull", "push"], 0);
        assert_eq!(grants.check(&expired, false), Err(Refusal::Unauthorized));
    }
}
