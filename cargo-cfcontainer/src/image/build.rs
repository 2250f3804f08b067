//! Building images through the engine, skipping any whose content tag the
//! engine already has.

use std::collections::HashMap;

use bollard::query_parameters::BuildImageOptionsBuilder;
use bollard::Docker;
use cfcontainer_meta::{ContainerMeta, ImageSource};
use futures_util::StreamExt;
use serde::Serialize;

use super::events::{BuildLine, ContextWarning, ImageAt};
use super::{repository, source_dir, BuildContext, ContextError, DefaultExclusions, DEV_PREFIX, PLATFORM};
use crate::engine::engine_error;
use crate::output::{Output, Reason};
use crate::project::Project;
use crate::Error;

/// An image ready in the local engine.
#[derive(Debug, Clone, Serialize)]
pub struct BuiltImage {
    /// The container class it belongs to.
    pub class: String,
    /// Local reference, e.g. `hello-my-container:3f2a…` or
    /// `cloudflare-dev/hello-my-container:3f2a…`.
    pub reference: String,
    /// The engine's image id.
    pub id: String,
    /// False when the engine already had this exact image.
    pub built: bool,
    /// True when the tag is a digest of the build inputs (false for a
    /// fixed `tag`, which can name different content over time).
    pub content_tag: bool,
    /// Time spent on it: packing the context, and the build if one ran.
    pub elapsed_ms: u64,
}

/// Builds the image of every container with a Dockerfile; `dev` tags them
/// under `cloudflare-dev/`.
pub async fn build_all(
    docker: &Docker,
    project: &Project,
    containers: &[ContainerMeta],
    dev: bool,
    out: &Output,
) -> Result<Vec<BuiltImage>, Error> {
    let mut images = Vec::new();
    for meta in containers {
        let ImageSource::Dockerfile { dockerfile, context, build_args, target } = &meta.image else { continue };
        let started = std::time::Instant::now();
        let elapsed_ms = || started.elapsed().as_millis() as u64;
        let packed = scan(meta, project, context, dockerfile)?;
        if !packed.left_out.is_empty() {
            let message = format!("the build context of `{}` has no .dockerignore, so it leaves out {}; add a .dockerignore to choose yourself", meta.class, packed.left_out.join(", "));
            let warning = ContextWarning { message: &message, class: &meta.class, left_out: &packed.left_out };
            out.event(Reason::Warning, &warning, || format!("warning: {message}"));
        }
        let tag = tag_of(meta, &packed, build_args, target.as_deref())?;
        let repo = repository(meta, project);
        let reference = if dev { format!("{DEV_PREFIX}/{repo}:{tag}") } else { format!("{repo}:{tag}") };
        // A content tag the engine knows is this exact image already.
        let fresh = match meta.image_tag {
            None => docker.inspect_image(&reference).await.ok(),
            Some(_) => None,
        };
        let (id, built) = match fresh {
            Some(existing) => {
                out.event(Reason::ImageFresh, &ImageAt { class: &meta.class, reference: &reference }, || {
                    format!("{:>12} {reference} (unchanged)", "Fresh")
                });
                (existing.id.unwrap_or_default(), false)
            }
            None => {
                (run_build(docker, &packed, &reference, build_args, target.as_deref(), &meta.class, out).await?, true)
            }
        };
        let content_tag = meta.image_tag.is_none();
        images.push(BuiltImage {
            class: meta.class.clone(),
            reference,
            id,
            built,
            content_tag,
            elapsed_ms: elapsed_ms(),
        });
    }
    Ok(images)
}

/// The content tag of every container built from a Dockerfile, `(class,
/// tag)`, computed from its build context as `build` computes it, with no
/// engine and no build.
pub fn dockerfile_tags(project: &Project, containers: &[ContainerMeta]) -> Result<Vec<(String, String)>, Error> {
    let mut tags = Vec::new();
    for meta in containers {
        let ImageSource::Dockerfile { dockerfile, context, build_args, target } = &meta.image else { continue };
        let packed = scan(meta, project, context, dockerfile)?;
        tags.push((meta.class.clone(), tag_of(meta, &packed, build_args, target.as_deref())?));
    }
    Ok(tags)
}

/// The build context of `meta`, packed as `.dockerignore` says.
fn scan(meta: &ContainerMeta, project: &Project, context: &str, dockerfile: &str) -> Result<BuildContext, Error> {
    let base = source_dir(meta, project);
    let defaults = DefaultExclusions::for_crate(&base, &project.target_dir);
    BuildContext::scan(&base.join(context), &base.join(dockerfile), &defaults)
        .map_err(|e| Error::ImageBuild { class: meta.class.clone(), why: describe(e) })
}

/// The image's tag: its fixed `tag`, else the first 16 hex digits of the
/// digest of its context and build settings.
fn tag_of(
    meta: &ContainerMeta,
    packed: &BuildContext,
    build_args: &[(String, String)],
    target: Option<&str>,
) -> Result<String, Error> {
    match &meta.image_tag {
        Some(tag) => Ok(tag.clone()),
        None => {
            let digest = packed.digest(build_args, target, PLATFORM);
            Ok(digest.map_err(|e| Error::ImageBuild { class: meta.class.clone(), why: describe(e) })?[..16].to_string())
        }
    }
}

async fn run_build(
    docker: &Docker,
    packed: &BuildContext,
    reference: &str,
    build_args: &[(String, String)],
    target: Option<&str>,
    class: &str,
    out: &Output,
) -> Result<String, Error> {
    let args: HashMap<String, String> = build_args.iter().cloned().collect();
    let mut options = BuildImageOptionsBuilder::default()
        .dockerfile(&packed.dockerfile)
        .t(reference)
        .platform(PLATFORM)
        .rm(true)
        .forcerm(true)
        .buildargs(&args);
    if let Some(target) = target {
        options = options.target(target);
    }
    let progress = out.progress(&format!("Building {reference}"));
    let body = bollard::body_try_stream(packed.stream());
    let mut stream = docker.build_image(options.build(), None, Some(body));
    let mut log: Vec<String> = Vec::new();
    let mut id = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(line) = info.stream.as_deref().map(str::trim_end).filter(|l| !l.is_empty()) {
                    progress.line(line);
                    out.event(Reason::BuildLog, &BuildLine { class, line }, String::new);
                    log.push(line.to_string());
                }
                if let Some(aux) = info.aux.and_then(|a| a.id) {
                    id = Some(aux);
                }
            }
            Err(err) => {
                progress.fail();
                let why = match err {
                    bollard::errors::Error::DockerStreamError { error } => error,
                    other => engine_error(other).to_string(),
                };
                for line in log.iter().rev().take(5).rev() {
                    eprintln!("  | {line}");
                }
                return Err(Error::ImageBuild { class: class.to_string(), why });
            }
        }
    }
    progress.done(&format!("{:>12} {reference}", "Built"));
    match id {
        Some(id) => Ok(id),
        None => docker.inspect_image(reference).await.map(|i| i.id.unwrap_or_default()).map_err(|e| {
            Error::ImageBuild { class: class.to_string(), why: format!("the engine did not keep the image: {e}") }
        }),
    }
}

fn describe(error: ContextError) -> String {
    match error {
        ContextError::NoDockerfile(p) => {
            format!("Dockerfile {} does not exist; add it or set `dockerfile = \"...\"`", p.display())
        }
        ContextError::NoContext(p) => {
            format!("build context {} is not a directory; set `context = \"...\"`", p.display())
        }
        ContextError::Ignore(why) => format!(".dockerignore: {why}"),
        ContextError::Io(p, e) => format!("cannot read {}: {e}", p.display()),
    }
}
