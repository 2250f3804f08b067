//! Workers written with the official JS library (`@cloudflare/containers`),
//! bundled as wrangler would bundle them (esbuild: one ES module,
//! `cloudflare:*` left to the runtime), to serve beside ours.

use std::path::PathBuf;
use std::process::Command;

use super::{prerequisite, root, stderr};

/// testsupport/`name`'s `worker.js` bundled with the JS library its
/// `package.json` pins (installed from the npm registry once, into
/// target/`name`); the bundle's path, or `None` when npm or esbuild is
/// missing outside CI.
pub fn bundle(name: &str) -> Option<PathBuf> {
    let esbuild = std::env::var("ESBUILD_BIN").ok();
    let npm = Command::new("npm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !prerequisite(esbuild.is_some() && npm, "npm and esbuild (ESBUILD_BIN)") {
        return None;
    }
    let (source, dir) = (root().join("testsupport").join(name), root().join("target").join(name));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["package.json", "worker.js"] {
        std::fs::copy(source.join(file), dir.join(file)).unwrap();
    }
    if !dir.join("node_modules/@cloudflare/containers/package.json").is_file() {
        let install = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(install.status.success(), "npm install of the JS library failed:\n{}", stderr(&install));
    }
    let out = dir.join("index.js");
    let built = Command::new(esbuild.unwrap())
        .arg(dir.join("worker.js"))
        .args(["--bundle", "--format=esm", "--platform=neutral", "--log-level=warning", "--external:cloudflare:*"])
        .arg(format!("--outfile={}", out.display()))
        .output()
        .unwrap();
    assert!(built.status.success(), "esbuild failed:\n{}", stderr(&built));
    Some(out)
}
