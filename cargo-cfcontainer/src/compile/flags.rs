//! The rustc flags of every build step of the Worker (cargo's, and
//! worker-build's own cargo build): the user's own, and this machine's
//! paths remapped, so that the same commit uploads the same bytes from any
//! machine. A wasm names the sources of its panic locations: the cargo
//! home's `registry/src/…` for every dependency, the toolchain's for the
//! standard library, the target directory's for generated code.
//!
//! The workspace root is not remapped: cargo passes its members' sources
//! relative to it already, and a flag naming it would differ between two
//! checkouts sharing a target directory, so each would rebuild every
//! dependency after the other (cargo keeps one build per crate and
//! rebuilds it when the flags change).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The flags, by where the user's come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RustFlags {
    /// `CARGO_ENCODED_RUSTFLAGS` or `RUSTFLAGS` (either replaces cargo's
    /// config): the user's, then the remaps, passed on as
    /// `CARGO_ENCODED_RUSTFLAGS`.
    Environment(Vec<String>),
    /// Cargo's config (`build.rustflags`), or none: the remaps joined to it
    /// with `--config build.rustflags=[...]` (cargo joins arrays, so the
    /// config's flags stay).
    Config(Vec<String>),
}

/// Separates the flags of `CARGO_ENCODED_RUSTFLAGS`.
const SEPARATOR: char = '\x1f';

impl RustFlags {
    /// The flags for builds into `target_dir`, as this process's
    /// environment gives the user's.
    pub fn new(target_dir: &Path) -> RustFlags {
        let var = |name: &str| std::env::var(name).ok();
        RustFlags::from(var("CARGO_ENCODED_RUSTFLAGS"), var("RUSTFLAGS"), remaps(target_dir))
    }

    fn from(encoded: Option<String>, plain: Option<String>, remaps: Vec<String>) -> RustFlags {
        let user: Option<Vec<String>> = match (encoded, plain) {
            (Some(encoded), _) => {
                Some(encoded.split(SEPARATOR).filter(|f| !f.is_empty()).map(str::to_string).collect())
            }
            (None, Some(plain)) => Some(plain.split_whitespace().map(str::to_string).collect()),
            (None, None) => None,
        };
        match user {
            Some(mut flags) => {
                flags.extend(remaps);
                RustFlags::Environment(flags)
            }
            None => RustFlags::Config(remaps),
        }
    }

    /// Gives them to `cmd`, a `cargo build` or a command that passes its
    /// trailing arguments on to one (worker-build).
    pub fn apply(&self, cmd: &mut Command) {
        match self {
            RustFlags::Environment(flags) => {
                cmd.env("CARGO_ENCODED_RUSTFLAGS", flags.join(&SEPARATOR.to_string()));
            }
            RustFlags::Config(remaps) => {
                let array: toml_edit::Array = remaps.iter().map(String::as_str).collect();
                cmd.arg("--config").arg(format!("build.rustflags={array}"));
            }
        }
    }
}

/// `--remap-path-prefix` of the cargo home, the toolchain and the target
/// directory, each to a name that is the same on every machine (rustc
/// applies the last that matches, so the most specific comes last).
fn remaps(target_dir: &Path) -> Vec<String> {
    let remap = |from: &Path, to: &str| format!("--remap-path-prefix={}={to}", from.display());
    let mut remaps = Vec::new();
    if let Some(home) = cargo_home() {
        remaps.push(remap(&home, "/cargo"));
    }
    if let Some(sysroot) = sysroot() {
        remaps.push(remap(&sysroot, "/rust"));
    }
    remaps.push(remap(target_dir, "/target"));
    remaps
}

/// rustc's sysroot (the toolchain's directory), as rustc reports it.
pub fn sysroot() -> Option<PathBuf> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).args(["--print", "sysroot"]).stdin(Stdio::null()).output().ok()?;
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
}

/// Cargo's home, as cargo finds it: `CARGO_HOME`, else `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    match std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        Some(home) => std::path::absolute(PathBuf::from(home)).ok(),
        None => dirs::home_dir().map(|home| home.join(".cargo")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(flags: &RustFlags) -> (Vec<String>, Option<String>) {
        let mut cmd = Command::new("cargo");
        flags.apply(&mut cmd);
        let args = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let env = cmd.get_envs().find(|(k, _)| *k == "CARGO_ENCODED_RUSTFLAGS");
        (args, env.and_then(|(_, v)| v).map(|v| v.to_string_lossy().into_owned()))
    }

    #[test]
    fn the_users_flags_stay_first_wherever_they_come_from_and_the_remaps_follow() {
        let remaps = || vec!["--remap-path-prefix=/home/a/.cargo=/cargo".to_string()];
        // From the environment: RUSTFLAGS split on whitespace, as cargo does.
        let plain = RustFlags::from(None, Some("-C  target-cpu=mvp --cfg x".into()), remaps());
        let expected = "-C\x1ftarget-cpu=mvp\x1f--cfg\x1fx\x1f--remap-path-prefix=/home/a/.cargo=/cargo";
        assert_eq!(args(&plain), (vec![], Some(expected.to_string())));
        // CARGO_ENCODED_RUSTFLAGS wins over RUSTFLAGS, as in cargo.
        let encoded = RustFlags::from(Some("--cfg\x1fhas space".into()), Some("--cfg ignored".into()), remaps());
        let expected = "--cfg\x1fhas space\x1f--remap-path-prefix=/home/a/.cargo=/cargo";
        assert_eq!(args(&encoded).1.as_deref(), Some(expected));
        // From cargo's config: joined to `build.rustflags`, nothing replaced.
        let config = RustFlags::from(None, None, remaps());
        let config_arg = r#"build.rustflags=["--remap-path-prefix=/home/a/.cargo=/cargo"]"#.to_string();
        assert_eq!(args(&config), (vec!["--config".to_string(), config_arg], None));
    }
}
