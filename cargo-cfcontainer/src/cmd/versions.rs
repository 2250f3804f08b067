//! `cargo cfcontainer versions`: the deploy history, with the images each
//! version ran (see [`crate::ops::versions`]).

use crate::cli::GlobalArgs;
use crate::deploy::images::short;
use crate::ops::versions::{self, Versions};
use crate::output::{table, Output, Reason};
use crate::Error;

/// Prints the versions.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let versions = versions::versions(&super::client_for(&project)?, &project, out)?;
    out.result(Reason::Versions, &versions, || human(&versions));
    Ok(())
}

fn human(versions: &Versions) -> String {
    let rows: Vec<Vec<String>> = versions
        .versions
        .iter()
        .map(|v| {
            let images = match &v.images {
                Some(images) => {
                    images.iter().map(|(class, tag)| format!("{class} {}", short(tag))).collect::<Vec<_>>().join(", ")
                }
                None => "-".into(),
            };
            let note = [v.message.as_deref(), v.tag.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" / ");
            vec![
                format!("{}{}", if v.live { "* " } else { "  " }, v.id),
                v.number.to_string(),
                v.created_on.clone(),
                v.by.clone(),
                images,
                if note.is_empty() { "-".into() } else { note },
            ]
        })
        .collect();
    let mut text = table(&["  VERSION", "#", "CREATED", "BY", "IMAGES", "MESSAGE / TAG"], &rows);
    text.push_str(&format!(
        "\n(* live) {} version{} of worker {}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        versions.worker
    ));
    text
}
