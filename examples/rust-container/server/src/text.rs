//! The server's end of the `Text` protocol, over the assets layer.

use std::time::Duration;

use cfcontainer_protocol::Streaming;
use rust_container_protocol::{FileError, GreetError, Line, Text, WordCount};

/// Serves `Text` from the files of the assets layer (`static/`).
pub struct Assets;

/// The longest name a greeting takes.
const LONGEST_NAME: u32 = 40;

/// The text of asset `file`; a name with a path in it is refused.
pub fn read_asset(file: &str) -> Result<String, FileError> {
    if file.contains("..") || file.contains('/') {
        return Err(FileError::Outside);
    }
    std::fs::read_to_string(std::path::Path::new("static").join(file))
        .map_err(|_| FileError::NotFound { file: file.to_string() })
}

fn words(line: &str) -> u32 {
    line.split_whitespace().count() as u32
}

impl Text for Assets {
    async fn greet(&self, name: String) -> Result<String, GreetError> {
        match name.chars().count() as u32 {
            0 => Err(GreetError::Empty),
            n if n > LONGEST_NAME => Err(GreetError::TooLong { max: LONGEST_NAME }),
            _ => Ok(format!("{}, {name}!", crate::greeting())),
        }
    }

    async fn words(&self, file: String) -> Result<WordCount, FileError> {
        let text = read_asset(&file)?;
        Ok(WordCount { lines: text.lines().count() as u32, words: words(&text), file })
    }

    async fn scan(&self, file: String, pause_ms: u32) -> Streaming<Line> {
        let lines: Vec<String> = read_asset(&file).unwrap_or_default().lines().map(str::to_string).collect();
        let pause = Duration::from_millis(pause_ms.min(5_000).into());
        Streaming::new(futures_util::stream::unfold(lines.into_iter().enumerate(), move |mut lines| async move {
            let (index, line) = lines.next()?;
            if index > 0 {
                tokio::time::sleep(pause).await;
            }
            Some((Line { number: index as u32 + 1, words: words(&line) }, lines))
        }))
    }
}
