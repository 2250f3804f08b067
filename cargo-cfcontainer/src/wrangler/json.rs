//! Merging into `wrangler.json` / `wrangler.jsonc` through a concrete
//! syntax tree (jsonc-parser's CST): every setting, comment, trailing comma
//! and blank line the user wrote stays where it was.

use jsonc_parser::cst::{CstArray, CstInputValue, CstObject, CstRootNode};
use jsonc_parser::ParseOptions;
use serde::Serialize;
use serde_json::Value;

use super::entries::{to_json, MigrationEntry};
use super::{Merged, Sections};

/// Merges `sections` into the JSON(C) text `existing` (may be empty).
pub fn merge(existing: &str, sections: &Sections) -> Result<Merged, String> {
    let text = if existing.trim().is_empty() { "{}\n" } else { existing };
    let root = CstRootNode::parse(text, &ParseOptions::default()).map_err(|e| format!("not valid JSONC: {e}"))?;
    let doc = root.object_value().ok_or("the top level must be an object")?;
    if let Value::Object(defaults) = to_json(&sections.defaults) {
        for (key, value) in defaults {
            if doc.get(&key).is_none() {
                doc.append(&key, input(&value));
            }
        }
    }
    let target = match &sections.env {
        None => doc.clone(),
        Some(env) => doc
            .object_value_or_create("env")
            .and_then(|envs| envs.object_value_or_create(env))
            .ok_or(format!("`env.{env}` must be an object"))?,
    };
    if !sections.vars.is_empty() {
        let vars = target.object_value_or_create("vars").ok_or("`vars` must be an object")?;
        for (key, value) in &sections.vars {
            if vars.get(key).is_none() {
                vars.append(key, value.as_str().into());
            }
        }
    }
    replace_ours(&target, "containers", &sections.containers, sections)?;
    let durable_objects =
        target.object_value_or_create("durable_objects").ok_or("`durable_objects` must be an object")?;
    replace_ours(&durable_objects, "bindings", &sections.bindings, sections)?;
    // Migrations are inherited: an environment's own when it has them,
    // else the top level's.
    let home = if sections.env.is_some() && target.get("migrations").is_some() { &target } else { &doc };
    let migrations = home.array_value_or_create("migrations").ok_or("`migrations` must be an array")?;
    let history: Vec<Value> = migrations.elements().iter().filter_map(|e| e.to_serde_value()).collect();
    let history: Vec<MigrationEntry> =
        serde_json::from_value(Value::Array(history)).map_err(|e| format!("`migrations` is not wrangler's: {e}"))?;
    let (steps, undeclared) = sections.migration(&history)?;
    let migration_added = steps.last().map(|s| s.tag.clone());
    for step in &steps {
        migrations.append(input(&to_json(step)));
    }
    Ok(Merged { text: root.to_string(), migration_added, undeclared_classes: undeclared })
}

/// Drops our classes' old entries from `parent[key]`, then appends `ours`.
fn replace_ours<T: Serialize>(parent: &CstObject, key: &str, ours: &[T], sections: &Sections) -> Result<(), String> {
    let list: CstArray = parent.array_value_or_create(key).ok_or_else(|| format!("`{key}` must be an array"))?;
    for element in list.elements() {
        if element.to_serde_value().is_some_and(|v| sections.owns(&v)) {
            element.remove();
        }
    }
    for entry in ours {
        list.append(input(&to_json(entry)));
    }
    Ok(())
}

/// A JSON value as the CST inserts it.
fn input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(input).collect()),
        Value::Object(map) => CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), input(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::entries::DurableObjectEntry;
    use super::*;

    fn sections() -> Sections {
        let mut sections = super::super::sections::for_classes(&[("Web", None)]);
        sections.bindings = vec![DurableObjectEntry { name: "WEB".into(), class_name: "Web".into() }];
        sections
    }

    #[test]
    fn comments_and_a_comma_before_a_comment_at_a_closing_bracket_are_kept() {
        let user = "{\n  // the user's worker\n  \"name\": \"mine\", /* inline */\n  \"routes\": [\n    \"a.example.com/*\", // note\n  ],\n}\n";
        let merged = merge(user, &sections()).unwrap();
        for kept in ["// the user's worker", "/* inline */", "\"a.example.com/*\", // note", "\"name\": \"mine\""] {
            assert!(merged.text.contains(kept), "lost `{kept}`:\n{}", merged.text);
        }
        let parsed: Value = jsonc_parser::parse_to_serde_value(&merged.text, &ParseOptions::default()).unwrap();
        assert_eq!(parsed["durable_objects"]["bindings"][0]["class_name"], "Web");
        assert_eq!(parsed["migrations"][0]["new_sqlite_classes"][0], "Web");
        assert_eq!(merged.migration_added.as_deref(), Some("v1"));
        assert_eq!(merge(&merged.text, &sections()).unwrap().text, merged.text, "a second merge changed the file");
    }
}
