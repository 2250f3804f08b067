//! Egress changes made at run time ([`Control::allow_host`] and the rest),
//! kept in the object's storage as the JS library keeps them, so that the
//! next start (after an eviction too) registers them again.
//!
//! [`Control::allow_host`]: crate::Control::allow_host

use serde::{Deserialize, Serialize};
use worker::Storage;

use crate::outbound::{Egress, HostsChange};

/// The storage key of the changes.
const KEY: &str = "cfcontainer:egress";

/// The lists that replace the attribute's, once changed at run time (the
/// JS library's overrides: a later deploy's lists do not replace them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overrides {
    /// The allowed hosts, if changed.
    pub allowed_hosts: Option<Vec<String>>,
    /// The denied hosts, if changed.
    pub denied_hosts: Option<Vec<String>>,
}

impl Overrides {
    /// The changes kept in `storage` (none when nothing was changed).
    pub async fn load(storage: &Storage) -> Overrides {
        storage.get::<Overrides>(KEY).await.ok().flatten().unwrap_or_default()
    }

    /// Keeps these changes in `storage`.
    pub async fn save(&self, storage: &Storage) -> worker::Result<()> {
        storage.put(KEY, self).await
    }

    /// The allowed hosts in effect: the changed list, else the attribute's.
    pub fn allowed(&self, egress: &Egress) -> Option<Vec<String>> {
        self.allowed_hosts.clone().or_else(|| owned(egress.allowed_hosts))
    }

    /// The denied hosts in effect.
    pub fn denied(&self, egress: &Egress) -> Option<Vec<String>> {
        self.denied_hosts.clone().or_else(|| owned(egress.denied_hosts))
    }

    /// Applies `change` over `egress`'s lists, as the JS library's
    /// `allowHost`, `denyHost`, `removeAllowedHost`, `removeDeniedHost`,
    /// `setAllowedHosts` and `setDeniedHosts` do.
    pub fn apply(&mut self, change: HostsChange, egress: &Egress) {
        match change {
            HostsChange::Allow(host) => {
                let mut list = self.allowed(egress).unwrap_or_default();
                if !list.contains(&host) {
                    list.push(host);
                    self.allowed_hosts = Some(list);
                }
            }
            HostsChange::Deny(host) => {
                let mut list = self.denied(egress).unwrap_or_default();
                if !list.contains(&host) {
                    list.push(host);
                    self.denied_hosts = Some(list);
                }
            }
            HostsChange::RemoveAllowed(host) => {
                self.allowed_hosts =
                    Some(self.allowed(egress).unwrap_or_default().into_iter().filter(|h| *h != host).collect())
            }
            HostsChange::RemoveDenied(host) => {
                self.denied_hosts =
                    Some(self.denied(egress).unwrap_or_default().into_iter().filter(|h| *h != host).collect())
            }
            HostsChange::SetAllowed(hosts) => self.allowed_hosts = Some(hosts),
            HostsChange::SetDenied(hosts) => self.denied_hosts = Some(hosts),
        }
    }

    /// Whether anything was changed.
    pub fn any(&self) -> bool {
        self.allowed_hosts.is_some() || self.denied_hosts.is_some()
    }
}

fn owned(list: Option<&[&str]>) -> Option<Vec<String>> {
    list.map(|l| l.iter().map(|h| h.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EGRESS: Egress = Egress {
        allowed_hosts: Some(&["a.com", "b.com"]),
        denied_hosts: None,
        intercept_https: false,
        catch_all: true,
        by_host: &[],
    };

    #[test]
    fn changes_start_from_the_attributes_lists_and_then_replace_them() {
        let mut o = Overrides::default();
        o.apply(HostsChange::Allow("a.com".into()), &EGRESS);
        assert_eq!(o, Overrides::default(), "a host already allowed changes nothing");
        o.apply(HostsChange::Allow("c.com".into()), &EGRESS);
        assert_eq!(o.allowed(&EGRESS), Some(vec!["a.com".into(), "b.com".into(), "c.com".into()]));
        o.apply(HostsChange::RemoveAllowed("a.com".into()), &EGRESS);
        assert_eq!(o.allowed(&EGRESS), Some(vec!["b.com".into(), "c.com".into()]));
        o.apply(HostsChange::Deny("b.com".into()), &EGRESS);
        assert_eq!(o.denied(&EGRESS), Some(vec!["b.com".into()]));
        o.apply(HostsChange::RemoveDenied("b.com".into()), &EGRESS);
        assert_eq!(o.denied(&EGRESS), Some(vec![]), "an emptied list stays a list");
        o.apply(HostsChange::SetAllowed(vec![]), &EGRESS);
        assert_eq!(o.allowed(&EGRESS), Some(vec![]), "an empty allowed list refuses every host");
    }
}
