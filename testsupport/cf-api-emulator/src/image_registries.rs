//! The registries of other providers an account's containers pull from:
//! `POST`/`GET /containers/registries`, `DELETE
//! /containers/registries/{domain}`. As strict as the rest: the kind must
//! be the domain's (the hosts the official CLI 4.164 accepts), a private
//! registry needs both credentials, a Secrets Store reference must name a
//! secret of scope `containers`, a domain is configured once (409). A
//! private credential given inline is kept but never answered.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::envelope::{container_fail, ok, Reply};
use crate::state::{ImageRegistry, PrivateCredential, State};

fn validate(details: Value) -> Reply {
    container_fail(400, "VALIDATE_INPUT", details)
}

/// The kind of registry `host` is, by the official CLI's patterns.
fn kind_of(host: &str) -> Option<&'static str> {
    let lower_digit_dash =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if host == "docker.io" {
        return Some("DockerHub");
    }
    if let Some((account, region)) = host.strip_suffix(".amazonaws.com").and_then(|r| r.split_once(".dkr.ecr.")) {
        if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && lower_digit_dash(region) {
            return Some("ECR");
        }
    }
    match host.strip_suffix("-docker.pkg.dev") {
        Some(l) if lower_digit_dash(l) && !l.starts_with('-') && !l.ends_with('-') => Some("GAR"),
        _ => None,
    }
}

fn only_keys(body: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), Reply> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(validate(json!({ format!("{at}{key}"): "unknown field" }))),
        None => Ok(()),
    }
}

fn string(body: &Map<String, Value>, key: &str, at: &str) -> Result<String, Reply> {
    match body.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(validate(json!({ format!("{at}{key}"): "required: a non-empty string" }))),
    }
}

/// `POST /containers/registries`.
pub fn create(state: &mut State, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        if call.content_type.as_deref().map(|c| c.starts_with("application/json")) != Some(true) {
            return Err(validate(json!({ "body": "Content-Type must be application/json" })));
        }
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&call.body) else {
            return Err(validate(json!({ "body": "must be a JSON object" })));
        };
        only_keys(&body, &["domain", "is_public", "auth", "kind"], "")?;
        let domain = string(&body, "domain", "")?;
        let Some(kind) = kind_of(&domain) else {
            return Err(container_fail(403, "IMAGE_REGISTRY_NOT_ALLOWED", json!({ "domain": domain })));
        };
        match body.get("kind") {
            None => {}
            Some(Value::String(given)) if given == kind => {}
            Some(given) => {
                return Err(validate(json!({ "kind": format!("{given} is not the kind of {domain} ({kind})") })))
            }
        }
        let is_public = match body.get("is_public") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(validate(json!({ "is_public": "must be a boolean" }))),
        };
        let auth = match (is_public, body.get("auth")) {
            (true, None) => None,
            (true, Some(_)) => return Err(validate(json!({ "auth": "a public registry takes no credentials" }))),
            (false, Some(Value::Object(auth))) => Some(credentials(state, auth)?),
            (false, _) => return Err(validate(json!({ "auth": "required for a private registry" }))),
        };
        if state.image_registries.iter().any(|r| r.domain == domain) {
            return Err(container_fail(409, "IMAGE_REGISTRY_ALREADY_EXISTS", json!({ "domain": domain })));
        }
        let registry = ImageRegistry { domain, kind, auth, created_at: state.now() };
        let json = registry.json();
        state.image_registries.push(registry);
        Ok(ok(json))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `auth`: the public credential and the private one, inline or as a
/// reference to a secret of scope `containers`.
fn credentials(state: &State, auth: &Map<String, Value>) -> Result<(String, PrivateCredential), Reply> {
    only_keys(auth, &["public_credential", "private_credential"], "auth.")?;
    let public = string(auth, "public_credential", "auth.")?;
    let private = match auth.get("private_credential") {
        Some(Value::String(inline)) if !inline.is_empty() => PrivateCredential::Inline { length: inline.len() },
        Some(Value::Object(reference)) => {
            only_keys(reference, &["store_id", "secret_name"], "auth.private_credential.")?;
            let store_id = string(reference, "store_id", "auth.private_credential.")?;
            let secret_name = string(reference, "secret_name", "auth.private_credential.")?;
            let secret = state.store_secrets.iter().find(|s| s.store_id == store_id && s.name == secret_name);
            match secret {
                None => {
                    return Err(validate(json!({
                        "auth.private_credential": format!("no secret {secret_name} in Secrets Store {store_id}")
                    })))
                }
                Some(s) if !s.scopes.iter().any(|x| x == "containers") => {
                    return Err(validate(json!({
                        "auth.private_credential": format!("secret {secret_name} lacks the scope containers")
                    })))
                }
                Some(_) => PrivateCredential::SecretsStore { store_id, secret_name },
            }
        }
        _ => {
            return Err(validate(json!({ "auth.private_credential": "required: a string or {store_id, secret_name}" })))
        }
    };
    Ok((public, private))
}

/// `GET /containers/registries`.
pub fn list(state: &State, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(Value::Array(state.image_registries.iter().map(ImageRegistry::json).collect()))
}

/// `DELETE /containers/registries/{domain}`: the answer names the secret
/// the registry leaves in the Secrets Store, as `<store id>:<name>`.
pub fn delete(state: &mut State, domain: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let Some(at) = state.image_registries.iter().position(|r| r.domain == domain) else {
        return container_fail(404, "IMAGE_REGISTRY_NOT_FOUND", json!({ "domain": domain }));
    };
    let registry = state.image_registries.remove(at);
    let mut answer = json!({ "domain": registry.domain });
    if let Some((_, PrivateCredential::SecretsStore { store_id, secret_name })) = &registry.auth {
        answer["secrets_store_ref"] = json!(format!("{store_id}:{secret_name}"));
    }
    ok(answer)
}

impl ImageRegistry {
    /// As the API lists it: never an inline private credential.
    pub fn json(&self) -> Value {
        let mut json = json!({ "domain": self.domain, "kind": self.kind, "created_at": self.created_at });
        if let Some((_, PrivateCredential::SecretsStore { store_id, secret_name })) = &self.auth {
            json["private_credential"] = json!({ "store_id": store_id, "secret_name": secret_name });
        }
        json
    }
}

#[cfg(test)]
mod tests {
    use super::kind_of;

    #[test]
    fn a_domain_is_of_the_kind_the_official_cli_gives_it() {
        assert_eq!(kind_of("docker.io"), Some("DockerHub"));
        assert_eq!(kind_of("123456789012.dkr.ecr.us-east-1.amazonaws.com"), Some("ECR"));
        assert_eq!(kind_of("europe-west1-docker.pkg.dev"), Some("GAR"));
        for other in ["ghcr.io", "1234.dkr.ecr.us-east-1.amazonaws.com", "-docker.pkg.dev", "registry.cloudflare.com"] {
            assert_eq!(kind_of(other), None, "{other}");
        }
    }
}
