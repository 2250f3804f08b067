//! `cargo cfcontainer new PATH` and `init [PATH]`: a worker crate with one
//! container (see [`crate::scaffold`]); prints what was made and the next
//! command.

use std::path::Path;

use crate::cli::CrateArgs;
use crate::output::{Output, Reason};
use crate::project::DEFAULT_COMPATIBILITY_DATE;
use crate::scaffold::{self, ContainerKind, Request};
use crate::Error;

/// Makes the crate in `path` (`existing`: `init`, in a directory that may
/// exist).
pub fn run(path: &Path, args: &CrateArgs, existing: bool, out: &Output) -> Result<(), Error> {
    let request = Request {
        dir: path.to_path_buf(),
        name: args.name.clone(),
        kind: args.container,
        existing,
        date: DEFAULT_COMPATIBILITY_DATE,
    };
    let made = scaffold::make(&request)?;
    if let Some(workspace) = &made.outside_workspace {
        let message = format!(
            "{} is inside the workspace of {}, which cargo will then read it as a member of: add it to that file's `members`, or `exclude` it",
            made.dir.display(),
            workspace.display()
        );
        out.warning(&message);
    }
    out.result(Reason::New, &made, || {
        let what = match made.container {
            ContainerKind::Server => "class Server, a web server on port 8080",
            ContainerKind::Job => "class Job, a job",
            ContainerKind::Rust => "class Server, the Rust server in server/ on port 8080",
        };
        let busybox = match (&made.busybox, made.container) {
            (_, ContainerKind::Rust) => "no Dockerfile: its image is assembled from the server's binary".to_string(),
            (Some(from), _) => format!("busybox copied from {}", from.display()),
            (None, _) => format!("busybox pulled as {} by the first build", scaffold::PULLED_IMAGE),
        };
        let cd = if existing { String::new() } else { format!("cd {} && ", made.dir.display()) };
        format!(
            "Created worker crate `{}` ({what}; {busybox}) in {}\nNext: {cd}cargo cfcontainer dev",
            made.package,
            made.dir.display()
        )
    });
    Ok(())
}
