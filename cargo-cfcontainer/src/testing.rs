//! Helpers for the unit tests.

/// A temporary directory holding `files` (path, content).
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A worker crate called `name` with `files` beside its Cargo.toml (a
/// wrangler file, say), loaded for environment `env` as the verbs load it.
pub fn project(name: &str, files: &[(&str, &str)], env: Option<&str>) -> (tempfile::TempDir, crate::project::Project) {
    let manifest = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nworker = \"0.8.7\"\n");
    let mut all = vec![("Cargo.toml", manifest.as_str()), ("src/lib.rs", "")];
    all.extend_from_slice(files);
    let dir = tree(&all);
    let project = crate::project::Project::load(Some(&dir.path().join("Cargo.toml")), None, env).unwrap();
    (dir, project)
}
