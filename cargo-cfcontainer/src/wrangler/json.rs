//! Merging into `wrangler.json` / `wrangler.jsonc`. Every setting is kept;
//! JSONC comments cannot be, and the report says so.

use serde_json::{Map, Value};

use super::{Merged, Sections};

/// Merges `sections` into the JSON(C) text `existing` (may be empty).
pub fn merge(existing: &str, sections: &Sections) -> Result<Merged, String> {
    let (plain, had_comments) = strip_comments(existing);
    let mut doc: Map<String, Value> = if plain.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str(&plain).map_err(|e| format!("not valid JSON: {e}"))? {
            Value::Object(map) => map,
            _ => return Err("the top level must be an object".into()),
        }
    };
    for (key, value) in &sections.defaults {
        doc.entry(key.clone()).or_insert_with(|| value.clone());
    }
    if !sections.vars.is_empty() {
        let vars = doc
            .entry("vars")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or("`vars` must be an object")?;
        for (k, v) in &sections.vars {
            vars.entry(k.clone()).or_insert_with(|| Value::String(v.clone()));
        }
    }
    let mut containers: Vec<Value> =
        array(doc.get("containers"), "containers")?.into_iter().filter(|c| !sections.owns(c)).collect();
    containers.extend(sections.containers.iter().cloned());
    doc.insert("containers".into(), Value::Array(containers));
    let durable_objects = doc.entry("durable_objects").or_insert_with(|| Value::Object(Map::new()));
    let durable_objects = durable_objects.as_object_mut().ok_or("`durable_objects` must be an object")?;
    let mut bindings: Vec<Value> = array(durable_objects.get("bindings"), "durable_objects.bindings")?
        .into_iter()
        .filter(|b| !sections.owns(b))
        .collect();
    bindings.extend(sections.bindings.iter().cloned());
    durable_objects.insert("bindings".into(), Value::Array(bindings));
    let mut migrations = array(doc.get("migrations"), "migrations")?;
    let (step, undeclared) = sections.migration(&migrations);
    let migration_added = step.as_ref().and_then(|s| s["tag"].as_str().map(str::to_string));
    migrations.extend(step);
    doc.insert("migrations".into(), Value::Array(migrations));
    let text = serde_json::to_string_pretty(&Value::Object(doc)).expect("JSON values serialize") + "\n";
    Ok(Merged { text, migration_added, undeclared_classes: undeclared, comments_dropped: had_comments })
}

fn array(value: Option<&Value>, name: &str) -> Result<Vec<Value>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(_) => Err(format!("`{name}` must be an array")),
    }
}

/// Removes `//` and `/* */` comments and trailing commas outside strings.
fn strip_comments(text: &str) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut in_string, mut had) = (0, false, false);
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            had = true;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            had = true;
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            continue;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if !matches!(next, Some('}') | Some(']')) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    (out, had)
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_and_trailing_commas_go_strings_stay() {
        let (plain, had) = super::strip_comments("{ // c\n \"a\": \"x//y\", /* b */ \"l\": [1, 2,], }");
        assert!(had);
        let value: serde_json::Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(value["a"], "x//y");
        assert_eq!(value["l"], serde_json::json!([1, 2]));
    }
}
