//! Durable Object classes of the Worker itself that are not containers
//! (workers-rs `#[durable_object]`s): the classes the wrangler file's
//! `migrations` define (replayed in order: new, renamed, deleted) and the
//! classes its `durable_objects.bindings` bind without `script_name`. A
//! bound class no migration defines is created SQLite-backed, as the
//! containers' classes are; the attribute alone decides about container
//! classes.

use cfcontainer_meta::wrangler::{Bindings, Migration};
use cfcontainer_meta::ContainerMeta;

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

/// The classes the file's `migrations` and `bindings` give the Worker.
pub fn own_classes(migrations: &[Migration], bindings: &Bindings) -> Vec<OwnClass> {
    let mut classes: Vec<OwnClass> = Vec::new();
    for step in migrations {
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
    classes
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
        let classes = own_classes(file.top.settings.migrations.as_deref().unwrap_or_default(), &file.top.bindings);
        assert_eq!(
            classes,
            [
                OwnClass { name: "Room".into(), renamed_from: Some("Chat".into()), sqlite: false },
                OwnClass { name: "Views".into(), renamed_from: None, sqlite: true },
            ]
        );
    }
}
