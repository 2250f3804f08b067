//! The sidecar's own certificate authority, made at start: `GET /ca` hands
//! its certificate to workerd (which puts it into the app), and TLS that
//! workerd intercepts is terminated with a leaf it signs for the name the
//! app asked for. The key never leaves the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::crypto::ring::sign::any_ecdsa_type;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use time::{Duration, OffsetDateTime};

/// A leaf is valid this long.
const LEAF_VALIDITY: Duration = Duration::hours(24);
/// A cached leaf is minted again after this (half its validity).
const LEAF_REFRESH: StdDuration = StdDuration::from_secs(12 * 3600);
/// The CA outlives any sidecar run (workerd keeps sidecars warm).
const CA_VALIDITY: Duration = Duration::days(365);
/// Certificates start an hour early, for clocks a little behind.
const BACKDATE: Duration = Duration::hours(1);
/// More cached leaves than this and the cache starts over.
const MAX_LEAVES: usize = 512;

/// The CA and its cache of leaves.
pub struct Ca {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    leaves: Mutex<HashMap<String, (Arc<CertifiedKey>, Instant)>>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ca")
    }
}

impl Ca {
    /// A new CA with an ECDSA P-256 key.
    pub fn generate() -> Result<Ca, rcgen::Error> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, "cfcontainer sidecar egress interception CA");
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - BACKDATE;
        params.not_after = now + CA_VALIDITY;
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            pem: cert.pem(),
            der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate in PEM, as `GET /ca` serves it.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A TLS server configuration that presents a leaf for whatever name
    /// the client asks for. No ALPN: workerd speaks HTTP/1.1 in the tunnel,
    /// so the app must too.
    pub fn server_config(self: &Arc<Ca>) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(LeafResolver(self.clone())));
        Arc::new(config)
    }

    /// The leaf for `name` (lowercase), from the cache or minted now.
    fn leaf(&self, name: &str) -> Result<Arc<CertifiedKey>, String> {
        let mut leaves = self.leaves.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((leaf, minted)) = leaves.get(name) {
            if minted.elapsed() < LEAF_REFRESH {
                return Ok(leaf.clone());
            }
        }
        let leaf = Arc::new(self.mint(name).map_err(|e| format!("minting a certificate for {name}: {e}"))?);
        if leaves.len() >= MAX_LEAVES {
            leaves.clear();
        }
        leaves.insert(name.to_string(), (leaf.clone(), Instant::now()));
        Ok(leaf)
    }

    fn mint(&self, name: &str) -> Result<CertifiedKey, Box<dyn std::error::Error>> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec![name.to_string()])?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let now = OffsetDateTime::now_utc();
        params.not_before = now - BACKDATE;
        params.not_after = now + LEAF_VALIDITY;
        let cert = params.signed_by(&key, &self.issuer)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing = any_ecdsa_type(&key_der)?;
        Ok(CertifiedKey::new(vec![cert.der().clone(), self.der.clone()], signing))
    }
}

/// Picks the leaf by the ClientHello's server name.
#[derive(Debug)]
struct LeafResolver(Arc<Ca>);

impl ResolvesServerCert for LeafResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = hello.server_name()?.to_ascii_lowercase();
        match self.0.leaf(&name) {
            Ok(leaf) => Some(leaf),
            Err(e) => {
                log!("tls: {e}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;

    /// Runs a TLS handshake in memory between a client that trusts only
    /// `trusted` (and offers h2 and http/1.1) and a server with `ca`'s
    /// configuration; returns the client.
    fn handshake(ca: &Arc<Ca>, trusted: &Ca, name: &str) -> Result<rustls::ClientConnection, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(trusted.der.clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut client_config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        client_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let mut client =
            rustls::ClientConnection::new(Arc::new(client_config), ServerName::try_from(name.to_string()).unwrap())?;
        let mut server = rustls::ServerConnection::new(ca.server_config())?;
        while client.is_handshaking() || server.is_handshaking() {
            let mut wire = Vec::new();
            client.write_tls(&mut wire).unwrap();
            server.read_tls(&mut &wire[..]).unwrap();
            server.process_new_packets()?;
            let mut wire = Vec::new();
            server.write_tls(&mut wire).unwrap();
            client.read_tls(&mut &wire[..]).unwrap();
            client.process_new_packets()?;
        }
        Ok(client)
    }

    #[test]
    fn a_client_trusting_the_ca_accepts_the_leaf_for_the_name_it_asked_for() {
        let ca = Arc::new(Ca::generate().unwrap());
        let client = handshake(&ca, &ca, "API.example.com").expect("handshake");
        assert_eq!(client.alpn_protocol(), None, "no ALPN, so the app stays on HTTP/1.1");
        assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn a_client_trusting_another_ca_refuses_the_leaf() {
        let ca = Arc::new(Ca::generate().unwrap());
        let other = Ca::generate().unwrap();
        assert!(handshake(&ca, &other, "a.example").is_err());
    }

    #[test]
    fn a_leaf_is_minted_once_per_name_and_reused() {
        let ca = Ca::generate().unwrap();
        let a = ca.leaf("a.example").unwrap();
        let again = ca.leaf("a.example").unwrap();
        let b = ca.leaf("b.example").unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &b));
        assert_eq!(a.cert.len(), 2, "the chain is the leaf and the CA");
    }
}
