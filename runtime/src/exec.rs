//! Running a command in a running container: to its end
//! ([`Control::exec`](crate::Control::exec): its exit code, stdout and
//! stderr, with bytes for its stdin and a time limit), or with its streams
//! as they come ([`Control::spawn`](crate::Control::spawn), [`ExecProcess`]).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::{select, Either};
use worker::js_sys::{Array, ArrayBuffer, Object, Uint8Array};
use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::spawn_local;
use worker::web_sys::{ReadableStream, Response as JsResponse, WritableStream};

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

    /// The container's own `exec` options; `piped`: a stdin to write to
    /// when no bytes are given.
    fn options(&self, piped: bool) -> Result<Object, String> {
        let options = Object::new();
        if self.stdin.is_empty() && piped {
            set(&options, "stdin", &JsValue::from_str("pipe"));
        } else if !self.stdin.is_empty() {
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
    let process = start(handle, exec, false).await?;
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

/// Starts `exec` in the container behind `handle`; the runtime's process.
async fn start(handle: &JsValue, exec: &Exec, piped: bool) -> Result<JsValue, String> {
    exec.check()?;
    let command: Array = exec.command.iter().map(|a| JsValue::from_str(a)).collect();
    let started = js::call(handle, "exec", &[command.into(), exec.options(piped)?.into()])?;
    js::settled(started).await
}

/// A command running in the container ([`Control::spawn`](crate::Control::spawn)):
/// its stdin to write to (when [`Exec::stdin`] was empty), its stdout and
/// stderr to read as they come, and its exit code once it ends. Each
/// stream can be taken once, e.g. as a streamed answer's body.
///
/// ```ignore
/// let mut process = control.spawn(Exec::new(["tail", "-f", "/var/log/app.log"])).await?;
/// let stdout = process.take_stdout().expect("piped");
/// Ok(Response::from(web_sys::Response::new_with_opt_readable_stream(Some(&stdout))?))
/// ```
pub struct ExecProcess {
    process: JsValue,
    stdin: Option<WritableStream>,
    stdout: Option<ReadableStream>,
    stderr: Option<ReadableStream>,
}

impl ExecProcess {
    /// Starts `exec`; with a time limit, a task kills it once the limit
    /// has passed (if it still runs).
    pub(crate) async fn spawn(handle: &JsValue, exec: &Exec) -> Result<ExecProcess, String> {
        let process = start(handle, exec, true).await?;
        let stream = |key: &str| js::get(&process, key);
        let spawned = ExecProcess {
            stdin: stream("stdin").and_then(|s| s.dyn_into().ok()),
            stdout: stream("stdout").and_then(|s| s.dyn_into().ok()),
            stderr: stream("stderr").and_then(|s| s.dyn_into().ok()),
            process,
        };
        if let Some(limit) = exec.timeout {
            let (process, exited) = (spawned.process.clone(), spawned.exit_code_promise()?);
            spawn_local(async move {
                if let Either::Right(_) = select(Box::pin(js::settled(exited)), Pause::new(limit)).await {
                    let _ = js::call(&process, "kill", &[JsValue::from_f64(SIGKILL)]);
                }
            });
        }
        Ok(spawned)
    }

    /// Its stdin (end it, or drop the writer, to send end of file); `None`
    /// when [`Exec::stdin`] gave the bytes, or once taken.
    pub fn take_stdin(&mut self) -> Option<WritableStream> {
        self.stdin.take()
    }

    /// Its stdout as it comes; `None` once taken.
    pub fn take_stdout(&mut self) -> Option<ReadableStream> {
        self.stdout.take()
    }

    /// Its stderr as it comes; `None` once taken.
    pub fn take_stderr(&mut self) -> Option<ReadableStream> {
        self.stderr.take()
    }

    /// Sends signal `signo` (1 to 64) to it.
    pub fn kill(&self, signo: u8) -> worker::Result<()> {
        js::call(&self.process, "kill", &[JsValue::from_f64(f64::from(signo))])
            .map(drop)
            .map_err(worker::Error::RustError)
    }

    /// Its exit code once it ends (128 + N when signal N ended it). Read
    /// its stdout and stderr meanwhile (or take and drop them): a command
    /// whose output nobody reads may block on a full pipe.
    pub async fn exit_code(&self) -> worker::Result<i32> {
        let code = js::settled(self.exit_code_promise().map_err(worker::Error::RustError)?).await;
        let code = code.map_err(worker::Error::RustError)?;
        code.as_f64().map(|c| c as i32).ok_or_else(|| worker::Error::RustError("the exit code is no number".into()))
    }

    fn exit_code_promise(&self) -> Result<JsValue, String> {
        js::get(&self.process, "exitCode").ok_or_else(|| "the runtime's process has no exit code".to_string())
    }
}
