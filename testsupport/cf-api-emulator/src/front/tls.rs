//! The front's TLS identity, made at start: a CA of its own (whose PEM a
//! client trusts, as `NODE_EXTRA_CA_CERTS` makes Node.js trust it) and a
//! leaf it signs for 127.0.0.1 and localhost.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SanType, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// A TLS server configuration and the PEM of the CA behind its leaf.
pub struct Identity {
    /// What the TLS listener serves with (HTTP/1.1 only).
    pub server: Arc<rustls::ServerConfig>,
    /// The CA certificate, for clients to trust.
    pub ca_pem: String,
}

impl Identity {
    /// A new CA and leaf (ECDSA P-256); rcgen's default validity (1975 to
    /// 4096) outlives any run.
    pub fn generate() -> Result<Identity, Box<dyn std::error::Error>> {
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut ca = CertificateParams::default();
        ca.distinguished_name.push(DnType::CommonName, "cf-api-emulator registry front CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut leaf = CertificateParams::default();
        leaf.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        leaf.subject_alt_names =
            vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)), SanType::DnsName("localhost".try_into()?)];
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf.use_authority_key_identifier_extension = true;
        let leaf_cert = leaf.signed_by(&key, &issuer)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf_cert.der().clone(), ca_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Identity { server: Arc::new(server), ca_pem: ca_cert.pem() })
    }
}
