//! A binary target of the workspace compiled for the platform's Linux
//! (static, through musl) with the run's profile, features and rustc
//! flags, for an image assembled around it.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;

use super::elf::{linkage, Linkage};
use super::{has_target, BuildRequest, RustFlags};
use crate::child::WithoutCredentials;
use crate::output::Output;
use crate::project::MemberTarget;
use crate::project::Project;
use crate::Error;

/// The target the binaries of assembled images are built for: static
/// executables for the platform's x86-64 Linux.
pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

/// A compiled, static binary.
#[derive(Debug, Clone)]
pub struct CompiledBinary {
    /// The executable.
    pub path: PathBuf,
    /// Cargo's dep-info file for it: every source file it was built from.
    pub dep_info: PathBuf,
}

/// Compiles `target` (a binary of a workspace member) for [`MUSL_TARGET`]
/// with `request`'s profile and the features its package declares, adding
/// the target through rustup first when the toolchain lacks it, and checks
/// that the result is static.
pub fn static_binary(
    project: &Project,
    target: &MemberTarget,
    request: &BuildRequest,
    out: &Output,
) -> Result<CompiledBinary, Error> {
    ensure_target(project, out)?;
    let failed = |why: String, fix: &str| Error::Build {
        package: target.package.clone(),
        target: MUSL_TARGET.to_string(),
        why,
        fix: fix.to_string(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.without_credentials().arg("build").arg("--manifest-path").arg(&target.manifest_path);
    cmd.args(["--bin", &target.name, "--target", MUSL_TARGET, "--message-format", "json"]);
    if request.release {
        cmd.arg("--release");
    }
    cmd.args(features_for(target, &request.feature_args));
    RustFlags::new(&project.target_dir).apply(&mut cmd);
    if out.is_quiet() {
        cmd.arg("--quiet").stderr(Stdio::null());
    }
    out.verbose(&format!("running {cmd:?}"));
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run cargo: {e}"), "install Rust with rustup and rerun"))?;
    let mut executable = None;
    let mut first_error = None;
    for message in Message::parse_stream(BufReader::new(child.stdout.take().expect("stdout is piped"))) {
        match message {
            Ok(Message::CompilerArtifact(artifact))
                if artifact.target.name == target.name && artifact.target.is_bin() =>
            {
                executable = artifact.executable.map(|e| e.into_std_path_buf());
            }
            Ok(Message::CompilerMessage(message)) => {
                let diagnostic = message.message;
                if !out.is_quiet() {
                    eprint!("{}", diagnostic.rendered.as_deref().unwrap_or_default());
                }
                if first_error.is_none() && diagnostic.level == DiagnosticLevel::Error {
                    let at = diagnostic.spans.iter().find(|s| s.is_primary);
                    let at = at.map(|s| format!(" at {}:{}:{}", s.file_name, s.line_start, s.column_start));
                    first_error = Some(format!("{}{}", diagnostic.message, at.unwrap_or_default()));
                }
            }
            _ => {}
        }
    }
    let status = child.wait().map_err(|e| failed(e.to_string(), "rerun"))?;
    if !status.success() {
        let why = first_error.unwrap_or_else(|| format!("cargo exited with {status}"));
        return Err(failed(why, "fix it and rerun"));
    }
    let path = executable
        .ok_or_else(|| failed(format!("cargo reported no executable for `{}`", target.name), "fix it and rerun"))?;
    check_static(&target.name, &path)?;
    Ok(CompiledBinary { dep_info: path.with_extension("d"), path })
}

/// Adds [`MUSL_TARGET`] to the toolchain through rustup when it lacks it.
fn ensure_target(project: &Project, out: &Output) -> Result<(), Error> {
    if has_target(MUSL_TARGET) {
        return Ok(());
    }
    let missing = |why: String| Error::Tool {
        tool: "the x86_64-unknown-linux-musl target",
        why,
        fix: format!("run `rustup target add {MUSL_TARGET}` (or install your toolchain's standard library for it)"),
    };
    let progress = out.progress(&format!("Adding the {MUSL_TARGET} target (rustup target add)"));
    let added = Command::new("rustup")
        .without_credentials()
        .args(["target", "add", MUSL_TARGET])
        .current_dir(&project.dir)
        .stdin(Stdio::null())
        .output();
    match added {
        Ok(output) if output.status.success() && has_target(MUSL_TARGET) => {
            progress.done(&format!("{:>12} the {MUSL_TARGET} target", "Added"));
            Ok(())
        }
        Ok(output) => {
            progress.fail();
            let stderr = String::from_utf8_lossy(&output.stderr);
            let why = stderr.lines().find(|l| l.contains("error")).unwrap_or("rustup did not add it").trim();
            Err(missing(format!("the toolchain lacks it and rustup could not add it ({why})")))
        }
        Err(e) => {
            progress.fail();
            Err(missing(format!("the toolchain lacks it and rustup cannot be run ({e})")))
        }
    }
}

/// Refuses an executable that needs a loader or shared libraries.
fn check_static(name: &str, path: &std::path::Path) -> Result<(), Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
    let why = match linkage(&bytes) {
        Ok(Linkage::Static) => return Ok(()),
        Ok(Linkage::Dynamic { interpreter: Some(loader), .. }) => format!("it asks for the dynamic loader {loader}"),
        Ok(Linkage::Dynamic { needed, .. }) => {
            format!("it needs {needed} shared librar{}", if needed == 1 { "y" } else { "ies" })
        }
        Err(why) => why,
    };
    Err(Error::NotStatic { binary: name.to_string(), path: path.to_path_buf(), why })
}

/// The run's feature arguments that apply to `target`'s package: a
/// feature it declares (or `<package>/<feature>`), and `--all-features`
/// and `--no-default-features` as they are. The Worker's own features
/// are left out: cargo refuses a feature the package does not have.
fn features_for(target: &MemberTarget, feature_args: &[String]) -> Vec<String> {
    let mut args = Vec::new();
    let mut kept = Vec::new();
    let mut items = feature_args.iter();
    while let Some(arg) = items.next() {
        match arg.as_str() {
            "--features" => {
                let list = items.next().map(String::as_str).unwrap_or_default();
                for feature in list.split([' ', ',']).filter(|f| !f.is_empty()) {
                    let own = match feature.split_once('/') {
                        Some((package, feature)) if package == target.package => Some(feature),
                        Some(_) => None,
                        None => Some(feature),
                    };
                    if let Some(feature) = own.filter(|f| target.features.iter().any(|d| d == f)) {
                        kept.push(feature.to_string());
                    }
                }
            }
            other => args.push(other.to_string()),
        }
    }
    if !kept.is_empty() {
        args.extend(["--features".to_string(), kept.join(",")]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_features_the_binarys_package_declares_reach_its_build() {
        let target = MemberTarget {
            package: "server".into(),
            manifest_path: PathBuf::from("/w/server/Cargo.toml"),
            name: "api-server".into(),
            kinds: vec!["bin".into()],
            features: vec!["metrics".into(), "tls".into()],
        };
        let args: Vec<String> =
            ["--features", "metrics,worker-only", "--features", "server/tls other/tls", "--no-default-features"]
                .map(String::from)
                .to_vec();
        assert_eq!(features_for(&target, &args), ["--no-default-features", "--features", "metrics,tls"]);
        assert!(features_for(&target, &["--features".into(), "worker-only".into()]).is_empty());
    }
}
