//! Which kind of registry a domain is, by the host patterns the official
//! CLI 4.164 accepts (containers-shared `getAndValidateRegistryType`):
//! Amazon ECR, Docker Hub and Google Artifact Registry; Cloudflare's own
//! registry needs no configuration.

use crate::api::RegistryKind;

/// What a domain given to `registries configure` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKind {
    /// A registry of another provider, configurable with credentials.
    External(RegistryKind),
    /// Cloudflare's registry, which deploys use without configuration.
    Cloudflare,
}

/// Why a domain is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// `https://...`: a URL instead of a host.
    HasScheme,
    /// Not a host at all (the URL parser's reason).
    Invalid(String),
    /// A host of no supported provider (lowercased, without its port).
    Unsupported(String),
}

/// Its name in messages, as the official CLI writes it.
pub fn display_name(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Ecr => "AWS ECR",
        RegistryKind::DockerHub => "DockerHub",
        RegistryKind::Gar => "Google Artifact Registry",
    }
}

/// What its private credential is (also the default secret name, with
/// spaces as `_`).
pub fn secret_type(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Ecr => "AWS Secret Access Key",
        RegistryKind::DockerHub => "DockerHub PAT Token",
        RegistryKind::Gar => "Google Service Account JSON Key",
    }
}

/// The flag that gives its public credential.
pub fn public_flag(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Ecr => "--aws-access-key-id",
        RegistryKind::DockerHub => "--dockerhub-username",
        RegistryKind::Gar => "--gar-email",
    }
}

/// Every kind, in the order the official CLI lists them.
pub const KINDS: [RegistryKind; 3] = [RegistryKind::Ecr, RegistryKind::DockerHub, RegistryKind::Gar];

/// The kind of `domain` (a host with an optional port, no scheme), with
/// `cloudflare_registry` the host of Cloudflare's own.
pub fn classify(domain: &str, cloudflare_registry: &str) -> Result<DomainKind, DomainError> {
    if domain.contains("://") {
        return Err(DomainError::HasScheme);
    }
    // The official CLI reads the host as `new URL("http://" + domain)`
    // does (lowercased, port removed); the url crate follows the same
    // WHATWG standard.
    let url = url::Url::parse(&format!("http://{domain}")).map_err(|e| DomainError::Invalid(e.to_string()))?;
    let host = url.host_str().unwrap_or_default().to_string();
    if host == cloudflare_registry.to_ascii_lowercase() {
        return Ok(DomainKind::Cloudflare);
    }
    match KINDS.into_iter().find(|kind| matches(*kind, &host)) {
        Some(kind) => Ok(DomainKind::External(kind)),
        None => Err(DomainError::Unsupported(host)),
    }
}

/// True if `host` is one of `kind`'s.
fn matches(kind: RegistryKind, host: &str) -> bool {
    match kind {
        // `^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$`
        RegistryKind::Ecr => host
            .strip_suffix(".amazonaws.com")
            .and_then(|rest| rest.split_once(".dkr.ecr."))
            .is_some_and(|(account, region)| {
                account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && !region.is_empty()
                    && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            }),
        // `^docker\.io$`
        RegistryKind::DockerHub => host == "docker.io",
        // `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-docker\.pkg\.dev$`
        RegistryKind::Gar => host.strip_suffix("-docker.pkg.dev").is_some_and(|location| {
            !location.is_empty()
                && !location.starts_with('-')
                && !location.ends_with('-')
                && location.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CF: &str = "registry.cloudflare.com";

    #[test]
    fn ecr_docker_hub_and_artifact_registry_hosts_are_told_apart() {
        let kind = |d: &str| classify(d, CF);
        assert_eq!(kind("123456789012.dkr.ecr.us-east-1.amazonaws.com"), Ok(DomainKind::External(RegistryKind::Ecr)));
        assert_eq!(kind("docker.io"), Ok(DomainKind::External(RegistryKind::DockerHub)));
        assert_eq!(kind("europe-west1-docker.pkg.dev"), Ok(DomainKind::External(RegistryKind::Gar)));
        // Read as a URL reads a host: any case, a port left out.
        assert_eq!(kind("Docker.IO:443"), Ok(DomainKind::External(RegistryKind::DockerHub)));
        assert_eq!(kind("registry.cloudflare.com"), Ok(DomainKind::Cloudflare));
    }

    #[test]
    fn hosts_that_only_look_like_a_supported_registry_are_refused() {
        for host in [
            "12345678901.dkr.ecr.us-east-1.amazonaws.com",
            "1234567890123.dkr.ecr.us-east-1.amazonaws.com",
            "12345678901a.dkr.ecr.us-east-1.amazonaws.com",
            "123456789012.dkr.ecr..amazonaws.com",
            "123456789012.dkr.ecr.us_east.amazonaws.com",
            "registry-1.docker.io",
            "docker.io.example.com",
            "-docker.pkg.dev",
            "-us-docker.pkg.dev",
            "us--docker.pkg.dev",
            "us.central-docker.pkg.dev",
            "ghcr.io",
        ] {
            assert_eq!(classify(host, CF), Err(DomainError::Unsupported(host.to_ascii_lowercase())), "{host}");
        }
    }

    #[test]
    fn a_url_or_a_broken_host_is_refused_for_what_it_is() {
        assert_eq!(classify("https://docker.io", CF), Err(DomainError::HasScheme));
        assert!(matches!(classify("docker.io:99999", CF), Err(DomainError::Invalid(_))));
        assert!(matches!(classify("", CF), Err(DomainError::Invalid(_))));
    }
}
