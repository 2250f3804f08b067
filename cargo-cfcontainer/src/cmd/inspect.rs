//! `cargo cfcontainer inspect`: what the compiled artifact declares.

use std::path::PathBuf;

use cfcontainer_meta::{ContainerMeta, EnvValue, ImageSource, InstanceType};
use serde::Serialize;

use crate::cli::{GlobalArgs, InspectArgs};
use crate::compile::Loaded;
use crate::output::{table, Output, Reason};
use crate::project::WorkerSettings;
use crate::Error;

/// What `inspect` reports.
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// The package.
    pub package: String,
    /// Worker settings from `[package.metadata.cfcontainer]`.
    pub worker: WorkerSettings,
    /// The artifact read.
    pub artifact: PathBuf,
    /// Its containers, sorted by class.
    pub containers: Vec<ContainerMeta>,
}

/// Builds if needed, reads the artifact's metadata and prints it.
pub fn run(global: &GlobalArgs, args: &InspectArgs, out: &Output) -> Result<(), Error> {
    let Loaded { project, artifact, containers } = super::load(global, &args.target, out)?;
    let inspection = Inspection { package: project.package, worker: project.settings, artifact, containers };
    out.result(Reason::Inspect, &inspection, || human(&inspection));
    Ok(())
}

fn human(i: &Inspection) -> String {
    let w = &i.worker;
    let count = match i.containers.len() {
        1 => "1 container".to_string(),
        n => format!("{n} containers"),
    };
    let mut text = format!("worker {} (compatibility date {}), {count}\n", w.name, w.compatibility_date);
    if i.containers.is_empty() {
        text.push_str(&super::none_declared(&i.package, "nothing to build, run or deploy"));
        return text;
    }
    let rows: Vec<Vec<String>> = i
        .containers
        .iter()
        .map(|c| {
            vec![
                c.class.clone(),
                c.binding.clone(),
                ports(c),
                if c.port.is_some() { seconds(c.sleep_after_secs) } else { "-".into() },
                image(&c.image),
                instance(&c.instance_type),
                c.max_instances.to_string(),
                env(c),
            ]
        })
        .collect();
    text.push_str(&table(&["CLASS", "BINDING", "PORTS", "SLEEP", "IMAGE", "INSTANCE", "MAX", "ENV"], &rows));
    text
}

fn seconds(s: u64) -> String {
    let (h, m, s) = (s / 3600, s % 3600 / 60, s % 60);
    let parts = [(h, "h"), (m, "m"), (s, "s")];
    parts.iter().filter(|(v, _)| *v > 0).map(|(v, u)| format!("{v}{u}")).collect()
}

fn image(source: &ImageSource) -> String {
    match source {
        ImageSource::Dockerfile { dockerfile, context, .. } => format!("{dockerfile} (context {context})"),
        ImageSource::Prebuilt { reference } => reference.clone(),
        ImageSource::Binary { binary, package, assets } => {
            let package = package.as_deref().map(|p| format!(" of {p}")).unwrap_or_default();
            let assets = assets.as_deref().map(|a| format!(", assets {a}")).unwrap_or_default();
            format!("binary {binary}{package}{assets}")
        }
    }
}

fn instance(t: &InstanceType) -> String {
    match t {
        InstanceType::Named(n) => n.clone(),
        InstanceType::Custom { vcpu, memory_mib, disk_mb } => format!("{vcpu} vCPU/{memory_mib} MiB/{disk_mb} MB"),
    }
}

fn env(c: &ContainerMeta) -> String {
    let vars: Vec<String> = c
        .env
        .iter()
        .map(|v| match &v.value {
            EnvValue::Static(_) => v.name.clone(),
            EnvValue::Secret(s) => format!("{}=secret({s})", v.name),
            EnvValue::Var(s) => format!("{}=var({s})", v.name),
            EnvValue::SecretsStore(b) => format!("{}=secrets_store({b})", v.name),
        })
        .collect();
    if vars.is_empty() {
        "-".into()
    } else {
        vars.join(",")
    }
}

/// The ports, the default one starred; a job's "job".
fn ports(c: &ContainerMeta) -> String {
    if c.ports.is_empty() {
        return "job".into();
    }
    let shown: Vec<String> =
        c.ports.iter().map(|p| if Some(*p) == c.port { format!("{p}*") } else { p.to_string() }).collect();
    shown.join(",")
}
