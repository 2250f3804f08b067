//! A Worker moving between the official CLI (wrangler 4.164) and this tool,
//! both ways, with the same crate and wrangler file: no migration error,
//! no second application, and the account as the official CLI alone
//! would leave it, besides this tool's own parts.

use cf_api_emulator::Emulator;
use serde_json::{json, Value};

use crate::support::account::*;
use crate::support::cloud::emulator;
use crate::support::parity::*;
use crate::support::*;

/// The wrangler file both tools deploy: a container class with its
/// migration, as `cargo cfcontainer wrangler` writes one.
fn file(name: &str) -> String {
    format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n\n[[durable_objects.bindings]]\nname = \"WEB\"\nclass_name = \"Web\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Web\"]\n\n[[containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\nmax_instances = 20\n"
    )
}

struct Switch {
    wrangler: std::path::PathBuf,
    fixture: Fixture,
    file: String,
    files: Vec<(String, String)>,
    name: String,
}

impl Switch {
    fn new(prefix: &str) -> Option<Switch> {
        let wrangler = wrangler_bin()?;
        let name = unique(prefix);
        let fixture = worker_fixture(&name, WEB);
        let file = file(&name);
        std::fs::write(fixture.path().join("wrangler.toml"), &file).unwrap();
        let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Web extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
        let read = |f: &str| std::fs::read_to_string(fixture.path().join(f)).unwrap();
        let files = vec![
            ("index.js".to_string(), index.to_string()),
            ("Dockerfile".to_string(), read("Dockerfile")),
            ("note.txt".to_string(), read("note.txt")),
        ];
        Some(Switch { wrangler, fixture, file, files, name })
    }

    fn official(&self, emulator: &Emulator) {
        let files: Vec<(&str, &str)> = self.files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
        official_deploy_with(&self.wrangler, emulator, &self.file, &[], &files);
    }

    fn ours(&self, emulator: &Emulator, extra: &[&str]) -> Value {
        let mut args = vec!["deploy"];
        args.extend(extra);
        ok_verb(emulator, &self.fixture.manifest(), &args, &[])
    }

    /// The account as both tools shape it, with the class's namespace and
    /// the migration tag, and how many applications there are.
    fn shape(&self, emulator: &Emulator) -> Value {
        let snapshot = emulator.snapshot();
        let mut shape = container_shape(emulator, &self.name);
        shape["classes"] = json!(snapshot["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["script"] == self.name)
            .map(|n| json!([n["class"], n["use_sqlite"]]))
            .collect::<Vec<_>>());
        shape["migration_tag"] = snapshot["scripts"][&self.name]["migration_tag"].clone();
        shape["applications"] = json!(snapshot["applications"].as_array().unwrap().len());
        // The upload's query is the last upload's: the same for both tools.
        shape
    }
}

/// What the official CLI alone leaves after `deploys` deploys.
fn official_alone(switch: &Switch, deploys: usize) -> Value {
    let alone = emulator().unwrap();
    for _ in 0..deploys {
        switch.official(&alone);
    }
    switch.shape(&alone)
}

#[test]
fn a_worker_the_official_cli_deployed_is_adopted_and_then_deployed_by_it_again() {
    let Some(emulator) = start() else { return };
    let Some(switch) = Switch::new("fromofficial") else { return };
    switch.official(&emulator);
    // Without --adopt, a Worker of another tool is not taken over.
    let (refused, _) = run_verb(&emulator, &switch.fixture.manifest(), &["deploy"], &[]);
    assert!(stderr(&refused).contains("rerun with --adopt"), "{}", stderr(&refused));
    let adopted = switch.ours(&emulator, &["--adopt"]);
    assert_eq!(adopted["plan"]["script"]["migrations"]["new"], json!([]), "no migration: {adopted}");
    let after_ours = switch.shape(&emulator);
    assert_eq!(after_ours["applications"], 1, "no second application: {after_ours}");
    assert_eq!(after_ours, official_alone(&switch, 1), "after official, ours");

    // And back: the official CLI deploys the project again, without error.
    switch.official(&emulator);
    assert_eq!(switch.shape(&emulator), official_alone(&switch, 2), "after official, ours, official");
}

#[test]
fn a_worker_this_tool_deployed_is_deployed_by_the_official_cli_and_then_by_this_tool_again() {
    let Some(emulator) = start() else { return };
    let Some(switch) = Switch::new("fromours") else { return };
    let first = switch.ours(&emulator, &[]);
    assert_eq!(emulator.snapshot()["scripts"][&switch.name]["migration_tag"], "v1", "the file's tag: {first}");
    assert_eq!(switch.shape(&emulator), official_alone(&switch, 1), "ours alone");

    switch.official(&emulator);
    assert_eq!(switch.shape(&emulator), official_alone(&switch, 1), "after ours, official");

    // The redeploy after the official CLI's makes only the writes the tool
    // change needs: the script again (the official upload replaced it and
    // dropped this tool's images record), its tags (its content's etag),
    // and the application's image (the official CLI names it by tag).
    let before = writes(&emulator).len();
    switch.ours(&emulator, &[]);
    let changed: Vec<String> = writes(&emulator)[before..].to_vec();
    let allowed = |w: &String| {
        w == &format!("PUT /workers/scripts/{}", switch.name)
            || w == &format!("PATCH /workers/scripts/{}/script-settings", switch.name)
            || (w.starts_with("PATCH /containers/applications/") || w.starts_with("POST /containers/applications/"))
    };
    assert!(changed.iter().all(allowed), "{changed:?}");
    assert!(changed.contains(&format!("PUT /workers/scripts/{}", switch.name)), "{changed:?}");
    assert_eq!(switch.shape(&emulator), official_alone(&switch, 1), "after ours, official, ours");
    let before = writes(&emulator).len();
    switch.ours(&emulator, &[]);
    assert_eq!(writes(&emulator).len(), before, "then a no-change redeploy writes nothing");
}

#[test]
fn adopting_a_worker_whose_classes_the_files_migrations_do_not_define_names_the_class_and_writes_nothing() {
    let Some(emulator) = start() else { return };
    let Some(switch) = Switch::new("strayclass") else { return };
    // The official CLI's Worker has a second class, `Chat`, which the
    // crate's file does not know.
    let with_chat = switch.file.replace("new_sqlite_classes = [\"Web\"]", "new_sqlite_classes = [\"Web\", \"Chat\"]");
    let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Web extends DurableObject {}\nexport class Chat extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
    let mut files: Vec<(&str, &str)> = switch.files.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    files[0] = ("index.js", index);
    official_deploy_with(&switch.wrangler, &emulator, &with_chat, &[], &files);
    let before = emulator.write_calls().len();
    let (out, _) = run_verb(&emulator, &switch.fixture.manifest(), &["deploy", "--adopt"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(last.contains("class `Chat`") && last.contains("deleted_classes = [\"Chat\"]"), "{last}");
    assert_eq!(emulator.write_calls().len(), before, "nothing written");
}
