//! The real registry the emulated account's credentials open.

/// A registry on 127.0.0.1 with htpasswd auth.
#[derive(Debug, Clone)]
pub struct Registry {
    /// `host:port`, as it appears in image references.
    pub host: String,
    /// The htpasswd user the credentials endpoint hands out.
    pub username: String,
    /// Its password.
    pub password: String,
}

/// Every manifest type a registry may store, for `Accept`.
pub(crate) const MANIFEST_TYPES: &str = "application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.index.v1+json";

impl Registry {
    /// True if the registry serves a manifest for `repository` at
    /// `reference` (a tag or `sha256:...` digest).
    pub fn has_manifest(&self, repository: &str, reference: &str) -> Result<bool, String> {
        let url = format!("http://{}/v2/{repository}/manifests/{reference}", self.host);
        let auth = format!("Basic {}", base64(&format!("{}:{}", self.username, self.password)));
        match ureq::head(&url).set("Authorization", &auth).set("Accept", MANIFEST_TYPES).call() {
            Ok(_) => Ok(true),
            Err(ureq::Error::Status(404, _)) => Ok(false),
            Err(e) => Err(format!("registry check of {repository}:{reference} failed: {e}")),
        }
    }
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64("cfc-test:pw"), "Y2ZjLXRlc3Q6cHc=");
        assert_eq!(super::base64("ab"), "YWI=");
        assert_eq!(super::base64("abc"), "YWJj");
    }
}
