//! The egress settings of a class and what its outbound handlers are told:
//! plain data, read by the class's settings and by the egress control of
//! [`crate::egress`].

/// The static egress settings of a class (`allowed_hosts`, `denied_hosts`,
/// `intercept_https`, `outbound`, `outbound_by_host`).
#[derive(Debug, Clone, Copy)]
pub struct Egress {
    /// `allowed_hosts`, if set.
    pub allowed_hosts: Option<&'static [&'static str]>,
    /// `denied_hosts`, if set.
    pub denied_hosts: Option<&'static [&'static str]>,
    /// `intercept_https`: HTTPS is intercepted too (the container trusts
    /// the runtime's CA at `/etc/cloudflare/certs/cloudflare-containers-ca.crt`).
    pub intercept_https: bool,
    /// Whether `outbound` names a catch-all handler.
    pub catch_all: bool,
    /// The patterns of `outbound_by_host`, in order.
    pub by_host: &'static [&'static str],
}

impl Egress {
    /// No egress control: the container's traffic is the runtime's
    /// business (`enable_internet` alone).
    pub const NONE: Egress =
        Egress { allowed_hosts: None, denied_hosts: None, intercept_https: false, catch_all: false, by_host: &[] };

    /// Whether anything is intercepted.
    pub fn is_set(&self) -> bool {
        self.allowed_hosts.is_some() || self.denied_hosts.is_some() || self.catch_all || !self.by_host.is_empty()
    }

    /// Whether every outbound request is intercepted (else only the
    /// by-host ones, as the JS library's per-host mode).
    pub fn intercepts_all(&self) -> bool {
        self.allowed_hosts.is_some() || self.denied_hosts.is_some() || self.catch_all
    }
}

/// What an outbound handler is told besides the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// The id of the container's Durable Object.
    pub container_id: String,
    /// The container class.
    pub class_name: String,
    /// The host the container asked for (lowercase, no port).
    pub host: String,
}

/// One change of the lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostsChange {
    /// Adds a host to the allowed ones.
    Allow(String),
    /// Adds a host to the denied ones.
    Deny(String),
    /// Takes a host out of the allowed ones.
    RemoveAllowed(String),
    /// Takes a host out of the denied ones.
    RemoveDenied(String),
    /// Replaces the allowed hosts.
    SetAllowed(Vec<String>),
    /// Replaces the denied hosts.
    SetDenied(Vec<String>),
}

impl HostsChange {
    /// The hosts the change names.
    pub fn hosts(&self) -> Vec<&str> {
        match self {
            HostsChange::Allow(h)
            | HostsChange::Deny(h)
            | HostsChange::RemoveAllowed(h)
            | HostsChange::RemoveDenied(h) => {
                vec![h.as_str()]
            }
            HostsChange::SetAllowed(hosts) | HostsChange::SetDenied(hosts) => {
                hosts.iter().map(String::as_str).collect()
            }
        }
    }
}
