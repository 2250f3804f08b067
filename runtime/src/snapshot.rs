//! Snapshots of a running container, as the runtime hands them out: of one
//! directory ([`DirectorySnapshot`]) or of the whole container
//! ([`ContainerSnapshot`]). Both are plain data (serde) to keep in storage
//! and give back to a later start through [`StartOptions`](crate::StartOptions).

use worker::js_sys::Object;
use worker::wasm_bindgen::JsValue;

use crate::js::{self, set};

/// A directory of a container, saved ([`Control::snapshot_directory`](crate::Control::snapshot_directory)).
/// Restore it into a new start with [`DirectoryRestore`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirectorySnapshot {
    /// The runtime's id of the snapshot.
    pub id: String,
    /// The directory that was saved (absolute); where it is restored
    /// unless a restore names another place.
    pub dir: String,
    /// Its size in bytes.
    pub size: u64,
    /// The name given when it was taken.
    pub name: Option<String>,
}

/// A whole container's filesystem, saved
/// ([`Control::snapshot_container`](crate::Control::snapshot_container)).
/// Start from it with [`StartOptions::container_snapshot`](crate::StartOptions::container_snapshot).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContainerSnapshot {
    /// The runtime's id of the snapshot.
    pub id: String,
    /// Its size in bytes.
    pub size: u64,
    /// The name given when it was taken.
    pub name: Option<String>,
}

/// A directory snapshot to put in place before the container starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirectoryRestore {
    /// What to restore.
    pub snapshot: DirectorySnapshot,
    /// Where, if not at the directory it was taken from (absolute, not `/`).
    pub mount_point: Option<String>,
}

impl From<DirectorySnapshot> for DirectoryRestore {
    fn from(snapshot: DirectorySnapshot) -> Self {
        DirectoryRestore { snapshot, mount_point: None }
    }
}

impl DirectoryRestore {
    /// The directory the snapshot ends up in.
    pub fn path(&self) -> &str {
        self.mount_point.as_deref().unwrap_or(&self.snapshot.dir)
    }

    /// Why this restore would be refused at start: the same rules as
    /// workerd's (1.20261117.1), with what to do.
    pub(crate) fn check(&self) -> Result<(), String> {
        let path = self.path();
        if !path.starts_with('/') {
            return Err(format!("directory snapshot restore path `{path}` is not absolute: start it with `/`"));
        }
        if path.split('/').any(|part| part == "." || part == "..") {
            return Err(format!("directory snapshot restore path `{path}` has `.` or `..` in it: give a plain path"));
        }
        if path.split('/').all(str::is_empty) {
            return Err("a directory snapshot cannot be restored to `/`: give a mount_point below it".into());
        }
        Ok(())
    }

    /// The entry of the container's own `directorySnapshots` start option.
    pub(crate) fn to_js(&self) -> Object {
        let snapshot = Object::new();
        set(&snapshot, "id", &JsValue::from_str(&self.snapshot.id));
        set(&snapshot, "dir", &JsValue::from_str(&self.snapshot.dir));
        set(&snapshot, "size", &JsValue::from_f64(self.snapshot.size as f64));
        if let Some(name) = &self.snapshot.name {
            set(&snapshot, "name", &JsValue::from_str(name));
        }
        let entry = Object::new();
        set(&entry, "snapshot", &snapshot);
        if let Some(mount_point) = &self.mount_point {
            set(&entry, "mountPoint", &JsValue::from_str(mount_point));
        }
        entry
    }
}

impl DirectorySnapshot {
    /// Reads the runtime's answer to `snapshotDirectory`.
    pub(crate) fn from_js(value: &JsValue) -> Result<DirectorySnapshot, String> {
        Ok(DirectorySnapshot {
            id: text(value, "id")?,
            dir: text(value, "dir")?,
            size: size(value),
            name: js::get(value, "name").and_then(|n| n.as_string()),
        })
    }
}

impl ContainerSnapshot {
    /// Reads the runtime's answer to `snapshotContainer`.
    pub(crate) fn from_js(value: &JsValue) -> Result<ContainerSnapshot, String> {
        Ok(ContainerSnapshot {
            id: text(value, "id")?,
            size: size(value),
            name: js::get(value, "name").and_then(|n| n.as_string()),
        })
    }
}

fn text(value: &JsValue, key: &str) -> Result<String, String> {
    js::get(value, key).and_then(|v| v.as_string()).ok_or_else(|| format!("the runtime's snapshot has no `{key}`"))
}

fn size(value: &JsValue) -> u64 {
    js::get(value, "size").and_then(|s| s.as_f64()).map_or(0, |s| s as u64)
}

#[cfg(test)]
mod tests {
    use super::{DirectoryRestore, DirectorySnapshot};

    fn restore(dir: &str, mount_point: Option<&str>) -> DirectoryRestore {
        let snapshot = DirectorySnapshot { id: "0".into(), dir: dir.into(), size: 1, name: None };
        DirectoryRestore { snapshot, mount_point: mount_point.map(Into::into) }
    }

    #[test]
    fn a_snapshot_is_restored_where_it_was_taken_unless_a_mount_point_is_given() {
        assert_eq!(restore("/data", None).path(), "/data");
        assert_eq!(restore("/data", Some("/restored")).path(), "/restored");
        assert_eq!(restore("/data", Some("/restored")).check(), Ok(()));
    }

    #[test]
    fn a_restore_to_the_root_a_relative_path_or_a_dotted_one_is_refused() {
        assert!(restore("/data", Some("/")).check().unwrap_err().contains("cannot be restored to `/`"));
        assert!(restore("/data", Some("//")).check().unwrap_err().contains("cannot be restored to `/`"));
        assert!(restore("data", None).check().unwrap_err().contains("not absolute"));
        assert!(restore("/data/../etc", None).check().unwrap_err().contains("`.` or `..`"));
    }

    #[test]
    fn a_stored_snapshot_reads_back_the_same() {
        let snapshot = DirectorySnapshot { id: "9f1c".into(), dir: "/data".into(), size: 42, name: Some("n".into()) };
        let stored = serde_json::to_string(&snapshot).unwrap();
        assert_eq!(serde_json::from_str::<DirectorySnapshot>(&stored).unwrap(), snapshot);
    }
}
