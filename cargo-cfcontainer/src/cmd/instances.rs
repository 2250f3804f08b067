//! `cargo cfcontainer instances [CLASS]`: a class's instances, or the
//! Worker's classes (see [`crate::ops::instances`]).

use crate::cli::{GlobalArgs, InstancesArgs};
use crate::ops::instances;
use crate::output::{table, Output, Reason};
use crate::Error;

/// Prints the instances, or without a class the classes to ask about.
pub fn run(global: &GlobalArgs, args: &InstancesArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let Some(class) = &args.class else {
        let listed = instances::classes(&client, &project, out)?;
        out.result(Reason::Instances, &listed, || {
            let rows: Vec<Vec<String>> =
                listed.classes.iter().map(|c| vec![c.class.clone(), c.application.clone()]).collect();
            let mut text = table(&["CLASS", "APPLICATION"], &rows);
            text.push_str(&match listed.classes.first() {
                Some(first) => format!(
                    "\nworker {} has {} container class{}; `cargo cfcontainer instances {}` lists its instances",
                    listed.worker,
                    rows.len(),
                    if rows.len() == 1 { "" } else { "es" },
                    first.class
                ),
                None => format!("\nworker {} has no container class with an application", listed.worker),
            });
            text
        });
        return Ok(());
    };
    let listed = instances::instances(&client, &project, class, out)?;
    out.result(Reason::Instances, &listed, || {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let rows: Vec<Vec<String>> = listed
            .instances
            .iter()
            .map(|i| {
                vec![
                    i.id.clone(),
                    dash(&i.name),
                    i.state.clone(),
                    dash(&i.location),
                    dash(&i.started_at),
                    dash(&i.image),
                ]
            })
            .collect();
        let n = rows.len();
        let mut text = table(&["INSTANCE", "NAME", "STATE", "LOCATION", "STARTED", "IMAGE"], &rows);
        text.push_str(&format!(
            "\n{n} instance{} of application {} ({})",
            if n == 1 { "" } else { "s" },
            listed.application,
            listed.class
        ));
        text
    });
    Ok(())
}
