//! Where results, progress and errors go: human text or JSON lines.

mod reason;

use std::io::{IsTerminal, Write};

use serde::Serialize;

pub use reason::Reason;

/// `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageFormat {
    /// Text for people.
    Human,
    /// One JSON object per line on stdout, each with a `reason`.
    Json,
}

/// `-q`, nothing, or `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Results and errors only.
    Quiet,
    /// Plus progress.
    Normal,
    /// Plus the commands run.
    Verbose,
}

/// The output channel of one run.
#[derive(Clone, Copy)]
pub struct Output {
    format: MessageFormat,
    verbosity: Verbosity,
}

impl Output {
    /// An output with this format and verbosity.
    pub fn new(format: MessageFormat, verbosity: Verbosity) -> Self {
        Output { format, verbosity }
    }

    /// True with `-q`.
    pub fn is_quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// Prints a result: `human` as text, or `value` as one JSON line with
    /// `"reason": reason`.
    pub fn result<T: Serialize>(&self, reason: Reason, value: &T, human: impl FnOnce() -> String) {
        let line = match self.format {
            MessageFormat::Human => human(),
            MessageFormat::Json => json_line(reason, value),
        };
        stdout_line(line.trim_end());
    }

    /// A progress event: a JSON line on stdout with `--message-format
    /// json`, else `human` (if not empty) on stderr unless `-q`.
    pub fn event<T: Serialize>(&self, reason: Reason, value: &T, human: impl FnOnce() -> String) {
        match self.format {
            MessageFormat::Json => stdout_line(&json_line(reason, value)),
            MessageFormat::Human if self.verbosity > Verbosity::Quiet => {
                let text = human();
                if !text.is_empty() {
                    eprintln!("{text}");
                }
            }
            MessageFormat::Human => {}
        }
    }

    /// A spinner for a long step (text mode on a terminal); plain lines
    /// elsewhere, nothing with `-q` or JSON.
    pub fn progress(&self, label: &str) -> Progress {
        let shown = self.format == MessageFormat::Human && self.verbosity > Verbosity::Quiet;
        let bar = (shown && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {prefix} {wide_msg}").expect("valid template"),
            );
            bar.set_prefix(label.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        if shown && bar.is_none() {
            eprintln!("{label}");
        }
        Progress { bar, shown, verbose: self.verbosity == Verbosity::Verbose }
    }

    /// A warning: `warning: <message>` on stderr (unless `-q`), or a JSON
    /// line.
    pub fn warning(&self, message: &str) {
        self.event(Reason::Warning, &Message { message }, || format!("warning: {message}"));
    }

    /// A step done, on stderr in text mode (unless `-q`); JSON lines leave
    /// it out (the result says it all).
    pub fn note(&self, message: &str) {
        if self.format == MessageFormat::Human && self.verbosity > Verbosity::Quiet {
            eprintln!("{message}");
        }
    }

    /// A detail shown with `-v` only, on stderr.
    pub fn verbose(&self, message: &str) {
        if self.verbosity == Verbosity::Verbose {
            eprintln!("  {message}");
        }
    }

    /// Reports a failure: one line on stderr, plus a JSON message on
    /// stdout with `--message-format json`.
    pub fn error(&self, error: &crate::Error) {
        eprintln!("error: {error}");
        if self.format == MessageFormat::Json {
            stdout_line(&json_line(Reason::Error, &Message { message: &error.to_string() }));
        }
    }
}

/// One line on stdout. A reader that went away (`| head`) is no error:
/// the line is dropped instead of the process panicking.
fn stdout_line(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// The body of a warning or an error: its one line.
#[derive(Debug, Serialize)]
pub struct Message<'a> {
    /// The line, without `warning: ` or `error: `.
    pub message: &'a str,
}

fn json_line<T: Serialize>(reason: Reason, value: &T) -> String {
    let mut object = match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(other) => [("value".to_string(), other)].into_iter().collect(),
        Err(e) => [("message".to_string(), e.to_string().into())].into_iter().collect(),
    };
    object.insert("reason".into(), serde_json::to_value(reason).expect("a reason is a string"));
    serde_json::Value::Object(object).to_string()
}

/// Asks `question` on the terminal and reads the answer: `Some(true)` for
/// yes; `None` when stdin or stderr is no terminal (nobody to ask).
pub fn confirm(question: &str) -> Option<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).ok()?;
    Some(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

/// Renders rows as left-aligned columns under a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(rows.iter().map(|r| line(r.iter().map(String::as_str).collect())));
    out.join("\n")
}

/// A long step in progress; see [`Output::progress`].
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    shown: bool,
    verbose: bool,
}

impl Progress {
    /// The step's latest output line.
    pub fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(line.to_string()),
            None if self.shown && self.verbose => eprintln!("  {line}"),
            None => {}
        }
    }

    /// The step finished; `summary` replaces the spinner.
    pub fn done(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.shown {
            eprintln!("{summary}");
        }
    }

    /// The step failed; the caller reports why.
    pub fn fail(self) {
        self.clear();
    }

    /// The step finished and the caller reports it (as an event).
    pub fn clear(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
