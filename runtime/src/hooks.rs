//! Lifecycle hooks a container class can override.

use worker::{Env, Result, State};

/// How and why a container stopped, as given to [`Hooks::on_stop`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopInfo {
    /// The process's exit code (137 when killed, 0 on a clean exit).
    pub exit_code: i32,
    /// Whether it ended by itself or was stopped.
    pub reason: StopReason,
}

/// Why a container stopped (the JS library's `exit` / `runtime_signal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The process ended by itself.
    Exit,
    /// It was stopped or killed by a signal (exit code 137 or 143).
    RuntimeSignal,
}

impl StopReason {
    /// The reason an exit code stands for.
    pub fn of_exit_code(exit_code: i32) -> StopReason {
        match exit_code {
            137 | 143 => StopReason::RuntimeSignal,
            _ => StopReason::Exit,
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::Exit => "exit",
            StopReason::RuntimeSignal => "runtime_signal",
        })
    }
}

/// What a hook may do: read the Durable Object's state and env, and stop
/// or signal its container.
pub struct Control<'a> {
    pub(crate) state: &'a State,
    pub(crate) env: &'a Env,
    /// Set when a hook asked the container to stop (SIGTERM), so the
    /// runtime knows to see the stop through.
    pub(crate) stop_asked: std::cell::Cell<bool>,
}

impl<'a> Control<'a> {
    pub(crate) fn new(state: &'a State, env: &'a Env) -> Control<'a> {
        Control { state, env, stop_asked: std::cell::Cell::new(false) }
    }
}

impl Control<'_> {
    /// The Durable Object's state (storage, id).
    pub fn state(&self) -> &State {
        self.state
    }

    /// The Worker's env (vars, secrets, bindings).
    pub fn env(&self) -> &Env {
        self.env
    }

    /// Whether the container is running.
    pub fn running(&self) -> bool {
        self.state.container().is_some_and(|c| c.running())
    }

    /// Sends `SIGTERM` to the container so it can shut down cleanly; one
    /// still running after a grace period is killed.
    pub fn stop(&self) -> Result<()> {
        self.signal(15)
    }

    /// Sends a signal to the container's process (e.g. 15 for `SIGTERM`).
    pub fn signal(&self, signo: i32) -> Result<()> {
        if signo == 15 {
            self.stop_asked.set(true);
        }
        match self.state.container() {
            Some(c) if c.running() => c.signal(signo),
            _ => Ok(()),
        }
    }

    /// Kills the container at once.
    pub async fn destroy(&self) -> Result<()> {
        match self.state.container() {
            Some(c) if c.running() => c.destroy(None).await,
            _ => Ok(()),
        }
    }
}

/// Lifecycle hooks, with the JS library's defaults. `#[container]`
/// implements this trait with every default unless the attribute says
/// `hooks`, in which case you write the impl and override what you need:
///
/// ```ignore
/// #[cfcontainer::container(port = 8080, hooks)]
/// pub struct MyContainer;
///
/// impl cfcontainer::Hooks for MyContainer {
///     async fn on_start(&self, _: &cfcontainer::Control<'_>) -> worker::Result<()> {
///         worker::console_log!("Container successfully started");
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `hooks` in its #[container] attribute but no hooks",
    note = "add `impl cfcontainer::Hooks for {Self} {{}}` and override the hooks you need, or remove `hooks`"
)]
#[allow(async_fn_in_trait)]
pub trait Hooks {
    /// After the container answers on every required port.
    async fn on_start(&self, control: &Control<'_>) -> Result<()> {
        let _ = control;
        Ok(())
    }

    /// After the container stopped, for any reason.
    async fn on_stop(&self, control: &Control<'_>, stop: StopInfo) -> Result<()> {
        let _ = (control, stop);
        Ok(())
    }

    /// When starting or proxying fails; the caller gets an error response.
    async fn on_error(&self, control: &Control<'_>, error: &str) -> Result<()> {
        let _ = control;
        worker::console_error!("container error: {error}");
        Ok(())
    }

    /// When `sleep_after` passed with no request or connection open.
    /// The default stops the container; a hook that does not stop it keeps
    /// it running for another `sleep_after`.
    async fn on_activity_expired(&self, control: &Control<'_>) -> Result<()> {
        control.stop()
    }
}
