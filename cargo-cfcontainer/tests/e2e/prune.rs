//! `images prune` deleting from the real local registry: what no kept
//! version nor live application uses goes, the rest stays and still rolls
//! back, and a prune stopped midway is finished by a rerun.

use cf_api_emulator::{Emulator, Registry};
use serde_json::{json, Value};

use crate::support::account::*;
use crate::support::cloud::registry;
use crate::support::*;

/// A Worker with container class `Web` deployed three times, each time
/// with a changed container, so each version ran its own image.
struct ThreeDeploys {
    emulator: Emulator,
    registry: Registry,
    fixture: Fixture,
    name: String,
    /// The deploys' results, oldest first.
    deployed: Vec<Value>,
}

fn three_deploys(prefix: &str) -> Option<ThreeDeploys> {
    let emulator = start()?;
    let registry = registry()?;
    let name = unique(prefix);
    let fixture = worker_fixture(&name, WEB);
    let mut deployed = Vec::new();
    for n in 0..3 {
        std::fs::write(fixture.path().join("note.txt"), format!("{name} {n}\n")).unwrap();
        deployed.push(ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]));
    }
    Some(ThreeDeploys { emulator, registry, fixture, name, deployed })
}

impl ThreeDeploys {
    fn verb(&self, args: &[&str]) -> Value {
        ok_verb(&self.emulator, &self.fixture.manifest(), args, &[])
    }

    /// The ids of the versions, oldest first.
    fn versions(&self) -> Vec<String> {
        let listed = self.verb(&["versions"]);
        let mut ids: Vec<String> =
            listed["versions"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_string()).collect();
        ids.reverse();
        ids
    }

    /// `(repository, digest)` of the image deploy `n` (0 = the first) ran.
    fn image(&self, n: usize) -> (String, String) {
        let image = self.deployed[n]["applications"][0]["image"].as_str().unwrap();
        let (name, digest) = image.split_once('@').unwrap();
        let repository = name.split_once('/').unwrap().1;
        (repository.to_string(), digest.to_string())
    }

    /// True if the registry still serves the image of deploy `n`.
    fn stored(&self, n: usize) -> bool {
        let (repository, digest) = self.image(n);
        self.registry.has_manifest(&repository, &digest).unwrap()
    }

    fn live_image(&self) -> String {
        self.emulator.snapshot()["applications"][0]["configuration"]["image"].as_str().unwrap().to_string()
    }

    /// `images prune` with `args`: its exit, the result and stderr.
    fn prune(&self, args: &[&str], extra: &[(&'static str, &str)]) -> (Option<i32>, Option<Value>, String) {
        let (code, lines, err) = self.prune_lines(args, extra);
        let result = lines.into_iter().find(|l| l["reason"] == "images-prune");
        (code, result, err)
    }

    /// `images prune` with `args`: its exit, every JSON line and stderr.
    fn prune_lines(&self, args: &[&str], extra: &[(&'static str, &str)]) -> (Option<i32>, Vec<Value>, String) {
        let mut verb = vec!["images", "prune"];
        verb.extend(args);
        let (out, _) = run_verb(&self.emulator, &self.fixture.manifest(), &verb, extra);
        let lines = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        (out.status.code(), lines, stderr(&out))
    }

    /// The tags a prune's result says it deleted.
    fn deleted(result: &Value) -> Vec<String> {
        let tags = result["tags"].as_array().cloned().unwrap_or_default();
        tags.iter().filter(|t| t["result"] == "deleted").map(|t| t["digest"].as_str().unwrap().to_string()).collect()
    }
}

#[test]
fn images_prune_deletes_only_what_no_kept_version_nor_the_live_application_runs_and_a_rollback_afterwards_still_works()
{
    let Some(w) = three_deploys("pruned") else { return };
    let [first, _, third] = <[String; 3]>::try_from(w.versions()).unwrap();
    // Back to the first deploy: the live application runs its image.
    w.verb(&["rollback", &first, "--yes"]);
    assert!(w.live_image().ends_with(&w.image(0).1), "{}", w.live_image());

    // Keeping the newest version only: its image (the third) and the live
    // one (the first) stay; the second's goes.
    let (code, result, err) = w.prune(&["--keep-versions", "1", "--yes"], &[]);
    assert_eq!(code, Some(0), "{err}");
    let result = result.unwrap_or_else(|| panic!("no result: {err}"));
    assert_eq!(ThreeDeploys::deleted(&result), [w.image(1).1], "{result}");
    // The local registry (distribution 2.8) has no `PUT /v2/gc/layers`.
    assert_eq!(result["layers"], json!("not_offered"), "{result}");
    assert_eq!((w.stored(0), w.stored(1), w.stored(2)), (true, false, true), "the registry after the prune");
    let application = format!("{}-web", w.name);
    let images = w.verb(&["images"]);
    let ours = images["repositories"].as_array().unwrap().iter().find(|r| r["name"] == json!(application)).cloned();
    assert_eq!(ours.map(|r| r["tags"].as_array().unwrap().len()), Some(2), "{images}");

    // Forward to the newest version: its image is still there.
    w.verb(&["rollback", &third, "--yes"]);
    assert!(w.live_image().ends_with(&w.image(2).1), "{}", w.live_image());

    // The first image was kept for the live application only: now that
    // the newest runs, it goes too; then nothing is left to delete, and
    // nothing is asked of the registry.
    let (code, result, err) = w.prune(&["--keep-versions", "1", "--yes"], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(ThreeDeploys::deleted(&result.unwrap()), [w.image(0).1]);
    assert_eq!((w.stored(0), w.stored(2)), (false, true), "the registry after the second prune");
    let (code, lines, err) = w.prune_lines(&["--keep-versions", "1", "--yes"], &[]);
    assert_eq!(code, Some(0), "{err}");
    let reasons: Vec<&str> = lines.iter().filter_map(|l| l["reason"].as_str()).collect();
    assert_eq!(reasons, ["images-prune"], "the plan as the result, and no delete: {lines:?}");
    assert_eq!(lines[0]["delete"], json!([]), "a plan with nothing to delete");
}

#[test]
fn a_prune_killed_after_its_first_delete_is_finished_by_a_rerun() {
    let Some(w) = three_deploys("killprune") else { return };
    let (code, _, err) =
        w.prune(&["--keep-versions", "1", "--yes"], &[("CFCONTAINER_TEST_KILL_AFTER_REGISTRY_DELETES", "1")]);
    assert_eq!(code, Some(137), "the hook did not kill after the first delete: {err}");
    let left = [w.stored(0), w.stored(1)];
    assert_eq!(left.iter().filter(|s| **s).count(), 1, "one of the two old images deleted before the kill");

    let (code, result, err) = w.prune(&["--keep-versions", "1", "--yes"], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(ThreeDeploys::deleted(&result.unwrap()).len(), 1, "the rerun deletes the one left");
    assert_eq!((w.stored(0), w.stored(1), w.stored(2)), (false, false, true), "the registry after the rerun");
}

#[test]
fn a_prune_without_a_terminal_and_without_yes_deletes_nothing_and_says_to_add_it() {
    let Some(w) = three_deploys("askprune") else { return };
    let (code, lines, err) = w.prune_lines(&["--keep-versions", "1"], &[]);
    assert_eq!(code, Some(1), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: ") && last.contains("rerun with --yes"), "{last}");
    // The plan is shown first: the two older images.
    let plan = lines.iter().find(|l| l["reason"] == "images-prune-plan").unwrap_or_else(|| panic!("{lines:?}"));
    let planned: Vec<&str> = plan["delete"].as_array().unwrap().iter().map(|t| t["digest"].as_str().unwrap()).collect();
    assert_eq!(planned.len(), 2, "{plan}");
    assert!(planned.contains(&w.image(0).1.as_str()) && planned.contains(&w.image(1).1.as_str()), "{plan}");
    assert_eq!(lines.last().map(|l| l["reason"].clone()), Some(json!("error")), "{lines:?}");
    assert_eq!((w.stored(0), w.stored(1), w.stored(2)), (true, true, true), "nothing deleted");
}

#[test]
fn images_delete_refuses_the_live_image_and_a_kept_versions_without_force_and_names_a_near_repository() {
    let Some(w) = three_deploys("delone") else { return };
    let repository = format!("{}-web", w.name);
    let images = w.verb(&["images"]);
    let ours = images["repositories"].as_array().unwrap().iter().find(|r| r["name"] == json!(repository)).cloned();
    let tags = ours.unwrap_or_else(|| panic!("{images}"))["tags"].as_array().unwrap().clone();
    let tag_of = |n: usize| {
        let digest = w.image(n).1;
        let tag = tags.iter().find(|t| t["digest"] == json!(digest)).unwrap_or_else(|| panic!("{digest} in {tags:?}"));
        format!("{repository}:{}", tag["tag"].as_str().unwrap())
    };
    let delete = |args: &[&str]| {
        let mut verb = vec!["images", "delete"];
        verb.extend(args);
        let (out, _) = run_verb(&w.emulator, &w.fixture.manifest(), &verb, &[]);
        let last = stderr(&out).lines().last().unwrap_or_default().to_string();
        (out.status.code(), last, stdout(&out))
    };

    let (code, last, _) = delete(&[&tag_of(2), "--yes"]);
    assert_eq!(code, Some(1), "{last}");
    assert!(last.contains("refusing to delete") && last.contains("live application"), "{last}");
    let (code, last, _) = delete(&[&tag_of(0), "--yes"]);
    assert_eq!(code, Some(1), "{last}");
    assert!(last.contains("version 1") && last.contains("--force"), "{last}");
    let typo = format!("{}-wbe:0123", w.name);
    let (code, last, _) = delete(&[&typo, "--yes"]);
    assert_eq!(code, Some(1), "{last}");
    assert!(last.contains(&format!("did you mean `{repository}`?")), "{last}");
    let (code, last, _) = delete(&["NoTag", "--yes"]);
    assert_eq!((code, last.contains("is no IMAGE:TAG")), (Some(1), true), "{last}");
    assert_eq!((w.stored(0), w.stored(1), w.stored(2)), (true, true, true), "nothing deleted so far");

    let (code, last, out) = delete(&[&tag_of(0), "--force", "--yes"]);
    assert_eq!(code, Some(0), "{last}");
    let result: Value =
        serde_json::from_str(out.lines().find(|l| l.contains(r#""reason":"images-delete""#)).unwrap()).unwrap();
    assert_eq!(ThreeDeploys::deleted(&result), [w.image(0).1], "{result}");
    assert_eq!((w.stored(0), w.stored(1), w.stored(2)), (false, true, true), "only the first image deleted");
}
