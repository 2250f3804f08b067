//! The Google service account key of an Artifact Registry: checked as the
//! official CLI 4.164 checks it (containers-shared
//! `validateAndEncodeGarKey`) and stored base64-encoded.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

/// Why a key is refused; each displays as the official CLI's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GarKeyError {
    /// A PEM private key instead of the JSON key file.
    #[error("the key is a PEM private key, not the whole Google service-account JSON key file")]
    Pem,
    /// Neither JSON nor base64 of a JSON object.
    #[error("the Google service account key must be a JSON key file or its base64-encoded form")]
    NotJson,
    /// `private_key` or `client_email` missing (or no string).
    #[error("the Google service account key is missing required fields (private_key, client_email)")]
    MissingFields,
    /// `private_key` or `client_email` empty.
    #[error("the Google service account key has an empty private_key or client_email")]
    EmptyFields,
    /// `private_key_id` present but empty or no string.
    #[error("the Google service account key has an empty or invalid private_key_id")]
    BadKeyId,
    /// The key is another account's than `--gar-email` names.
    #[error("--gar-email `{given}` does not match the service account email `{in_key}` in the key")]
    EmailMismatch { given: String, in_key: String },
}

/// The fields of a key the check reads; others are kept as they are.
#[derive(Deserialize)]
struct KeyFields {
    #[serde(default)]
    private_key: Option<Value>,
    #[serde(default)]
    client_email: Option<Value>,
    #[serde(default)]
    private_key_id: Option<Value>,
}

/// `raw` (the JSON key file, or its base64 form) checked against the
/// account `email` and encoded as base64, the form the registry stores.
pub fn encode(raw: &str, email: &str) -> Result<String, GarKeyError> {
    let trimmed = raw.trim();
    let (encoded, json) = match serde_json::from_str::<Value>(trimmed) {
        Ok(json) => (STANDARD.encode(trimmed), json),
        Err(_) if trimmed.starts_with("-----BEGIN") => return Err(GarKeyError::Pem),
        Err(_) => {
            let compact: String = trimmed.split_whitespace().collect();
            let decoded = STANDARD.decode(&compact).map_err(|_| GarKeyError::NotJson)?;
            let json = serde_json::from_slice::<Value>(&decoded).map_err(|_| GarKeyError::NotJson)?;
            (compact, json)
        }
    };
    if !json.is_object() {
        return Err(GarKeyError::NotJson);
    }
    let fields: KeyFields = serde_json::from_value(json).map_err(|_| GarKeyError::NotJson)?;
    let (Some(Value::String(private_key)), Some(Value::String(client_email))) =
        (fields.private_key, fields.client_email)
    else {
        return Err(GarKeyError::MissingFields);
    };
    if private_key.is_empty() || client_email.is_empty() {
        return Err(GarKeyError::EmptyFields);
    }
    match fields.private_key_id {
        None => {}
        Some(Value::String(id)) if !id.is_empty() => {}
        Some(_) => return Err(GarKeyError::BadKeyId),
    }
    if client_email != email {
        return Err(GarKeyError::EmailMismatch { given: email.to_string(), in_key: client_email });
    }
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "puller@project.iam.gserviceaccount.com";

    fn key(extra: &str) -> String {
        format!(
            r#"{{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n","client_email":"{EMAIL}"{extra}}}"#
        )
    }

    #[test]
    fn a_json_key_is_stored_as_the_base64_of_its_text() {
        let json = key(r#","private_key_id":"k1""#);
        let encoded = encode(&format!("  {json}\n"), EMAIL).unwrap();
        assert_eq!(STANDARD.decode(&encoded).unwrap(), json.as_bytes());
    }

    #[test]
    fn a_base64_key_is_kept_as_given_without_its_line_breaks() {
        let b64 = STANDARD.encode(key(""));
        let wrapped = format!("{}\n{}\n", &b64[..20], &b64[20..]);
        assert_eq!(encode(&wrapped, EMAIL), Ok(b64));
    }

    #[test]
    fn a_bad_key_is_refused_with_the_reason() {
        assert_eq!(encode("-----BEGIN PRIVATE KEY-----\nabc", EMAIL), Err(GarKeyError::Pem));
        assert_eq!(encode("not a key", EMAIL), Err(GarKeyError::NotJson));
        assert_eq!(encode("[1,2]", EMAIL), Err(GarKeyError::NotJson));
        assert_eq!(encode(r#"{"client_email":"a@b"}"#, EMAIL), Err(GarKeyError::MissingFields));
        assert_eq!(encode(r#"{"private_key":"","client_email":"a@b"}"#, EMAIL), Err(GarKeyError::EmptyFields));
        assert_eq!(encode(&key(r#","private_key_id":"""#), EMAIL), Err(GarKeyError::BadKeyId));
        assert_eq!(encode(&key(r#","private_key_id":7"#), EMAIL), Err(GarKeyError::BadKeyId));
        assert_eq!(
            encode(&key(""), "other@project.iam.gserviceaccount.com"),
            Err(GarKeyError::EmailMismatch {
                given: "other@project.iam.gserviceaccount.com".into(),
                in_key: EMAIL.into()
            })
        );
    }
}
