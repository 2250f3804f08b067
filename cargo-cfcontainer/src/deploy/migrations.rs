//! Durable Object migrations: from the classes the account has to the
//! classes the crate declares.

use serde::Serialize;

use crate::api::{MigrationStep, MigrationsBody, RenamedClass};

/// The steps one deploy applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Migrations {
    /// New SQLite-backed classes.
    pub new: Vec<String>,
    /// New classes with key-value storage (a wrangler file's `new_classes`).
    pub new_kv: Vec<String>,
    /// `(from, to)` renames.
    pub renamed: Vec<(String, String)>,
    /// Classes deleted, with their data.
    pub deleted: Vec<String>,
}

impl Migrations {
    /// Compares the account's classes with the crate's `(class,
    /// renamed_from)` list.
    pub fn between(remote: &[String], desired: &[(String, Option<String>)]) -> Migrations {
        let mut m = Migrations::default();
        for (class, renamed_from) in desired {
            if remote.contains(class) {
                continue;
            }
            match renamed_from.as_ref().filter(|old| remote.contains(old)) {
                Some(old) => m.renamed.push((old.clone(), class.clone())),
                None => m.new.push(class.clone()),
            }
        }
        for class in remote {
            let kept = desired.iter().any(|(c, _)| c == class) || m.renamed.iter().any(|(from, _)| from == class);
            if !kept {
                m.deleted.push(class.clone());
            }
        }
        m
    }

    /// These migrations with the new classes among `kv_backed` created
    /// with key-value storage instead of SQLite.
    pub fn with_kv_backed(mut self, kv_backed: &[String]) -> Migrations {
        let (kv, sqlite): (Vec<String>, Vec<String>) = self.new.into_iter().partition(|c| kv_backed.contains(c));
        (self.new, self.new_kv) = (sqlite, kv);
        self
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.new_kv.is_empty() && self.renamed.is_empty() && self.deleted.is_empty()
    }

    /// The step that applies these changes.
    pub fn step(&self) -> MigrationStep {
        MigrationStep {
            new_classes: self.new_kv.clone(),
            new_sqlite_classes: self.new.clone(),
            renamed_classes: self
                .renamed
                .iter()
                .map(|(from, to)| RenamedClass { from: from.clone(), to: to.clone() })
                .collect(),
            deleted_classes: self.deleted.clone(),
        }
    }

    /// The upload's `migrations`, from the account's `current` tag to
    /// `new_tag`.
    pub fn body(&self, current: Option<&str>, new_tag: &str) -> MigrationsBody {
        MigrationsBody { old_tag: current.map(str::to_string), new_tag: new_tag.to_string(), steps: vec![self.step()] }
    }
}

/// The tag a migration from the account's `current` tag moves the Worker
/// to: the wrangler file's last `migrations` tag when it has migrations
/// (as the official CLI tags them, so both tools agree on what was
/// applied), else this tool's own next tag.
pub fn new_tag(file_tags: &[&str], current: Option<&str>) -> String {
    match file_tags.last() {
        Some(last) => last.to_string(),
        None => next_tag(current),
    }
}

/// `v1` after nothing, `vN+1` after `vN`, `<tag>-1` after any other tag.
pub fn next_tag(current: Option<&str>) -> String {
    match current {
        None => "v1".into(),
        Some(tag) => match tag.strip_prefix('v').and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => format!("v{}", n + 1),
            None => format!("{tag}-1"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_between_the_accounts_classes_and_the_crates_are_new_renamed_and_deleted() {
        let remote = vec!["Old".to_string(), "Gone".to_string()];
        let desired = vec![("New".to_string(), Some("Old".to_string())), ("Fresh".to_string(), None)];
        let m = Migrations::between(&remote, &desired);
        assert_eq!(m.new, ["Fresh"]);
        assert_eq!(m.renamed, [("Old".to_string(), "New".to_string())]);
        assert_eq!(m.deleted, ["Gone"]);
    }

    #[test]
    fn the_upload_moves_the_migration_tag_from_the_accounts_to_the_next() {
        let m = Migrations { new: vec!["A".into()], ..Default::default() };
        let body = |current| m.body(current, &new_tag(&[], current));
        assert_eq!((body(None).old_tag, body(None).new_tag.as_str()), (None, "v1"));
        assert_eq!(body(Some("v3")).old_tag.as_deref(), Some("v3"));
        assert_eq!(body(Some("v3")).new_tag, "v4");
        assert_eq!(body(None).steps[0].new_sqlite_classes, ["A"]);
        // A file with migrations names the tag, whatever the account's.
        assert_eq!(new_tag(&["v1", "add-rooms"], Some("v3")), "add-rooms");
    }
}
