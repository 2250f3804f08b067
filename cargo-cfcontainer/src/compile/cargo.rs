//! The worker crate compiled by cargo when stale, located on disk.

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use cargo_metadata::Message;

use super::{BuildRequest, RustFlags, WASM_TARGET};
use crate::child::WithoutCredentials;
use crate::error::one_line;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// The artifact of `project` for `request`, building it first unless our
/// last build of it had the same request, nothing rebuilt it since, and no
/// input cargo recorded for it (its dep-info file) changed since that build
/// started. That keeps repeated reads as fast as reading a file; anything
/// else asks cargo.
pub fn ensure_built(project: &Project, request: &BuildRequest, out: &Output) -> Result<PathBuf, Error> {
    let flags = RustFlags::new(&project.target_dir);
    let expected = expected_path(project, request);
    if is_fresh(project, request, &flags, &expected) {
        out.verbose(&format!("{} is up to date", expected.display()));
        return Ok(expected);
    }
    let started = SystemTime::now();
    let built = build(project, request, &flags, out)?;
    // The stamp carries the build's start time: an edit made while cargo
    // ran is newer than it. A missing stamp only costs the next run a cargo call.
    let _ = write_stamp(&stamp_path(&built), &stamp_text(request, &flags, &built), started);
    Ok(built)
}

/// The request and flags, and the artifact's mtime right after our build:
/// a stamp matches only while nobody else rebuilt the artifact.
fn stamp_text(request: &BuildRequest, flags: &RustFlags, artifact: &Path) -> String {
    let artifact_time = mtime(artifact).and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok());
    format!("{}{flags:?}\nartifact-mtime={:?}\n", request.key(), artifact_time)
}

fn write_stamp(path: &Path, key: &str, time: SystemTime) -> std::io::Result<()> {
    std::fs::write(path, key)?;
    std::fs::File::options().write(true).open(path)?.set_modified(time)
}

fn stamp_path(artifact: &Path) -> PathBuf {
    artifact.with_extension("cfcontainer-stamp")
}

/// Where cargo puts the library for this target and profile.
fn expected_path(project: &Project, request: &BuildRequest) -> PathBuf {
    let profile = if request.release { "release" } else { "debug" };
    let host = request.target == host_triple();
    let dir =
        if host { project.target_dir.join(profile) } else { project.target_dir.join(request.target).join(profile) };
    let file = if request.target.starts_with("wasm32") {
        format!("{}.wasm", project.lib_name)
    } else if request.target.contains("apple") {
        format!("lib{}.dylib", project.lib_name)
    } else if request.target.contains("windows") {
        format!("{}.dll", project.lib_name)
    } else {
        format!("lib{}.so", project.lib_name)
    };
    dir.join(file)
}

/// True if rustc's sysroot has the standard library for `target`.
pub fn has_target(target: &str) -> bool {
    super::flags::sysroot().is_some_and(|sysroot| sysroot.join("lib/rustlib").join(target).is_dir())
}

/// The host's target triple, as rustc reports it (compiled in).
pub fn host_triple() -> &'static str {
    env!("CFC_HOST_TRIPLE")
}

fn is_fresh(project: &Project, request: &BuildRequest, flags: &RustFlags, artifact: &Path) -> bool {
    let stamp = stamp_path(artifact);
    let Some(built) = mtime(&stamp) else { return false };
    if std::fs::read_to_string(&stamp).ok() != Some(stamp_text(request, flags, artifact)) {
        return false;
    }
    let Ok(dep_info) = std::fs::read_to_string(artifact.with_extension("d")) else { return false };
    let Some((_, inputs)) = dep_info.lines().next().and_then(|l| l.split_once(": ")) else { return false };
    let lock = project.workspace_manifest.with_file_name("Cargo.lock");
    let extra = [project.manifest_path.clone(), project.workspace_manifest.clone(), lock];
    dep_info_paths(inputs).into_iter().chain(extra).all(|input| mtime(&input).is_some_and(|m| m <= built))
}

/// Splits a dep-info input list on unescaped spaces.
pub fn dep_info_paths(list: &str) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => {
                if !current.is_empty() {
                    paths.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(PathBuf::from(current));
    }
    paths
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Runs `cargo build --lib` and returns the library it produced. cargo's
/// output is passed on as it comes (kept back with `-q`, and shown then
/// only on failure); a failure names the first error cargo rendered, so
/// that the one line (and the JSON message) says what is wrong.
fn build(project: &Project, request: &BuildRequest, flags: &RustFlags, out: &Output) -> Result<PathBuf, Error> {
    let failed = |why: String, fix: &str| Error::Build {
        package: project.package.clone(),
        target: request.target.to_string(),
        why,
        fix: fix.to_string(),
    };
    if request.target == WASM_TARGET && !has_target(WASM_TARGET) {
        return Err(failed(
            format!("the {WASM_TARGET} target is not installed"),
            &format!("run `rustup target add {WASM_TARGET}`"),
        ));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.without_credentials().arg("build").arg("--lib").arg("--manifest-path").arg(&project.manifest_path).args([
        "--target",
        request.target,
        "--message-format",
        "json-render-diagnostics",
    ]);
    if request.release {
        cmd.arg("--release");
    }
    cmd.args(&request.feature_args);
    flags.apply(&mut cmd);
    project.set_bindings_env(&mut cmd);
    let quiet = out.is_quiet();
    if quiet {
        cmd.arg("--quiet");
    } else if std::io::stderr().is_terminal() {
        // Its stderr is a pipe (read below): colours as if it were ours.
        cmd.args(["--color", "always"]);
    }
    out.verbose(&format!("running {cmd:?}"));
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run cargo: {e}"), "install Rust with rustup and rerun"))?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let passed_on = std::thread::spawn(move || pass_on(stderr, !quiet));
    let mut artifact = None;
    let reader = BufReader::new(child.stdout.take().expect("stdout is piped"));
    for message in Message::parse_stream(reader) {
        match message {
            Ok(Message::CompilerArtifact(a))
                if a.manifest_path.as_std_path() == project.manifest_path
                    && a.target.name.replace('-', "_") == project.lib_name =>
            {
                artifact =
                    a.filenames.iter().find(|f| is_library(f.as_std_path())).map(|f| f.clone().into_std_path_buf());
            }
            _ => {}
        }
    }
    let status = child.wait().map_err(|e| failed(e.to_string(), "rerun"))?;
    let captured = passed_on.join().unwrap_or_default();
    if !status.success() {
        if quiet {
            eprint!("{captured}");
        }
        let why = first_error(&captured).unwrap_or_else(|| format!("cargo exited with {status}"));
        return Err(failed(why, "fix it and rerun (cargo's whole output is above)"));
    }
    artifact.ok_or_else(|| {
        failed("cargo reported no cdylib artifact".into(), "set `[lib] crate-type = [\"cdylib\"]` in its Cargo.toml")
    })
}

/// Copies cargo's stderr to ours (when `show`) and returns it.
fn pass_on(from: impl std::io::Read, show: bool) -> String {
    let mut kept = String::new();
    for line in BufReader::new(from).lines().map_while(Result::ok) {
        if show {
            eprintln!("{line}");
        }
        kept.push_str(&line);
        kept.push('\n');
    }
    kept
}

/// The first error in cargo's rendered output as one line, with the place
/// rustc points at when it names one: `error[E0425]: cannot find value
/// `x` in this scope at src/lib.rs:3:5`. (With `json-render-diagnostics`
/// cargo renders rustc's messages itself and sends none of them as JSON,
/// so the rendered text is where they are.)
/// A cargo error with a chain of causes (a manifest it cannot read, a
/// dependency it cannot load) gives the whole chain: its first line alone
/// names the file, not what is wrong with it.
fn first_error(rendered: &str) -> Option<String> {
    let lines: Vec<String> = rendered.lines().map(without_colours).collect();
    let start = lines.iter().position(|l| l.starts_with("error"))?;
    // The error's own lines run until the next message (unindented text
    // other than cargo's "Caused by:").
    let own = lines[start + 1..]
        .iter()
        .take_while(|l| l.is_empty() || l.starts_with(char::is_whitespace) || *l == "Caused by:");
    let own: Vec<&String> = own.collect();
    if own.iter().any(|l| *l == "Caused by:") {
        let block: Vec<&str> = std::iter::once(&lines[start]).chain(own).map(String::as_str).collect();
        return Some(one_line(&block.join("\n")));
    }
    let at = own
        .first()
        .and_then(|l| l.trim_start().strip_prefix("--> ").map(|place| format!(" at {}", place.trim())))
        .unwrap_or_default();
    Some(format!("{}{at}", one_line(&lines[start])))
}

/// `line` without the terminal colour codes cargo wrote into it.
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // `ESC [ parameters letter`
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    plain
}

fn is_library(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("wasm" | "so" | "dylib" | "dll"))
}

#[cfg(test)]
mod tests {
    use super::dep_info_paths;
    use std::path::PathBuf;

    #[test]
    fn the_first_rendered_error_carries_the_place_rustc_points_at() {
        let rendered = "   Compiling app v0.1.0\n\u{1b}[1m\u{1b}[31merror[E0425]\u{1b}[0m: cannot find value `nope` in this scope\n \u{1b}[1m-->\u{1b}[0m src/lib.rs:1:21\n  |\nerror: could not compile `app`\n";
        assert_eq!(
            super::first_error(rendered).as_deref(),
            Some("error[E0425]: cannot find value `nope` in this scope at src/lib.rs:1:21")
        );
        let manifest = "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n  oops\n";
        assert_eq!(super::first_error(manifest).as_deref(), Some("failed to parse manifest at `/x/Cargo.toml`: oops"));
        assert_eq!(super::first_error("   Compiling app\n"), None);
    }

    #[test]
    fn colour_codes_are_taken_out_of_a_line() {
        assert_eq!(super::without_colours("\u{1b}[1m\u{1b}[31merror\u{1b}[0m: oops"), "error: oops");
    }

    #[test]
    fn dep_info_spaces_are_escaped() {
        let paths = dep_info_paths("/a/b.rs /c/with\\ space.rs  /d.rs");
        assert_eq!(paths, vec![PathBuf::from("/a/b.rs"), PathBuf::from("/c/with space.rs"), PathBuf::from("/d.rs")]);
    }
}
