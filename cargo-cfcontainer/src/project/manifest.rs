//! Which package a run works on, found as cargo finds it: the nearest
//! `Cargo.toml` from the current directory upward (or `--manifest-path`),
//! the package it names or `-p`, else the workspace's only worker; and
//! whether that package is a Worker crate at all (a `cdylib` that uses
//! workers-rs), checked before anything is built.

use std::path::{Path, PathBuf};

use cargo_metadata::Package;

use crate::Error;

/// The manifest a run reads: `given`, else the nearest `Cargo.toml` in
/// the current directory or above it (as cargo looks for it).
pub fn manifest(given: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(given) = given {
        return Ok(given.to_path_buf());
    }
    let here =
        std::env::current_dir().map_err(|e| Error::Io { what: "read the current directory".into(), source: e })?;
    here.ancestors().map(|dir| dir.join("Cargo.toml")).find(|m| m.is_file()).ok_or(Error::NoManifest { dir: here })
}

/// The package to work on: the one `package` names, else the one whose
/// manifest was found, else the only member, else the only member that
/// is a Worker crate.
pub fn select<'a>(members: &[&'a Package], manifest: &Path, package: Option<&str>) -> Result<&'a Package, Error> {
    let names = |packages: &[&Package]| packages.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
    if let Some(name) = package {
        return members
            .iter()
            .find(|p| p.name.as_str() == name)
            .copied()
            .ok_or_else(|| Error::NoSuchPackage { name: name.to_string(), members: names(members) });
    }
    let wanted = std::fs::canonicalize(manifest).ok();
    if let Some(named) =
        members.iter().find(|p| wanted.is_some() && std::fs::canonicalize(&p.manifest_path).ok() == wanted)
    {
        return Ok(named);
    }
    if let [only] = members {
        return Ok(only);
    }
    let workers: Vec<&Package> = members.iter().copied().filter(|p| is_cdylib(p) && uses_workers_rs(p)).collect();
    match workers.as_slice() {
        [only] => Ok(only),
        [] => Err(Error::AmbiguousPackage { members: names(members) }),
        several => Err(Error::AmbiguousPackage { members: names(several) }),
    }
}

/// The library target of a Worker crate: a `cdylib` (what wasm-bindgen
/// and worker-build take), of a package that uses workers-rs.
pub fn worker_library(package: &Package) -> Result<&cargo_metadata::Target, Error> {
    let name = package.name.to_string();
    let lib = package
        .targets
        .iter()
        .find(|t| t.kind.iter().any(|k| matches!(k.to_string().as_str(), "cdylib" | "lib" | "rlib")))
        .ok_or_else(|| Error::NoLibrary { package: name.clone() })?;
    if !is_cdylib(package) {
        return Err(Error::NotCdylib { package: name, manifest: package.manifest_path.clone().into_std_path_buf() });
    }
    if !uses_workers_rs(package) {
        return Err(Error::NotAWorker { package: name });
    }
    Ok(lib)
}

fn is_cdylib(package: &Package) -> bool {
    package.targets.iter().any(|t| t.kind.iter().any(|k| k.to_string() == "cdylib"))
}

/// True if the package depends on workers-rs (`worker`), itself or
/// through the cfcontainer runtime.
fn uses_workers_rs(package: &Package) -> bool {
    package.dependencies.iter().any(|d| matches!(d.name.as_str(), "worker" | "cfcontainer"))
}
