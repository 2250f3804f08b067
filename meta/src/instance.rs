//! Container instance types offered by Cloudflare.

use serde::{Deserialize, Serialize};

/// The named instance types with their (vCPU, memory MiB, disk MB).
/// `dev` is an alias of `lite` and `standard` of `standard-1`.
pub const NAMED_INSTANCE_TYPES: &[(&str, f64, u32, u32)] = &[
    ("lite", 0.0625, 256, 2000),
    ("dev", 0.0625, 256, 2000),
    ("basic", 0.25, 1024, 4000),
    ("standard", 0.5, 4096, 8000),
    ("standard-1", 0.5, 4096, 8000),
    ("standard-2", 1.0, 6144, 12000),
    ("standard-3", 2.0, 8192, 16000),
    ("standard-4", 4.0, 12288, 20000),
];

/// The size of each container instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum InstanceType {
    /// One of [`NAMED_INSTANCE_TYPES`], by its canonical name (`lite`, not `dev`).
    Named(String),
    /// A custom size.
    Custom {
        /// Virtual CPUs, e.g. `0.5`.
        vcpu: f64,
        /// Memory in MiB.
        memory_mib: u32,
        /// Disk in MB.
        disk_mb: u32,
    },
}

impl InstanceType {
    /// Looks up a named type, mapping aliases to their canonical name.
    ///
    /// ```
    /// use cfcontainer_meta::InstanceType;
    /// assert_eq!(InstanceType::named("dev"), Some(InstanceType::Named("lite".into())));
    /// assert_eq!(InstanceType::named("huge"), None);
    /// ```
    pub fn named(name: &str) -> Option<Self> {
        let canonical = match name {
            "dev" => "lite",
            "standard" => "standard-1",
            other => other,
        };
        NAMED_INSTANCE_TYPES.iter().any(|(n, ..)| *n == canonical).then(|| InstanceType::Named(canonical.to_string()))
    }

    /// (vCPU, memory MiB, disk MB) of this type.
    ///
    /// ```
    /// use cfcontainer_meta::InstanceType;
    /// assert_eq!(InstanceType::named("basic").unwrap().resources(), (0.25, 1024, 4000));
    /// ```
    pub fn resources(&self) -> (f64, u32, u32) {
        match self {
            InstanceType::Named(name) => NAMED_INSTANCE_TYPES
                .iter()
                .find(|(n, ..)| n == name)
                .map(|&(_, v, m, d)| (v, m, d))
                .unwrap_or((0.0625, 256, 2000)),
            InstanceType::Custom { vcpu, memory_mib, disk_mb } => (*vcpu, *memory_mib, *disk_mb),
        }
    }
}

impl Default for InstanceType {
    fn default() -> Self {
        InstanceType::Named("lite".to_string())
    }
}
