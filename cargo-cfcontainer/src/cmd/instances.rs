//! `cargo cfcontainer instances CLASS`: a class's instances (see
//! [`crate::ops::instances`]).

use crate::cli::{GlobalArgs, InstancesArgs};
use crate::ops::instances;
use crate::output::{table, Output};
use crate::Error;

/// Prints the instances.
pub fn run(global: &GlobalArgs, args: &InstancesArgs, out: &Output) -> Result<(), Error> {
    let listed = instances::instances(&global.project()?, &args.class, out)?;
    out.result("instances", &listed, || {
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
