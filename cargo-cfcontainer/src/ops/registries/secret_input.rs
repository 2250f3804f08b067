//! Where the private credential comes from: stdin or a file, never the
//! command line or the environment (both are visible to other processes
//! and kept in shell history).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use crate::api::Secret;
use crate::Error;

/// Where to read the private credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// All of stdin (which must not be a terminal: it would show it).
    Stdin,
    /// A file's content.
    File(PathBuf),
}

impl SecretSource {
    /// The credential, without trailing whitespace (as the official CLI
    /// trims it); `what` names it in errors.
    pub fn read(&self, what: &'static str) -> Result<Secret, Error> {
        let (text, source_name) = match self {
            SecretSource::Stdin => {
                let mut stdin = std::io::stdin();
                if stdin.is_terminal() {
                    return Err(Error::SecretFromTerminal { what });
                }
                let mut text = String::new();
                stdin
                    .read_to_string(&mut text)
                    .map_err(|source| Error::Read { path: PathBuf::from("<stdin>"), source })?;
                (text, "stdin".to_string())
            }
            SecretSource::File(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.clone(), source })?;
                (text, path.display().to_string())
            }
        };
        let trimmed = text.trim_end();
        match trimmed.is_empty() {
            true => Err(Error::EmptySecret { what, source_name }),
            false => Ok(Secret::new(trimmed.to_string())),
        }
    }
}
