//! `cargo cfcontainer build` against the real engine: what goes into a
//! build context and how much memory packing it takes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn ready() -> bool {
    prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target")
        && prerequisite(crate::support::stack::docker_available(), "the Docker engine")
}

const ONE_CONTAINER: &str = "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;";

/// Runs `build --message-format json` in `dir`, sampling the peak resident
/// memory of the cargo-cfcontainer process itself (VmHWM) until it exits.
fn build_measured(dir: &Path) -> (std::process::Output, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"));
    cmd.args(["cfcontainer", "build", "--message-format", "json"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().split(' ').next()?.parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = std::process::Output {
        status,
        stdout: out.join().unwrap().into_bytes(),
        stderr: err.join().unwrap().into_bytes(),
    };
    (output, peak_kb / 1024)
}

fn built_reference(out: &std::process::Output) -> String {
    let report: Value = serde_json::from_str(stdout(out).lines().last().unwrap_or("{}")).unwrap();
    report["images"][0]["reference"].as_str().unwrap_or_default().to_string()
}

/// Every path in the image's filesystem.
fn image_files(reference: &str) -> Vec<String> {
    let created = Command::new("docker").args(["create", reference, "/none"]).output().unwrap();
    assert!(created.status.success(), "docker create: {}", String::from_utf8_lossy(&created.stderr));
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let export = Command::new("sh").arg("-c").arg(format!("docker export {id} | tar -t")).output().unwrap();
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
    String::from_utf8_lossy(&export.stdout).lines().map(str::to_string).collect()
}

#[test]
fn a_context_without_dockerignore_streams_keeps_build_output_and_secrets_out_and_its_tag_across_a_rust_edit() {
    if !ready() {
        return;
    }
    let fixture = Fixture::new(&unique("context"), ONE_CONTAINER, "");
    let dir = fixture.path();
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY . /app\nEXPOSE 8080\n").unwrap();
    // 200 MB of build output, sparse (it must not even be read).
    std::fs::create_dir_all(dir.join("target/debug")).unwrap();
    std::fs::File::create(dir.join("target/debug/huge.bin")).unwrap().set_len(200 << 20).unwrap();
    std::fs::create_dir_all(dir.join("build")).unwrap();
    std::fs::write(dir.join("build/index.js"), "export default {}").unwrap();
    std::fs::write(dir.join(".dev.vars"), "API_KEY=local-secret\n").unwrap();
    // 64 MB that does belong in the image: packing it must not hold it in memory.
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let mut blob = std::fs::File::create(dir.join("assets/blob.bin")).unwrap();
    for _ in 0..64 {
        std::io::Write::write_all(&mut blob, &block).unwrap();
    }

    let (out, peak_mb) = build_measured(dir);
    assert!(out.status.success(), "{}", stderr(&out));
    println!("peak memory of `cargo cfcontainer build` with a 64 MB context and 200 MB in target/: {peak_mb} MB");
    assert!(peak_mb < 100, "the build held {peak_mb} MB (target < 100 MB)");
    let warning = stdout(&out).lines().find(|l| l.contains(r#""reason":"warning""#)).unwrap_or_default().to_string();
    for left_out in ["target", "build", ".dev.vars", "src"] {
        assert!(warning.contains(&format!("\"{left_out}\"")), "the warning does not name {left_out}: {warning}");
    }
    let reference = built_reference(&out);
    let files = image_files(&reference);
    assert!(files.iter().any(|f| f == "app/assets/blob.bin"), "{files:?}");
    for gone in ["app/target", "app/build", "app/.dev.vars", "app/src"] {
        assert!(!files.iter().any(|f| f.starts_with(gone)), "the image holds {gone}: {files:?}");
    }

    // A Rust edit rebuilds the Worker, not the image.
    fixture.write_lib(&format!("{ONE_CONTAINER}\npub fn edited() {{}}\n"));
    let (again, _) = build_measured(dir);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(built_reference(&again), reference, "the tag changed after a Rust edit");
}

#[test]
fn two_copies_of_a_crate_sharing_a_target_dir_each_build_their_own_image() {
    if !ready() {
        return;
    }
    let first = Fixture::new(&unique("copies"), ONE_CONTAINER, "");
    std::fs::write(first.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /\nEXPOSE 8080\n").unwrap();
    std::fs::write(first.path().join("note.txt"), "the first copy\n").unwrap();
    let built = cfcontainer(first.path(), &["build", "--message-format", "json"]);
    assert!(built.status.success(), "{}", stderr(&built));
    // A copy that keeps the file times (`cp -p`, a second worktree), its
    // image's files edited: cargo finds the artifact it built for the
    // first copy fresh.
    let second = tempfile::Builder::new().prefix("cfc-copy-").tempdir().unwrap();
    let copied = Command::new("cp").arg("-a").arg(format!("{}/.", first.path().display())).arg(second.path()).status();
    assert!(copied.unwrap().success());
    std::fs::write(second.path().join("note.txt"), "the second copy\n").unwrap();
    let built_second = cfcontainer(second.path(), &["build", "--message-format", "json"]);
    assert!(built_second.status.success(), "{}", stderr(&built_second));
    let (first_image, second_image) = (built_reference(&built), built_reference(&built_second));
    assert_ne!(first_image, second_image, "the second copy got the first one's image");
    assert_eq!(image_file(&second_image, "note.txt"), "the second copy\n");
    // And back: the first copy still gets its own.
    let again = cfcontainer(first.path(), &["build", "--message-format", "json"]);
    assert_eq!(built_reference(&again), first_image);
}

/// The content of `path` in the image `reference`.
fn image_file(reference: &str, path: &str) -> String {
    let created = Command::new("docker").args(["create", reference, "/none"]).output().unwrap();
    assert!(created.status.success(), "docker create: {}", String::from_utf8_lossy(&created.stderr));
    let id = String::from_utf8_lossy(&created.stdout).trim().to_string();
    let copied = Command::new("docker").args(["cp", &format!("{id}:/{path}"), "-"]).output().unwrap();
    let _ = Command::new("docker").args(["rm", "-f", &id]).output();
    // `docker cp ... -` writes a tar of the one file.
    let mut archive = tar::Archive::new(copied.stdout.as_slice());
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    std::io::read_to_string(&mut entry).unwrap()
}

#[test]
fn a_container_declared_by_a_library_the_worker_uses_is_built_from_the_librarys_directory() {
    if !ready() {
        return;
    }
    // The library, outside the worker's workspace, with its own Dockerfile.
    let library = tempfile::Builder::new().prefix("cfc-library-").tempdir().unwrap();
    let name = unique("library");
    let manifest = format!(
        "[package]\nname = \"{name}-shared\"\nversion = \"0.3.0\"\nedition = \"2021\"\n\n[dependencies]\ncfcontainer = {{ path = \"{}\" }}\n",
        root().join("runtime").display()
    );
    std::fs::write(library.path().join("Cargo.toml"), manifest).unwrap();
    std::fs::create_dir_all(library.path().join("src")).unwrap();
    std::fs::write(library.path().join("src/lib.rs"), ONE_CONTAINER).unwrap();
    std::fs::write(library.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /\nEXPOSE 8080\n").unwrap();
    std::fs::write(library.path().join("note.txt"), "the library's\n").unwrap();
    let dependency = format!("shared = {{ package = \"{name}-shared\", path = \"{}\" }}", library.path().display());
    let worker = Fixture::new(&name, "pub use shared::Web;\n", &dependency);
    std::fs::write(worker.path().join("Dockerfile"), "FROM scratch\nEXPOSE 8080\n").unwrap();
    let built = cfcontainer(worker.path(), &["build", "--message-format", "json"]);
    assert!(built.status.success(), "{}", stderr(&built));
    assert_eq!(image_file(&built_reference(&built), "note.txt"), "the library's\n");
}
