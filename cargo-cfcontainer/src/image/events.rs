//! The bodies of the progress events images give with `--message-format
//! json` (their reasons are in [`crate::output::Reason`]).

use serde::Serialize;

/// An image the engine or the registry has already (`image-fresh`,
/// `image-present`).
#[derive(Debug, Serialize)]
pub struct ImageAt<'a> {
    /// The container class.
    pub class: &'a str,
    /// The image's reference.
    pub reference: &'a str,
}

/// An assembled image loaded into the engine (`image-loaded`).
#[derive(Debug, Serialize)]
pub struct ImageLoaded<'a> {
    /// The container class.
    pub class: &'a str,
    /// The reference it is loaded as.
    pub reference: &'a str,
    /// The engine had it already.
    pub fresh: bool,
}

/// An image assembled from a binary (`image-assembled`).
#[derive(Debug, Serialize)]
pub struct ImageAssembled<'a> {
    /// The container class.
    pub class: &'a str,
    /// `repository:tag`.
    pub reference: &'a str,
    /// The binary's size.
    pub binary_bytes: usize,
    /// The layers' size.
    pub image_bytes: usize,
}

/// A line of the engine's build log (`build-log`).
#[derive(Debug, Serialize)]
pub struct BuildLine<'a> {
    /// The container class.
    pub class: &'a str,
    /// The line.
    pub line: &'a str,
}

/// A blob this tool sent to the registry (`push-progress`).
#[derive(Debug, Serialize)]
pub struct BlobSent<'a> {
    /// The container class.
    pub class: &'a str,
    /// The blob's digest.
    pub blob: &'a str,
    /// Its size in bytes.
    pub size: u64,
}

/// A status line of the engine's push (`push-progress`).
#[derive(Debug, Serialize)]
pub struct PushStatus<'a> {
    /// The repository pushed to.
    pub repository: &'a str,
    /// The engine's status.
    pub status: &'a str,
}

/// A build context that leaves files out by default (`warning`).
#[derive(Debug, Serialize)]
pub struct ContextWarning<'a> {
    /// The warning's line.
    pub message: &'a str,
    /// The container class.
    pub class: &'a str,
    /// What the context leaves out.
    pub left_out: &'a [String],
}
