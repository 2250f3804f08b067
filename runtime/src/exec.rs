//! Running a command in a running container
//! ([`Control::exec`](crate::Control::exec)): its exit code, stdout and
//! stderr, with bytes for its stdin and a time limit.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::{select, Either};
use worker::js_sys::{Array, ArrayBuffer, Object, Uint8Array};
use worker::wasm_bindgen::JsValue;
use worker::web_sys::Response as JsResponse;

use crate::js::{self, set};
use crate::timer::Pause;

/// A command to run in the container, as [`Control::exec`](crate::Control::exec) takes it.
///
/// ```ignore
/// let output = control.exec(Exec::new(["sh", "-c", "wc -l"]).stdin("a\nb\n").timeout(Duration::from_secs(5))).await?;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exec {
    /// The program and its arguments (not run by a shell: name `sh -c`
    /// yourself for one).
    pub command: Vec<String>,
    /// What the command reads on stdin, then end of file (empty: end of
    /// file at once).
    pub stdin: Vec<u8>,
    /// The working directory (the image's when `None`).
    pub cwd: Option<String>,
    /// Env vars over the container's.
    pub env: BTreeMap<String, String>,
    /// The user to run as (the image's when `None`).
    pub user: Option<String>,
    /// How long the command may run: then it is killed (`SIGKILL`) and
    /// its output is [`ExecStatus::TimedOut`]. No limit when `None`.
    pub timeout: Option<Duration>,
}

impl Exec {
    /// `command` (program first), with no stdin and no time limit.
    pub fn new<S: Into<String>>(command: impl IntoIterator<Item = S>) -> Exec {
        Exec { command: command.into_iter().map(Into::into).collect(), ..Exec::default() }
    }

    /// With `bytes` on its stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Exec {
        self.stdin = bytes.into();
        self
    }

    /// With a time limit.
    pub fn timeout(mut self, limit: Duration) -> Exec {
        self.timeout = Some(limit);
        self
    }

    /// Why the runtime would refuse this command (workerd 1.20261117.1's
    /// rules), with what to change.
    fn check(&self) -> Result<(), String> {
        if self.command.is_empty() {
            return Err("exec needs a command: Exec::new([\"program\", \"arg\"])".into());
        }
        let nul = |text: &Option<String>| text.as_deref().is_some_and(|t| t.contains('\0'));
        if nul(&self.cwd) || nul(&self.user) {
            return Err("exec's cwd and user cannot contain NUL".into());
        }
        for (name, value) in &self.env {
            if name.contains(['=', '\0']) || value.contains('\0') {
                return Err(format!("exec env var {name:?}: a name has no `=` or NUL, a value no NUL"));
            }
        }
        Ok(())
    }

    /// The container's own `exec` options.
    fn options(&self) -> Result<Object, String> {
        let options = Object::new();
        if !self.stdin.is_empty() {
            // A body's stream is the simplest ReadableStream of bytes.
            let mut bytes = self.stdin.clone();
            let stream = JsResponse::new_with_opt_u8_array(Some(&mut bytes)).map_err(|e| js::describe(&e))?.body();
            set(&options, "stdin", &stream.map_or(JsValue::UNDEFINED, JsValue::from));
        }
        if let Some(cwd) = &self.cwd {
            set(&options, "cwd", &JsValue::from_str(cwd));
        }
        if let Some(user) = &self.user {
            set(&options, "user", &JsValue::from_str(user));
        }
        if !self.env.is_empty() {
            set(&options, "env", &js::string_map(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        }
        Ok(options)
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecStatus {
    /// It exited with this code (128 + N when signal N ended it).
    Exited(i32),
    /// It ran past [`Exec::timeout`] and was killed.
    TimedOut,
}

/// What a command printed, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    /// How it ended.
    pub status: ExecStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// True when it exited with code 0.
    pub fn success(&self) -> bool {
        self.status == ExecStatus::Exited(0)
    }

    /// Its stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Its stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// The signal a timed-out command gets.
const SIGKILL: f64 = 9.0;

/// Runs `exec` in the container behind `handle` (running) to its end.
pub(crate) async fn run(handle: &JsValue, exec: &Exec) -> Result<ExecOutput, String> {
    exec.check()?;
    let command: Array = exec.command.iter().map(|a| JsValue::from_str(a)).collect();
    let started = js::call(handle, "exec", &[command.into(), exec.options()?.into()])?;
    let process = js::settled(started).await?;
    let output = Box::pin(js::settled(js::call(&process, "output", &[])?));
    let (output, status) = match exec.timeout {
        None => (output.await?, None),
        Some(limit) => match select(output, Pause::new(limit)).await {
            Either::Left((output, _)) => (output?, None),
            Either::Right(((), output)) => {
                js::call(&process, "kill", &[JsValue::from_f64(SIGKILL)])?;
                (output.await?, Some(ExecStatus::TimedOut))
            }
        },
    };
    let bytes = |key: &str| js::get(&output, key).map(|b| Uint8Array::new(&ArrayBuffer::from(b)).to_vec());
    let code = js::get(&output, "exitCode").and_then(|c| c.as_f64()).ok_or("exec's output has no exit code")?;
    Ok(ExecOutput {
        status: status.unwrap_or(ExecStatus::Exited(code as i32)),
        stdout: bytes("stdout").unwrap_or_default(),
        stderr: bytes("stderr").unwrap_or_default(),
    })
}
