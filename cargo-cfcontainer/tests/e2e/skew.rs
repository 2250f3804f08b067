//! A crate built with a runtime of another release than the CLI: a record
//! of a schema the CLI does not read stops every verb in one line naming
//! both versions and the command to run, before anything is built or
//! called; the records of the schemas it reads are the meta crate's tests.

use crate::support::account::*;
use crate::support::cloud::calls;
use crate::support::*;

/// A worker library whose metadata section holds `record` (JSON), framed
/// as the attribute frames its records, as a runtime of another release
/// would have written it.
fn with_record(name: &str, record: &str) -> Fixture {
    let mut framed = b"CFC\x01".to_vec();
    framed.extend((record.len() as u32).to_le_bytes());
    framed.extend(record.as_bytes());
    let bytes: Vec<String> = framed.iter().map(u8::to_string).collect();
    let lib = format!(
        "use worker::*;\n#[link_section = \"cfcontainer.meta\"]\n#[used]\nstatic RECORD: [u8; {}] = [{}];\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n",
        framed.len(),
        bytes.join(", ")
    );
    Fixture::new(name, &lib, "")
}

#[test]
fn a_crate_built_with_a_newer_runtime_stops_each_verb_in_one_line_naming_both_versions() {
    let Some(emulator) = start() else { return };
    let newer = include_str!("../../../meta/tests/records/schema-9.json").trim();
    let fixture = with_record(&unique("newer"), newer);
    for verb in ["deploy", "status", "inspect"] {
        let (out, _) = run_verb(&emulator, &fixture.manifest(), &[verb], &[]);
        assert_eq!(out.status.code(), Some(1), "{verb}: {}", stderr(&out));
        let err = stderr(&out);
        let last = err.lines().last().unwrap_or_default();
        let cli = env!("CARGO_PKG_VERSION");
        assert!(last.contains("was built with cfcontainer 0.9.0 (container metadata schema 9)"), "{verb}: {last}");
        assert!(last.contains(&format!("newer than cargo-cfcontainer {cli} reads")), "{verb}: {last}");
        assert!(last.contains("`cargo install cargo-cfcontainer@0.9.0`"), "{verb}: {last}");
        // Only the reads deploy makes before the build.
        assert!(emulator.write_calls().is_empty(), "{verb} wrote: {:?}", calls(&emulator));
        let reads = calls(&emulator).iter().all(|c| c.starts_with("GET ") || c.ends_with("/credentials"));
        assert!(reads, "{verb} called the API beyond its checks: {:?}", calls(&emulator));
    }
}

#[test]
fn a_crate_built_with_a_runtime_older_than_any_schema_read_says_to_update_it() {
    let Some(emulator) = start() else { return };
    let fixture = with_record(&unique("older"), r#"{"schema":2,"class":"Web"}"#);
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.contains("schema 2), older than") && last.contains("`cargo update -p cfcontainer`"), "{last}");
    assert!(emulator.write_calls().is_empty(), "{:?}", calls(&emulator));
}

#[test]
fn a_crate_built_with_the_runtime_before_assembled_images_is_still_read() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    // Schema 5: the records of the release before `binary = "..."`, whose
    // runtime a crate may still be built with.
    let name = unique("schemafive");
    let record = include_str!("../../../meta/tests/records/schema-5.json")
        .trim()
        .replace(r#""name": "app""#, &format!(r#""name": "{name}""#));
    let fixture = with_record(&name, &record);
    let args = ["inspect", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let out = cfcontainer(fixture.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out).lines().find(|l| l.contains(r#""reason":"inspect""#)).map(str::to_string).unwrap();
    let report: serde_json::Value = serde_json::from_str(&line).unwrap();
    let container = &report["containers"][0];
    assert_eq!((container["class"].as_str(), container["schema"].as_u64()), (Some("MyContainer"), Some(5)), "{report}");
    assert_eq!(container["image"]["dockerfile"]["dockerfile"], "Dockerfile");
}
