//! The README can be followed alone: its `toml` block is a worker crate's
//! Cargo.toml and each of its `rust` blocks (but those marked
//! `<!-- fragment -->` on the line before) a whole `src/lib.rs` of that
//! crate, and every one builds for wasm32 as written, against this
//! checkout's runtime. The crates are members of one workspace built at
//! once, in the fixtures' shared target directory.

use std::path::Path;
use std::process::Command;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::support::{has_wasm_target, prerequisite, root};

/// The marker before a code block that is not a whole file.
const FRAGMENT: &str = "<!-- fragment -->";

/// One fenced code block.
struct Block {
    /// Its language (the info string's first word).
    language: String,
    text: String,
    /// Marked as a fragment.
    fragment: bool,
}

/// The fenced code blocks of `markdown`, in order.
fn code_blocks(markdown: &str) -> Vec<Block> {
    let (mut blocks, mut open, mut marked) = (Vec::new(), None::<Block>, false);
    for event in Parser::new(markdown) {
        match event {
            Event::Html(html) if html.trim() == FRAGMENT => marked = true,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let language = info.split([',', ' ']).next().unwrap_or_default().to_string();
                open = Some(Block { language, text: String::new(), fragment: std::mem::take(&mut marked) });
            }
            Event::Text(text) => {
                if let Some(block) = open.as_mut() {
                    block.text.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => blocks.extend(open.take()),
            // The marker belongs to the block right after it.
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(_) => marked = false,
            _ => {}
        }
    }
    blocks
}

/// `manifest` with its package named `name`.
fn renamed(manifest: &str, name: &str) -> String {
    let mut document: toml_edit::DocumentMut = manifest.parse().expect("the README's Cargo.toml parses");
    document["package"]["name"] = toml_edit::value(name);
    document.to_string()
}

/// Writes crate `name` (the README's `manifest`, renamed, and `lib_rs`)
/// with a Dockerfile, as the attribute's default expects, into `dir`.
fn write_crate(dir: &Path, name: &str, manifest: &str, lib_rs: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), renamed(manifest, name)).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib_rs).unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
}

#[test]
fn the_readmes_worker_crate_and_each_of_its_rust_blocks_build_for_wasm32_as_written() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks = code_blocks(&readme);
    let manifests: Vec<&Block> =
        blocks.iter().filter(|b| b.language == "toml" && b.text.contains("[package]")).collect();
    assert_eq!(manifests.len(), 1, "the README shows one worker crate Cargo.toml");
    let manifest = &manifests[0].text;
    let libs: Vec<&Block> = blocks.iter().filter(|b| b.language == "rust" && !b.fragment).collect();
    // The top example, own Durable Object logic and a job at least.
    assert!(libs.len() >= 3, "only {} whole rust blocks found", libs.len());

    let workspace = tempfile::Builder::new().prefix("cfc-readme-").tempdir().unwrap();
    let members: Vec<String> = (1..=libs.len()).map(|n| format!("block-{n}")).collect();
    for (member, lib) in members.iter().zip(&libs) {
        write_crate(&workspace.path().join(member), &format!("readme-{member}"), manifest, &lib.text);
    }
    // The README asks for cfcontainer by version; this checkout's is that version.
    let root_manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = {members:?}\n\n[patch.crates-io]\ncfcontainer = {{ path = {:?} }}\n",
        root().join("runtime").display().to_string()
    );
    std::fs::write(workspace.path().join("Cargo.toml"), root_manifest).unwrap();
    // The workspace's lock pins the same versions, so nothing resolves anew.
    std::fs::copy(root().join("Cargo.lock"), workspace.path().join("Cargo.lock")).unwrap();
    let built = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--workspace", "--target", "wasm32-unknown-unknown"])
        .current_dir(workspace.path())
        .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
        .output()
        .unwrap();
    let blocks_as_built: Vec<String> =
        members.iter().zip(&libs).map(|(member, lib)| format!("--- {member}:\n{}", lib.text)).collect();
    assert!(
        built.status.success(),
        "a README block does not build:\n{}\n{}",
        String::from_utf8_lossy(&built.stderr),
        blocks_as_built.join("\n")
    );
}

#[test]
fn a_fragment_marker_applies_to_the_block_right_after_it_only() {
    let markdown = "```rust\nfn a() {}\n```\n\n<!-- fragment -->\n```rust\nlet b = 1;\n```\n\n<!-- fragment -->\n\nText between.\n\n```toml\n[package]\n```\n";
    let blocks = code_blocks(markdown);
    let seen: Vec<(&str, &str, bool)> =
        blocks.iter().map(|b| (b.language.as_str(), b.text.as_str(), b.fragment)).collect();
    assert_eq!(seen, [("rust", "fn a() {}\n", false), ("rust", "let b = 1;\n", true), ("toml", "[package]\n", false)]);
}
