//! `cargo cfcontainer doctor`: one table of what dev, push and deploy need
//! and whether this machine has it, each missing piece with its fix.

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::doctor::{self, Check, Status};
use crate::output::{table, Output, Reason};
use crate::Error;

#[derive(Serialize)]
struct Report {
    checks: Vec<Check>,
}

/// Runs every check; fails (exit 1) if any check failed.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    // Outside a crate the crate's checks are skipped, not failed.
    let project = global.project().ok();
    let checks = crate::runtime()?.block_on(doctor::check_all(project.as_ref(), out));
    let report = Report { checks };
    out.result(Reason::Doctor, &report, || human(&report.checks));
    let failed: Vec<&str> = report.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.name).collect();
    match failed.len() {
        0 => Ok(()),
        n => Err(Error::Doctor { failed: n, total: report.checks.len(), names: failed.join(", ") }),
    }
}

fn human(checks: &[Check]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            let status = match c.status {
                Status::Ok => "ok",
                Status::Warn => "note",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            vec![c.name.to_string(), status.to_string(), c.detail.clone()]
        })
        .collect();
    let mut text = table(&["CHECK", "STATUS", "FOUND"], &rows);
    for check in checks.iter().filter(|c| matches!(c.status, Status::Fail | Status::Warn)) {
        if let Some(fix) = &check.fix {
            text.push_str(&format!("\n{}: {fix}", check.name));
        }
    }
    text
}
