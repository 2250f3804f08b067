//! The instance types the emulated API knows. Kept apart from the CLI's
//! own table on purpose: the emulator checks the CLI, it does not mirror it.

const INSTANCE_TYPES: &[(&str, f64, u64, u64)] = &[
    ("lite", 0.0625, 256, 2000),
    ("dev", 0.0625, 256, 2000),
    ("basic", 0.25, 1024, 4000),
    ("standard", 0.5, 4096, 8000),
    ("standard-1", 0.5, 4096, 8000),
    ("standard-2", 1.0, 6144, 12000),
    ("standard-3", 2.0, 8192, 16000),
    ("standard-4", 4.0, 12288, 20000),
];

/// (vCPU, memory MiB, disk MB) of a named instance type.
pub fn instance_resources(name: &str) -> Option<(f64, u64, u64)> {
    INSTANCE_TYPES.iter().find(|(n, ..)| *n == name).map(|&(_, v, m, d)| (v, m, d))
}
