//! What the Worker of examples/rust-container asks its server, as one
//! trait: the Worker calls it through `TextClient`, the server implements
//! it and routes it with `TextServer`. A change here that one side is not
//! rebuilt with is a typed mismatch at the call, not a decode error.

use cfcontainer_protocol::{protocol, Message, Streaming};
use serde::{Deserialize, Serialize};

/// The words of a file of the assets layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub struct WordCount {
    pub file: String,
    pub lines: u32,
    pub words: u32,
}

/// One line of a file, as a scan reaches it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub struct Line {
    pub number: u32,
    pub words: u32,
}

/// Why a greeting was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
#[serde(tag = "error", rename_all = "kebab-case")]
pub enum GreetError {
    /// No name was given.
    Empty,
    /// The name is longer than `max` characters.
    TooLong { max: u32 },
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
#[serde(tag = "error", rename_all = "kebab-case")]
pub enum FileError {
    /// The assets layer has no such file.
    NotFound { file: String },
    /// The name reaches outside the assets directory.
    Outside,
}

#[protocol]
pub trait Text {
    /// The server's greeting (its `GREETING`) for `name`.
    async fn greet(&self, name: String) -> Result<String, GreetError>;
    /// Counts the lines and words of an asset.
    async fn words(&self, file: String) -> Result<WordCount, FileError>;
    /// Reads an asset line by line, each line's count sent as it is read
    /// (`pause_ms` between lines: a long job reporting progress).
    async fn scan(&self, file: String, pause_ms: u32) -> Streaming<Line>;
}
