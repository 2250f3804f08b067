//! What a static binary needs around it, and nothing more (as distroless's
//! `static` image holds): CA certificates, a non-root user, and a `/tmp`.
//! The certificates are Mozilla's, from the `webpki-root-certs` crate this
//! tool is built with, not the host's `/etc/ssl`: the same bytes on every
//! machine, so the layer's digest is the same too.

use base64::Engine;

use super::layer::LayerFiles;

/// Where the CA bundle goes (Debian's path, which OpenSSL, rustls'
/// native-roots and Go look at), named by `SSL_CERT_FILE` too.
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The user the container runs as, distroless's `nonroot`.
pub const USER_ID: u32 = 65532;

/// The user's name in `/etc/passwd`.
pub const USER_NAME: &str = "nonroot";

/// The files of the base layer.
pub fn base_files() -> LayerFiles {
    let mut files = LayerFiles::new();
    files.file(CA_BUNDLE, ca_bundle().into_bytes(), 0o644);
    let passwd = format!(
        "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n{USER_NAME}:x:{USER_ID}:{USER_ID}:{USER_NAME}:/home/{USER_NAME}:/sbin/nologin\n"
    );
    files.file("/etc/passwd", passwd.into_bytes(), 0o644);
    let group = format!("root:x:0:\nnobody:x:65534:\n{USER_NAME}:x:{USER_ID}:\n");
    files.file("/etc/group", group.into_bytes(), 0o644);
    files.directory(&format!("/home/{USER_NAME}"), 0o700, USER_ID);
    files.directory("/root", 0o700, 0);
    files.directory("/tmp", 0o1777, 0);
    files
}

/// Every root certificate as PEM, in the crate's order.
fn ca_bundle() -> String {
    let mut pem = String::new();
    for cert in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
        let encoded = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in encoded.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
    }
    pem
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_layer_holds_the_certificates_a_non_root_user_and_tmp() {
        let layer = base_files().into_layer(1);
        let mut archive = tar::Archive::new(layer.tar.as_slice());
        let mut seen = std::collections::BTreeMap::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut entry, &mut text);
            seen.insert(path, (entry.header().mode().unwrap(), text));
        }
        let bundle = &seen["etc/ssl/certs/ca-certificates.crt"].1;
        assert_eq!(
            bundle.matches("-----BEGIN CERTIFICATE-----").count(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        );
        assert!(webpki_root_certs::TLS_SERVER_ROOT_CERTS.len() > 100, "Mozilla's roots");
        assert!(seen["etc/passwd"].1.contains("nonroot:x:65532:65532:"));
        assert!(seen["etc/group"].1.contains("nonroot:x:65532:"));
        assert_eq!(seen["tmp/"].0, 0o1777);
        assert_eq!(seen["home/nonroot/"].0, 0o700);
    }
}
