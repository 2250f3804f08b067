//! Durable Object classes of the Worker itself that are not containers
//! (workers-rs `#[durable_object]`s): the classes the wrangler file's
//! `migrations` define (replayed in order: new, renamed, deleted) and the
//! classes its `durable_objects.bindings` bind without `script_name`. A
//! bound class no migration defines is created SQLite-backed, as the
//! containers' classes are; the attribute alone decides about container
//! classes.

use cfcontainer_meta::wrangler::Bindings;
use cfcontainer_meta::ContainerMeta;
use serde::Deserialize;

/// One class of the Worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnClass {
    /// The class name.
    pub name: String,
    /// The name its Durable Objects had before, when the file renamed it.
    pub renamed_from: Option<String>,
    /// SQLite-backed (`new_sqlite_classes`), else key-value (`new_classes`).
    pub sqlite: bool,
}

/// One `migrations` entry of the file, as far as classes go (its `tag` is
/// the official CLI's bookkeeping; deploy writes its own).
#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    new_classes: Vec<String>,
    #[serde(default)]
    new_sqlite_classes: Vec<String>,
    #[serde(default)]
    renamed_classes: Vec<Rename>,
    #[serde(default)]
    deleted_classes: Vec<String>,
}

/// `{ from, to }` of `renamed_classes`.
#[derive(Deserialize)]
struct Rename {
    from: String,
    to: String,
}

/// The classes `migrations` (the file's key, if set) and `bindings` give
/// the Worker; a `migrations` of the wrong shape is an error (`why`).
pub fn own_classes(migrations: Option<&serde_json::Value>, bindings: &Bindings) -> Result<Vec<OwnClass>, String> {
    let entries: Vec<Entry> = match migrations {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| format!("`migrations`: {e}"))?,
        None => Vec::new(),
    };
    let mut classes: Vec<OwnClass> = Vec::new();
    for step in entries {
        let created =
            step.new_classes.iter().map(|c| (c, false)).chain(step.new_sqlite_classes.iter().map(|c| (c, true)));
        for (name, sqlite) in created {
            classes.retain(|c| c.name != *name);
            classes.push(OwnClass { name: name.clone(), renamed_from: None, sqlite });
        }
        for rename in &step.renamed_classes {
            if let Some(class) = classes.iter_mut().find(|c| c.name == rename.from) {
                class.renamed_from = Some(rename.from.clone());
                class.name = rename.to.clone();
            }
        }
        classes.retain(|c| !step.deleted_classes.contains(&c.name));
    }
    for bound in bindings.durable_objects.bindings.iter().filter(|b| b.script_name.is_none()) {
        if !classes.iter().any(|c| c.name == bound.class_name) {
            classes.push(OwnClass { name: bound.class_name.clone(), renamed_from: None, sqlite: true });
        }
    }
    Ok(classes)
}

/// The classes of `classes` that are not container classes (the
/// attribute decides about those).
pub fn besides_containers<'a>(
    classes: &'a [OwnClass],
    containers: &'a [ContainerMeta],
) -> impl Iterator<Item = &'a OwnClass> {
    classes.iter().filter(|c| !containers.iter().any(|m| m.class == c.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_migrations_are_replayed_and_a_bound_class_without_one_is_sqlite() {
        let file = cfcontainer_meta::wrangler::parse(
            r#"
            durable_objects = { bindings = [{ name = "ROOMS", class_name = "Room" }, { name = "VIEWS", class_name = "Views" }, { name = "OTHER", class_name = "Far", script_name = "elsewhere" }] }
            [[migrations]]
            tag = "v1"
            new_classes = ["Chat"]
            new_sqlite_classes = ["Gone"]
            [[migrations]]
            tag = "v2"
            renamed_classes = [{ from = "Chat", to = "Room" }]
            deleted_classes = ["Gone"]
            "#,
            false,
        )
        .unwrap();
        let classes = own_classes(file.top.other.get("migrations"), &file.top.bindings).unwrap();
        assert_eq!(
            classes,
            [
                OwnClass { name: "Room".into(), renamed_from: Some("Chat".into()), sqlite: false },
                OwnClass { name: "Views".into(), renamed_from: None, sqlite: true },
            ]
        );
    }
}
