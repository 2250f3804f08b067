//! Lifecycle hooks a container class can override.

use worker::{Request, Response, Result};

use crate::Control;

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
///
/// Every hook gets a [`Control`]: proxy, start, stop, signal, state,
/// activity, schedules and the object's storage.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `hooks` in its #[container] attribute but no hooks",
    note = "add `impl cfcontainer::Hooks for {Self} {{}}` and override the hooks you need, or remove `hooks`"
)]
// `'static`: container classes are (`ContainerClass: 'static`), and the
// default `fetch` tells the runtime its type.
#[allow(async_fn_in_trait)]
pub trait Hooks: 'static {
    /// Every request that reaches the instance, first (a client's request
    /// the Worker sent with `fetch`, or with `fetch_port`, whose port
    /// [`Control::proxy`] then uses). The default proxies it into the
    /// container, starting it if needed. Override it to put your own logic
    /// in front of the container: authentication, rewriting, endpoints the
    /// object answers itself, per-object state in the struct's fields.
    ///
    /// A class that keeps the default passes requests and answers through
    /// as the JS objects they are: after its first request the hook is not
    /// called, and no workers-rs `Request` or `Response` is made for them.
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        control.default_fetch::<Self>(req).await
    }

    /// After the container answers on every required port (the runtime
    /// writes `[cfcontainer] MyContainer started` first).
    async fn on_start(&self, control: &Control<'_>) -> Result<()> {
        let _ = control;
        Ok(())
    }

    /// After the container stopped, for any reason (the runtime writes
    /// `[cfcontainer] MyContainer stopped with exit code N (reason)` first).
    async fn on_stop(&self, control: &Control<'_>, stop: StopInfo) -> Result<()> {
        let _ = (control, stop);
        Ok(())
    }

    /// When starting or proxying fails; the caller gets an error response.
    /// The runtime has already written the error to the console
    /// (`[cfcontainer] MyContainer error: ...`), so the default does
    /// nothing more.
    async fn on_error(&self, control: &Control<'_>, error: &str) -> Result<()> {
        let _ = (control, error);
        Ok(())
    }

    /// When `sleep_after` passed with no request or connection open.
    /// The default stops the container; a hook that does not stop it keeps
    /// it running for another `sleep_after`.
    async fn on_activity_expired(&self, control: &Control<'_>) -> Result<()> {
        control.stop()
    }

    /// When a schedule set with [`Control::schedule`] comes due, with the
    /// name it was given. Runs at most once per schedule, also after the
    /// object was evicted in between.
    async fn on_schedule(&self, control: &Control<'_>, name: &str) -> Result<()> {
        let _ = control;
        worker::console_log!("schedule `{name}` fired; implement Hooks::on_schedule to act on it");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::StopReason;

    #[test]
    fn a_container_killed_or_terminated_by_a_signal_stopped_for_a_runtime_signal() {
        // 128 + SIGKILL (9) and 128 + SIGTERM (15), as the engine reports them.
        assert_eq!(StopReason::of_exit_code(137), StopReason::RuntimeSignal);
        assert_eq!(StopReason::of_exit_code(143), StopReason::RuntimeSignal);
    }

    #[test]
    fn any_other_exit_code_is_an_exit_of_its_own() {
        // A clean exit, a failure, a crash (128 + SIGSEGV) and signal-like
        // codes a process may return itself.
        for code in [0, 1, 2, 127, 139, 9, 15, -1, 255] {
            assert_eq!(StopReason::of_exit_code(code), StopReason::Exit, "{code}");
        }
    }

    #[test]
    fn the_reasons_read_as_the_js_librarys() {
        assert_eq!(StopReason::Exit.to_string(), "exit");
        assert_eq!(StopReason::RuntimeSignal.to_string(), "runtime_signal");
    }
}
