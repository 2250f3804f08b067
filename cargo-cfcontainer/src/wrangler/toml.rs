//! Merging into `wrangler.toml` with `toml_edit`: comments, order and every
//! other setting stay as the user wrote them.

use serde::Serialize;
use serde_json::Value;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

use super::entries::{to_json, MigrationEntry};
use super::{Merged, Sections};

/// Merges `sections` into the TOML text `existing` (may be empty).
pub fn merge(existing: &str, sections: &Sections) -> Result<Merged, String> {
    let mut doc: DocumentMut = existing
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string().lines().next().unwrap_or("not valid TOML").to_string())?;
    if let Value::Object(defaults) = to_json(&sections.defaults) {
        for (key, value) in &defaults {
            if !doc.contains_key(key) {
                doc.insert(key, top_level(value));
            }
        }
    }
    let target = match &sections.env {
        None => doc.as_table_mut(),
        Some(env) => env_table(doc.as_table_mut(), env)?,
    };
    if !sections.vars.is_empty() {
        let vars = target
            .entry("vars")
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_like_mut()
            .ok_or("`vars` must be a table")?;
        for (k, v) in &sections.vars {
            if !vars.contains_key(k) {
                vars.insert(k, toml_edit::value(v.as_str()));
            }
        }
    }
    replace_ours(target, "containers", &sections.containers, sections)?;
    let durable_objects = target.entry("durable_objects").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let durable_objects = durable_objects.as_table_mut().ok_or("`durable_objects` must be a table")?;
    replace_ours(durable_objects, "bindings", &sections.bindings, sections)?;
    // Migrations are inherited: an environment's own when it has them,
    // else the top level's.
    let migrations_home =
        if sections.env.is_some() && target.contains_key("migrations") { target } else { doc.as_table_mut() };
    let history: Vec<Value> = match migrations_home.get("migrations") {
        None => Vec::new(),
        Some(item) => item
            .as_array_of_tables()
            .ok_or("`migrations` must be an array of tables ([[migrations]])")?
            .iter()
            .map(table_to_json)
            .collect(),
    };
    let history: Vec<MigrationEntry> =
        serde_json::from_value(Value::Array(history)).map_err(|e| format!("`migrations` is not wrangler's: {e}"))?;
    let (steps, undeclared) = sections.migration(&history)?;
    let migration_added = steps.last().map(|s| s.tag.clone());
    if !steps.is_empty() {
        let migrations =
            migrations_home.entry("migrations").or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
        let migrations = migrations.as_array_of_tables_mut().ok_or("`migrations` must be an array of tables")?;
        for step in &steps {
            migrations.push(table(&to_json(step)));
        }
    }
    Ok(Merged { text: doc.to_string(), migration_added, undeclared_classes: undeclared })
}

/// `[env.NAME]`, created (as a dotted header) when the file lacks it.
fn env_table<'a>(doc: &'a mut Table, env: &str) -> Result<&'a mut Table, String> {
    let envs = doc.entry("env").or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    let envs = envs.as_table_mut().ok_or("`env` must be a table")?;
    envs.entry(env)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or(format!("`env.{env}` must be a table"))
}

/// Drops our classes' old entries from `table[key]`, then appends `ours`.
fn replace_ours<T: Serialize>(parent: &mut Table, key: &str, ours: &[T], sections: &Sections) -> Result<(), String> {
    let item = parent.entry(key).or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new()));
    let list =
        item.as_array_of_tables_mut().ok_or_else(|| format!("`{key}` must be an array of tables ([[{key}]])"))?;
    list.retain(|t| !sections.owns(&table_to_json(t)));
    for entry in ours {
        list.push(table(&to_json(entry)));
    }
    Ok(())
}

fn top_level(value: &Value) -> Item {
    match value {
        Value::Object(_) => Item::Table(table(value)),
        other => toml_edit::value(to_value(other)),
    }
}

fn table(value: &Value) -> Table {
    let mut t = Table::new();
    for (k, v) in value.as_object().into_iter().flatten() {
        t.insert(k, toml_edit::value(to_value(v)));
    }
    t
}

fn to_value(value: &Value) -> toml_edit::Value {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or_default().into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(items) => {
            let mut a = Array::new();
            for item in items {
                a.push(to_value(item));
            }
            a.into()
        }
        Value::Object(map) => {
            let mut t = InlineTable::new();
            for (k, v) in map {
                t.insert(k, to_value(v));
            }
            t.into()
        }
        Value::Null => "".into(),
    }
}

fn table_to_json(table: &Table) -> Value {
    Value::Object(table.iter().map(|(k, v)| (k.to_string(), item_to_json(v))).collect())
}

fn item_to_json(item: &Item) -> Value {
    match item {
        Item::Value(v) => value_to_json(v),
        Item::Table(t) => table_to_json(t),
        Item::ArrayOfTables(a) => Value::Array(a.iter().map(table_to_json).collect()),
        Item::None => Value::Null,
    }
}

fn value_to_json(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => (*i.value()).into(),
        toml_edit::Value::Float(f) => {
            serde_json::Number::from_f64(*f.value()).map(Value::Number).unwrap_or(Value::Null)
        }
        toml_edit::Value::Boolean(b) => (*b.value()).into(),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(value_to_json).collect()),
        toml_edit::Value::InlineTable(t) => {
            Value::Object(t.iter().map(|(k, v)| (k.to_string(), value_to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::entries::DurableObjectEntry;
    use super::*;

    fn staging() -> Sections {
        let mut sections = super::super::sections::for_classes(&[("Web", None)]);
        sections.bindings = vec![DurableObjectEntry { name: "WEB".into(), class_name: "Web".into() }];
        sections.vars = vec![("MODE".into(), "staging".into())];
        sections.defaults.name = None;
        sections.env = Some("staging".into());
        sections
    }

    #[test]
    fn an_environment_gets_its_own_bindings_and_vars_and_shares_the_top_levels_migrations() {
        let user = "# mine\nname = \"app\"\n\n[env.staging]\nroutes = [\"staging.example.com/*\"] # kept\n";
        let merged = merge(user, &staging()).unwrap();
        let doc: DocumentMut = merged.text.parse().unwrap();
        let env = doc["env"]["staging"].as_table().unwrap();
        assert_eq!(env["durable_objects"]["bindings"][0]["class_name"].as_str(), Some("Web"), "{}", merged.text);
        assert_eq!(env["vars"]["MODE"].as_str(), Some("staging"));
        assert!(doc.get("durable_objects").is_none_or(|d| d.get("bindings").is_none()), "{}", merged.text);
        assert_eq!(doc["migrations"][0]["new_sqlite_classes"][0].as_str(), Some("Web"), "{}", merged.text);
        assert_eq!(doc["name"].as_str(), Some("app"));
        assert!(merged.text.contains("# mine") && merged.text.contains("# kept"), "{}", merged.text);
        assert_eq!(merge(&merged.text, &staging()).unwrap().text, merged.text, "a second merge changed the file");
    }
}
