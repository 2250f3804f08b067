//! The wrangler file's `containers` entries for the crate's container
//! classes. The attribute is their source: at the top level an entry (as
//! `cargo cfcontainer wrangler` writes them) must agree with it; an
//! environment's entries may set its deploy-time capacity
//! (`max_instances`, `instance_type`, the rollout, `constraints`), e.g. one
//! lite instance in staging and ten in production.

use cfcontainer_meta::wrangler::{ContainerEntry, InstanceTypeEntry, StepPercentage};
use cfcontainer_meta::{Constraints, ContainerMeta, InstanceType, Rollout, RolloutKind, STEP_PERCENTAGES};

use crate::project::WranglerSource;
use crate::Error;

/// Checks (top level) or applies (an environment) the entries of `source`
/// to `containers`.
pub fn apply(source: &WranglerSource, containers: &mut [ContainerMeta], env: Option<&str>) -> Result<(), Error> {
    let bad = |why: String| Error::WranglerSource { path: source.path.clone(), why };
    for (i, entry) in source.containers.iter().enumerate() {
        // A class no #[container] declares is the official CLI's business.
        let Some(meta) = containers.iter_mut().find(|c| c.class == entry.class_name) else { continue };
        let wanted = wanted(entry, meta).map_err(|why| bad(format!("`containers[{i}]`: {why}")))?;
        match env {
            Some(_) => overrides(meta, wanted),
            None => {
                if let Some((field, ours, theirs)) = disagreement(meta, &wanted) {
                    return Err(Error::ContainerEntryMismatch {
                        path: source.path.clone(),
                        class: meta.class.clone(),
                        field,
                        ours,
                        theirs,
                    });
                }
            }
        }
    }
    Ok(())
}

/// What an entry asks for, in the attribute's terms.
struct Wanted {
    max_instances: Option<u32>,
    instance_type: Option<InstanceType>,
    steps: Option<Vec<u8>>,
    kind: Option<RolloutKind>,
    constraints: Option<Constraints>,
}

fn wanted(entry: &ContainerEntry, meta: &ContainerMeta) -> Result<Wanted, String> {
    let instance_type = match &entry.instance_type {
        None => None,
        Some(InstanceTypeEntry::Named(name)) => {
            Some(InstanceType::named(name).ok_or_else(|| format!("unknown instance_type `{name}`"))?)
        }
        Some(InstanceTypeEntry::Custom { vcpu, memory_mib, disk_mb }) => {
            Some(InstanceType::Custom { vcpu: *vcpu, memory_mib: *memory_mib, disk_mb: *disk_mb })
        }
    };
    let steps = match &entry.rollout_step_percentage {
        None => None,
        Some(StepPercentage::Single(step)) => {
            let step = STEP_PERCENTAGES
                .into_iter()
                .find(|p| u64::from(*p) == *step)
                .ok_or(format!("rollout_step_percentage {step} is not one of 5, 10, 20, 25, 50, 100"))?;
            Some((1..=100 / step).map(|i| i * step).collect())
        }
        Some(StepPercentage::Steps(list)) => {
            let values: Vec<u64> = list.iter().map(|s| u64::from(*s)).collect();
            if !Rollout::is_step_list(&values) {
                return Err(format!(
                    "rollout_step_percentage {list:?} must list steps of 10 to 100, rising, ending at 100, e.g. [10, 50, 100]"
                ));
            }
            let max_instances = entry.max_instances.unwrap_or(meta.max_instances);
            if let Some(why) = Rollout::too_many_steps(list.len(), max_instances) {
                return Err(format!("rollout_step_percentage {list:?}: {why}"));
            }
            Some(list.clone())
        }
    };
    let kind = match &entry.rollout_kind {
        None => None,
        Some(k) => Some(RolloutKind::from_name(k).ok_or_else(|| format!("unknown rollout_kind `{k}`"))?),
    };
    let constraints = entry.constraints.as_ref().map(|c| Constraints {
        tiers: c.tiers.clone().unwrap_or_else(|| meta.constraints.tiers.clone()),
        regions: c.regions.iter().map(|r| r.to_uppercase()).collect(),
        jurisdiction: c.jurisdiction.as_ref().map(|j| j.to_lowercase()),
    });
    Ok(Wanted { max_instances: entry.max_instances, instance_type, steps, kind, constraints })
}

fn overrides(meta: &mut ContainerMeta, wanted: Wanted) {
    // Steps the attribute left to the default follow the environment's
    // size, as the official CLI picks them for its entry.
    let default_steps = meta.rollout.steps == Rollout::default_for(meta.max_instances).steps;
    meta.max_instances = wanted.max_instances.unwrap_or(meta.max_instances);
    meta.instance_type = wanted.instance_type.unwrap_or(meta.instance_type.clone());
    meta.rollout.steps = match wanted.steps {
        Some(steps) => steps,
        None if default_steps => Rollout::default_for(meta.max_instances).steps,
        None => meta.rollout.steps.clone(),
    };
    meta.rollout.kind = wanted.kind.unwrap_or(meta.rollout.kind);
    meta.constraints = wanted.constraints.unwrap_or(meta.constraints.clone());
}

/// The first field the entry sets to something else than the attribute:
/// (field, the attribute's value, the file's).
fn disagreement(meta: &ContainerMeta, wanted: &Wanted) -> Option<(String, String, String)> {
    let differs = |field: &str, ours: String, theirs: Option<String>| {
        theirs.filter(|t| *t != ours).map(|t| (field.to_string(), ours, t))
    };
    differs("max_instances", meta.max_instances.to_string(), wanted.max_instances.map(|m| m.to_string()))
        .or_else(|| {
            differs(
                "instance_type",
                format!("{:?}", meta.instance_type),
                wanted.instance_type.as_ref().map(|t| format!("{t:?}")),
            )
        })
        .or_else(|| {
            differs(
                "rollout_step_percentage",
                format!("{:?}", meta.rollout.steps),
                wanted.steps.as_ref().map(|s| format!("{s:?}")),
            )
        })
        .or_else(|| differs("rollout_kind", meta.rollout.kind.as_str().into(), wanted.kind.map(|k| k.as_str().into())))
        .or_else(|| {
            differs(
                "constraints",
                format!("{:?}", meta.constraints),
                wanted.constraints.as_ref().map(|c| format!("{c:?}")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(steps: StepPercentage, max_instances: Option<u32>) -> ContainerEntry {
        ContainerEntry {
            class_name: "Web".into(),
            name: None,
            max_instances,
            instance_type: None,
            rollout_step_percentage: Some(steps),
            rollout_kind: None,
            constraints: None,
        }
    }

    #[test]
    fn an_entrys_rollout_steps_are_held_to_the_official_clis_rules() {
        let meta = ContainerMeta::with_defaults("Web", "Web");
        let steps = |steps: StepPercentage, max: Option<u32>| wanted(&entry(steps, max), &meta).map(|w| w.steps);
        assert_eq!(steps(StepPercentage::Single(25), None), Ok(Some(vec![25, 50, 75, 100])));
        assert!(steps(StepPercentage::Single(30), None).unwrap_err().contains("not one of 5, 10, 20, 25, 50, 100"));
        assert!(steps(StepPercentage::Steps(vec![5, 100]), None).unwrap_err().contains("10 to 100"));
        assert!(steps(StepPercentage::Steps(vec![50, 20, 100]), None).unwrap_err().contains("rising"));
        let too_many = steps(StepPercentage::Steps(vec![10, 50, 100]), Some(2)).unwrap_err();
        assert!(too_many.contains("3 rollout steps for at most 2 instances"), "{too_many}");
        assert_eq!(steps(StepPercentage::Steps(vec![10, 50, 100]), Some(3)), Ok(Some(vec![10, 50, 100])));
    }
}
