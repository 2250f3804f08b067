//! The Secrets Store as the container registries' credentials use it:
//! stores (listed, created) and their secrets (listed by `search`,
//! created in a list, deleted). A secret's value is taken and never
//! answered, listed or kept in a snapshot; only its length is kept.
//! Bodies are JSON whatever their Content-Type: the official CLI sends
//! them as text/plain, which the API takes.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::envelope::{fail, invalid, ok, Reply};
use crate::state::{State, Store, StoreSecret};

/// The scopes a secret may be given.
const SCOPES: &[&str] = &["workers", "ai_gateway", "containers", "dex", "access"];

fn store_not_found(id: &str) -> Reply {
    fail(404, 1001, format!("store not found: {id}"))
}

/// Letters, digits, `_` and `-`, as the API's names are.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn object_with(value: &Value, required: &[&str], optional: &[&str]) -> Result<Map<String, Value>, Reply> {
    let Some(object) = value.as_object() else { return Err(invalid("the body must be a JSON object")) };
    if let Some(key) = object.keys().find(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str())) {
        return Err(invalid(format!("Unexpected field '{key}'")));
    }
    match required.iter().find(|k| !object.contains_key(**k)) {
        Some(key) => Err(invalid(format!("`{key}` is required"))),
        None => Ok(object.clone()),
    }
}

/// `GET /secrets_store/stores`.
pub fn list_stores(state: &State, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page", "order", "direction"]) {
        return r;
    }
    ok(Value::Array(state.stores.iter().map(Store::json).collect()))
}

/// `POST /secrets_store/stores` with `{"name": ...}`.
pub fn create_store(state: &mut State, account_id: &str, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let body = object_with(&call.json_any_type()?, &["name"], &[])?;
        let name = body["name"]
            .as_str()
            .filter(|n| valid_name(n))
            .ok_or_else(|| invalid("`name` must be a non-empty string of letters, digits, underscores and dashes"))?;
        if state.stores.iter().any(|s| s.name == name) {
            return Err(fail(409, 1002, format!("a store named {name} exists already")));
        }
        let store =
            Store { id: state.id(), account_id: account_id.to_string(), name: name.to_string(), created: state.now() };
        let json = store.json();
        state.stores.push(store);
        Ok(ok(json))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `GET /secrets_store/stores/{id}/secrets` (`?search=` keeps the names
/// that contain it).
pub fn list_secrets(state: &State, store: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["search", "page", "per_page", "order", "direction", "scopes"]) {
        return r;
    }
    if !state.stores.iter().any(|s| s.id == store) {
        return store_not_found(store);
    }
    let search = call.query.iter().find(|(k, _)| k == "search").map(|(_, v)| v.to_lowercase());
    let listed = state
        .store_secrets
        .iter()
        .filter(|s| s.store_id == store && search.as_deref().is_none_or(|q| s.name.to_lowercase().contains(q)))
        .map(StoreSecret::json)
        .collect();
    ok(Value::Array(listed))
}

/// `POST /secrets_store/stores/{id}/secrets` with a list of
/// `{name, value, scopes, comment?}`; answers them without their values.
pub fn create_secrets(state: &mut State, store: &str, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let Value::Array(items) = call.json_any_type()? else {
            return Err(invalid("the body must be a JSON array of secrets"));
        };
        if items.is_empty() {
            return Err(invalid("the body must list at least one secret"));
        }
        if !state.stores.iter().any(|s| s.id == store) {
            return Err(store_not_found(store));
        }
        let mut created = Vec::new();
        for item in &items {
            let secret = object_with(item, &["name", "value", "scopes"], &["comment"])?;
            let name = secret["name"].as_str().filter(|n| valid_name(n)).ok_or_else(|| {
                invalid("`name` must be a non-empty string of letters, digits, underscores and dashes")
            })?;
            let value = secret["value"].as_str().filter(|v| !v.is_empty());
            let value = value.ok_or_else(|| invalid("`value` must be a non-empty string"))?;
            let scopes: Vec<String> = secret["scopes"]
                .as_array()
                .filter(|s| !s.is_empty())
                .and_then(|s| s.iter().map(|x| x.as_str().filter(|x| SCOPES.contains(x)).map(str::to_string)).collect())
                .ok_or_else(|| invalid(format!("`scopes` must list some of {}", SCOPES.join(", "))))?;
            let comment = match secret.get("comment") {
                None => String::new(),
                Some(Value::String(c)) => c.clone(),
                Some(_) => return Err(invalid("`comment` must be a string")),
            };
            let taken = state.store_secrets.iter().any(|s| s.store_id == store && s.name == name)
                || created.iter().any(|s: &StoreSecret| s.name == name);
            if taken {
                return Err(fail(409, 1003, format!("a secret named {name} exists already in store {store}")));
            }
            let now = state.now();
            created.push(StoreSecret {
                id: state.id(),
                store_id: store.to_string(),
                name: name.to_string(),
                value_length: value.len(),
                scopes,
                comment,
                created: now,
            });
        }
        let json: Vec<Value> = created.iter().map(StoreSecret::json).collect();
        state.store_secrets.extend(created);
        Ok(ok(Value::Array(json)))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `DELETE /secrets_store/stores/{store}/secrets/{id}`.
pub fn delete_secret(state: &mut State, store: &str, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    if !state.stores.iter().any(|s| s.id == store) {
        return store_not_found(store);
    }
    match state.store_secrets.iter().position(|s| s.store_id == store && s.id == id) {
        Some(at) => ok(state.store_secrets.remove(at).json()),
        None => fail(404, 1004, format!("secret not found: {id}")),
    }
}

impl Store {
    /// As the API answers it.
    pub fn json(&self) -> Value {
        json!({ "id": self.id, "account_id": self.account_id, "name": self.name, "created": self.created, "modified": self.created })
    }
}

impl StoreSecret {
    /// As the API answers it: never with its value.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id, "store_id": self.store_id, "name": self.name, "comment": self.comment,
            "scopes": self.scopes, "created": self.created, "modified": self.created, "status": "active",
        })
    }
}
