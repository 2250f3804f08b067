//! One `dev` session: build the Worker and its images, run workerd behind
//! the [`Front`], and on every change to a real input rebuild what it
//! feeds and swap workerd without closing the socket users connect to.
//! Ctrl-C (or SIGTERM) stops workerd and removes every container it started.
//! The engine never restarts the session's containers
//! ([`super::keep_from_restarting`]).
//!
//! The steps live beside it: one build ([`super::assemble`]), the workerd
//! process and its containers ([`super::process`]), signals
//! ([`super::shutdown`]).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::assemble::build;
use super::front::Front;
use super::listen_error::listen_error;
use super::options::{DevOptions, EngineTarget};
use super::process::{kill, remove, retire, start_workerd, stop, Running};
use super::restarts::watch_restarts;
use super::shutdown::Shutdown;
use super::snapshot::{Change, ReadAt, Snapshot, Watched};
use super::watcher::Wakeups;
use super::workerd_socket;
use crate::output::{Output, Reason};
use crate::{engine, Error};

/// How long a reload waits for the old workerd's requests to finish.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// The Worker bundle a rebuild keeps: the last one when only an image's
/// inputs changed (the Worker is not built again), none otherwise (the
/// first build, or a Worker input edited).
fn worker_to_reuse(last: Option<&PathBuf>, change: Change) -> Option<PathBuf> {
    match (last, change) {
        (Some(modules), Change::Images) => Some(modules.clone()),
        _ => None,
    }
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn serve(options: &DevOptions, out: &Output) -> Result<(), Error> {
    // Listening from the start: a Ctrl-C during a build or a file scan is
    // kept and acted on at the next wait, never lost; an address in use
    // is said before anything is built.
    let mut shutdown = Shutdown::listen()?;
    let front = Front::listen(&options.listen).await.map_err(|e| listen_error(&options.listen, e))?;
    let docker = engine::connect().await?;
    engine::check_for_workerd(&docker).await?;
    let socket = workerd_socket(&engine::host()).ok_or_else(|| Error::Engine {
        host: engine::host(),
        why: "workerd reaches the engine only through a unix socket".into(),
    })?;
    let egress_image = super::egress::ensure(&docker, options.egress_image.as_deref(), out).await?;
    let target = EngineTarget { socket, egress_image };
    let url = format!("http://{}", front.address);
    let mut running: Option<Running> = None;
    let mut last: Option<(Snapshot, Watched, PathBuf)> = None;
    let mut wake = Wakeups::new(options.wake_by);
    let mut removing: Option<tokio::task::JoinHandle<()>> = None;
    // Containers are named after the session's key, the same for every
    // build: one watch from the first build on covers them all.
    let session_began = SystemTime::now();
    let mut restarts: Option<tokio::task::JoinHandle<()>> = None;
    let mut change = Change::Worker;
    loop {
        let started = SystemTime::now();
        let reuse_worker = worker_to_reuse(last.as_ref().map(|(_, _, modules)| modules), change);
        match build(options, &docker, &target, reuse_worker, last.is_none(), out).await {
            Ok(built) => {
                if restarts.is_none() {
                    restarts = Some(watch_restarts(&docker, &built.launch.key, session_began, *out));
                }
                // Requests wait in the front while workerd is swapped.
                front.pause(DRAIN_LIMIT).await;
                let leftovers = match running.take() {
                    Some(old) => {
                        let key = old.key.clone();
                        retire(&docker, &key, kill(&docker, old).await).await
                    }
                    None => Vec::new(),
                };
                match start_workerd(&built.launch, out).await {
                    Ok(new) => running = Some(new),
                    Err(err) => {
                        remove(&docker, leftovers).await;
                        return Err(err);
                    }
                }
                front.resume(built.launch.backend);
                // The old run's containers go while the new one serves:
                // removing them is no part of the swap users wait for.
                if let Some(earlier) = removing.take() {
                    let _ = earlier.await;
                }
                let engine = docker.clone();
                removing = Some(tokio::spawn(async move { remove(&engine, leftovers).await }));
                let first = last.is_none();
                out.event(Reason::DevReady, &Ready { url: &url }, || {
                    format!("{:>12} {url}", if first { "Listening" } else { "Reloaded" })
                });
                let read = ReadAt { worker: started, images: built.images_read_at };
                let snapshot = look(&built.watched, &mut wake, Some(read), out);
                last = Some((snapshot, built.watched, built.modules));
            }
            // The first build must work; later ones wait for the next edit.
            Err(err) if running.is_none() => return Err(err),
            Err(err) => {
                out.error(&err);
                // The inputs as they failed are the new "before": the
                // next change is the next edit, not the same one again.
                if let Some((before, watched, _)) = &mut last {
                    *before = look(watched, &mut wake, Some(ReadAt { worker: started, images: started }), out);
                }
            }
        }
        change = loop {
            tokio::select! {
                _ = shutdown.recv() => {
                    if let Some(watch) = restarts.take() {
                        watch.abort();
                    }
                    if let Some(earlier) = removing.take() {
                        let _ = earlier.await;
                    }
                    if let Some(old) = running.take() {
                        stop(&docker, old).await;
                    }
                    out.event(Reason::DevStopped, &Stopped {}, || "Stopped workerd and removed its containers".into());
                    return Ok(());
                }
                _ = wake.next() => {
                    let Some((before, watched, _)) = &last else { break Change::Worker };
                    match before.change(&look(watched, &mut wake, None, out)) {
                        Change::None => continue,
                        change => {
                            let what = if change == Change::Images { "an image input" } else { "a Worker input" };
                            out.event(Reason::DevChange, &Changed { change: what }, || format!("Change in {what} detected; rebuilding"));
                            break change;
                        }
                    }
                }
            }
        };
    }
}

/// The inputs now (see [`Snapshot::take`] for `read`), with the
/// watch moved onto their directories.
fn look(watched: &Watched, wake: &mut Wakeups, read: Option<ReadAt>, out: &Output) -> Snapshot {
    let inputs = watched.inputs();
    wake.follow(watched.directories(&inputs), watched.ignored());
    if let Some(why) = wake.fell_back() {
        out.event(Reason::DevPolling, &Polling { why: &why }, || {
            format!("warning: {why}; looking at the inputs every 400 ms instead")
        });
    }
    Snapshot::take(&inputs, read)
}

/// `dev` listens, at `url` (event `dev-ready`).
#[derive(serde::Serialize)]
struct Ready<'a> {
    url: &'a str,
}

/// `dev` stopped (event `dev-stopped`).
#[derive(serde::Serialize)]
struct Stopped {}

/// `dev` saw an edit (event `dev-change`): `an image input` or `a Worker input`.
#[derive(serde::Serialize)]
struct Changed<'a> {
    change: &'a str,
}

/// `dev` polls its inputs, and why (event `dev-polling`).
#[derive(serde::Serialize)]
struct Polling<'a> {
    why: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_edit_keeps_the_last_worker_and_a_worker_edit_or_the_first_build_makes_one() {
        let modules = PathBuf::from("/tmp/build/modules");
        assert_eq!(worker_to_reuse(Some(&modules), Change::Images), Some(modules.clone()));
        assert_eq!(worker_to_reuse(Some(&modules), Change::Worker), None);
        assert_eq!(worker_to_reuse(None, Change::Images), None, "no Worker built yet");
    }
}
