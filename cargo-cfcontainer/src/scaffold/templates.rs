//! The files of a new crate whose container is built from a Dockerfile
//! with busybox, by the kind of container it starts with.

use super::busybox::{Busybox, PULLED_IMAGE};

/// A container busybox serves.
#[derive(Debug, Clone, Copy)]
pub enum BusyboxContainer {
    /// `httpd` on port 8080.
    Server,
    /// A shell script run once per start.
    Job,
}

/// The workers-rs version the runtime is built and tested with (the
/// workspace's `worker` dependency; a unit test keeps them equal).
pub const WORKER_VERSION: &str = "0.8.7";

/// The cfcontainer runtime a crate made by this CLI uses: the same
/// version, whose container metadata this CLI reads.
pub const RUNTIME_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a new crate is made of.
pub struct Crate<'a> {
    /// The package name.
    pub package: &'a str,
    /// The Worker's name.
    pub worker: &'a str,
    /// Its container.
    pub kind: BusyboxContainer,
    /// Where the container's busybox comes from.
    pub busybox: &'a Busybox,
    /// The compatibility date to set.
    pub date: &'a str,
}

impl Crate<'_> {
    /// Every file to write (path relative to the crate, text, executable)
    /// besides busybox itself.
    pub fn files(&self) -> Vec<(&'static str, String, bool)> {
        let mut files = vec![
            ("Cargo.toml", worker_cargo_toml(self.package), false),
            ("src/lib.rs", self.lib_rs().to_string(), false),
            ("wrangler.toml", wrangler_toml(self.worker, self.date), false),
            ("container/Dockerfile", self.dockerfile(), false),
        ];
        files.push(match self.kind {
            BusyboxContainer::Server => ("container/www/cgi-bin/index.cgi", INDEX_CGI.to_string(), true),
            BusyboxContainer::Job => ("container/job.sh", JOB_SH.to_string(), true),
        });
        files
    }

    fn lib_rs(&self) -> &'static str {
        match self.kind {
            BusyboxContainer::Server => SERVER_LIB_RS,
            BusyboxContainer::Job => JOB_LIB_RS,
        }
    }

    fn dockerfile(&self) -> String {
        let (what, copy, entrypoint) = match self.kind {
            BusyboxContainer::Server => (
                "busybox httpd on port 8080: www/cgi-bin/index.cgi answers every\n# request whose path ends with a slash",
                "COPY www /www",
                r#"["/bin/busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/www"]"#,
            ),
            BusyboxContainer::Job => {
                ("a job: job.sh runs once per start and exits", "COPY job.sh /job.sh", r#"["/bin/busybox", "sh", "/job.sh"]"#)
            }
        };
        match self.busybox {
            Busybox::Copied(from) => format!(
                "# {what}.\n# busybox is a static x86-64 build, copied here from {} by\n# `cargo cfcontainer new`: the image starts FROM scratch, so nothing is pulled.\nFROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n{copy}\nENTRYPOINT {entrypoint}\n",
                from.display()
            ),
            Busybox::Pulled => format!(
                "# {what}.\n# No static busybox was found when `cargo cfcontainer new` made this crate,\n# so the image starts from Docker Hub's (pulled on the first build).\nFROM {PULLED_IMAGE}\n{copy}\nENTRYPOINT {entrypoint}\n"
            ),
        }
    }
}

/// A Worker crate's `Cargo.toml`: a cdylib on this CLI's runtime.
pub fn worker_cargo_toml(package: &str) -> String {
    format!(
        r#"[package]
name = "{package}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
cfcontainer = "{RUNTIME_VERSION}"
worker = "{WORKER_VERSION}"

# worker-build runs wasm-opt on release builds (deploys), downloading it
# first; without it they need nothing from the internet. Remove these two
# lines to ship a smaller Worker.
[package.metadata.wasm-pack.profile.release]
wasm-opt = false
"#
    )
}

/// The Worker's `wrangler.toml`: its name and today's compatibility date.
pub fn wrangler_toml(worker: &str, date: &str) -> String {
    format!(
        r#"# The Worker's settings, read by `cargo cfcontainer` and by the official
# CLI alike. Bindings (KV, R2, D1, queues, ...) and routes go here too;
# the containers are declared in src/lib.rs.
name = "{worker}"
compatibility_date = "{date}"
"#
    )
}

/// The lines of the crate's `.gitignore`.
pub const GITIGNORE: &[&str] = &["/target", "/build", "/.wrangler", "/.dev.vars"];

const SERVER_LIB_RS: &str = r#"//! A Worker with one container: `Server`, a small web server on port
//! 8080 (container/), one instance per name, each started on its first
//! request and asleep after five idle minutes.
//!
//! `cargo cfcontainer dev` runs it on http://127.0.0.1:8787 (try
//! /container/alice/), `cargo cfcontainer deploy` on Cloudflare.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// The container class: what `Server::named` starts and talks to.
#[container(
    class = "Server",
    port = 8080,
    sleep_after = "5m",
    dockerfile = "container/Dockerfile",
    context = "container",
    env(GREETING = "Hello from the container")
)]
pub struct Server;

/// `/container/<name>/...` goes to the container instance called `<name>`;
/// the Worker answers everything else itself.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        // The container's server answers paths that end with a slash.
        ["container", name] if !name.is_empty() => {
            let mut url = req.url()?;
            url.set_path(&format!("{path}/"));
            Response::redirect(url)
        }
        ["container", name, ..] if !name.is_empty() => Server::named(&env, name)?.fetch(req).await,
        _ => Response::ok("This is the Worker. Ask a container at /container/<name>/\n"),
    }
}
"#;

const JOB_LIB_RS: &str = r#"//! A Worker with one job: `Job`, a container without a port that runs
//! container/job.sh once per start and exits, one instance per name.
//!
//! `cargo cfcontainer dev` runs it on http://127.0.0.1:8787 (try
//! /run/nightly), `cargo cfcontainer deploy` on Cloudflare.

use std::time::Duration;

use cfcontainer::{container, StartOptions};
use worker::{event, Context, Env, Request, Response, Result};

/// The job class: no `port`, so it takes no requests; it is started, and
/// its exit code is in its state.
#[container(class = "Job", dockerfile = "container/Dockerfile", context = "container", env(TASK = "the nightly report"))]
pub struct Job;

/// `/run/<name>` starts the job instance called `<name>` and waits up to a
/// minute for its run to end; the Worker answers everything else itself.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["run", name] if !name.is_empty() => {
            let job = Job::named(&env, name)?;
            job.start(StartOptions::default()).await?;
            let state = job.wait(Duration::from_secs(60)).await?;
            match state.last_exit_code {
                Some(0) => Response::ok(format!("job {name} done\n")),
                Some(code) => Response::error(format!("job {name} failed with exit code {code}\n"), 500),
                None => Response::ok(format!("job {name} is still running\n")),
            }
        }
        _ => Response::ok("This is the Worker. Start a job at /run/<name>\n"),
    }
}
"#;

const INDEX_CGI: &str = r#"#!/bin/sh
# Answers with GREETING, which the #[container] attribute passes in, and
# the path asked for.
printf 'Content-Type: text/plain\r\n\r\n%s (you asked for %s)\n' "${GREETING:-GREETING is not set}" "$REQUEST_URI"
"#;

const JOB_SH: &str = r#"#!/bin/sh
# The job's work: it runs once per start, and its exit code is the run's.
echo "running ${TASK:-TASK is not set}"
sleep 1
echo "done"
"#;

#[cfg(test)]
mod tests {
    use super::WORKER_VERSION;

    #[test]
    fn a_new_crate_uses_the_workers_rs_the_workspace_pins() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let Ok(text) = std::fs::read_to_string(manifest) else { return };
        let workspace: toml_edit::DocumentMut = text.parse().unwrap();
        let pinned = workspace["workspace"]["dependencies"]["worker"].as_str().unwrap();
        assert_eq!(pinned, WORKER_VERSION);
    }
}
