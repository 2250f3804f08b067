//! What a deploy says when a class seems renamed without the migration
//! that keeps its Durable Objects: the exact lines to add, so the user
//! never follows advice that deletes the data (removing the binding and
//! migration of a class, or `--allow-delete-classes`, delete it).

use cfcontainer_meta::wrangler::Bindings;
use cfcontainer_meta::ContainerMeta;

use super::migrations::{next_tag, Migrations};
use crate::project::own_classes::own_classes;
use crate::project::WranglerSource;

/// Why class `missing`, which the wrangler file binds or its migrations
/// define, is not in the Worker (whose entry module exports `exported`),
/// and how to keep its data if it was renamed: to the one class the file
/// binds or the crate declares that no migration defines and the Worker
/// exports, when there is one.
pub fn not_exported(source: &WranglerSource, containers: &[ContainerMeta], missing: &str, exported: &[&str]) -> String {
    let defined: Vec<String> =
        own_classes(&source.migrations, &Bindings::default()).into_iter().map(|c| c.name).collect();
    let bound = source.own_classes.iter().map(|c| c.name.as_str());
    let mut candidates: Vec<&str> = bound
        .chain(containers.iter().map(|c| c.class.as_str()))
        .filter(|c| *c != missing && !defined.iter().any(|d| d == c) && exported.contains(c))
        .collect();
    candidates.dedup();
    let declare = format!("the Worker's Durable Object class `{missing}` is not exported by the Worker: declare it with workers-rs's #[durable_object]");
    let keep = "if it was renamed, keep its Durable Objects and their data with a migration (removing its binding and migration would delete them)";
    match (candidates.as_slice(), source.migrations.last()) {
        ([new], Some(last)) => {
            let attribute = match containers.iter().find(|c| c.class == *new) {
                Some(_) => format!(", and `renamed_from = \"{missing}\"` to the #[container] attribute of `{new}`"),
                None => String::new(),
            };
            format!(
                "{declare}; {keep}: add a [[migrations]] entry with `tag = \"{}\"` and `renamed_classes = [{{ from = \"{missing}\", to = \"{new}\" }}]`{attribute}",
                next_tag(Some(&last.tag))
            )
        }
        (_, Some(last)) => format!(
            "{declare}; {keep}: set its binding's `class_name` to the new name and add a [[migrations]] entry with `tag = \"{}\"` and `renamed_classes = [{{ from = \"{missing}\", to = \"<new name>\" }}]`",
            next_tag(Some(&last.tag))
        ),
        (_, None) => format!(
            "{declare}; {keep}: set its binding's `class_name` to the new name and deploy again, which then names the migration to add"
        ),
    }
}

/// What to do instead of deleting the classes `migrations` delete, from
/// the account's `classes` (with their storage) at migration `tag`: when
/// one class goes and one comes, the lines that rename it (the attribute's
/// `renamed_from` for a container class; for one of the Worker's own, the
/// migrations of `file` with the account's history first, since a file
/// with migrations must define every class), else the general rule.
pub fn instead_of_deleting(
    migrations: &Migrations,
    containers: &[ContainerMeta],
    classes: &[(String, bool)],
    tag: Option<&str>,
    file: Option<&std::path::Path>,
) -> String {
    let delete = "else rerun with --allow-delete-classes";
    let new: Vec<&String> = migrations.new.iter().chain(&migrations.new_kv).collect();
    let ([old], [new]) = (migrations.deleted.as_slice(), new.as_slice()) else {
        return format!("if a class was renamed, keep its data: add `renamed_from = \"<old name>\"` to its #[container] attribute (a `renamed_classes` migration for the Worker's own classes); {delete}");
    };
    if containers.iter().any(|c| c.class == **new) {
        return format!(
            "if `{old}` was renamed to `{new}`, keep its data: add `renamed_from = \"{old}\"` to its attribute, #[container(class = \"{new}\", renamed_from = \"{old}\", ...)]; {delete}"
        );
    }
    let list = |sqlite: bool| {
        let mut names: Vec<String> =
            classes.iter().filter(|(_, s)| *s == sqlite).map(|(c, _)| format!("\"{c}\"")).collect();
        names.sort();
        names.join(", ")
    };
    let mut history = String::new();
    if let Some(tag) = tag {
        history.push_str(&format!("`tag = \"{tag}\"`"));
        for (key, sqlite) in [("new_sqlite_classes", true), ("new_classes", false)] {
            if classes.iter().any(|(_, s)| *s == sqlite) {
                history.push_str(&format!(", `{key} = [{}]`", list(sqlite)));
            }
        }
        history.push_str(" (what the account has), then ");
    }
    let path = file.map(|f| format!(" to {}", f.display())).unwrap_or_default();
    format!(
        "if `{old}` was renamed to `{new}`, keep its data: add [[migrations]] entries{path}: {history}`tag = \"{}\"`, `renamed_classes = [{{ from = \"{old}\", to = \"{new}\" }}]`; {delete}",
        next_tag(tag)
    )
}
