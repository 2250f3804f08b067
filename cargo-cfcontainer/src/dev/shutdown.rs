//! The signals that end a `dev` session, kept from the session's start.

use crate::Error;

/// SIGINT (Ctrl-C) and SIGTERM, buffered between waits.
pub struct Shutdown {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Starts listening for both signals.
    pub fn listen() -> Result<Shutdown, Error> {
        use tokio::signal::unix::{signal, SignalKind};
        let failed = |e: std::io::Error| Error::Io { what: "listen for Ctrl-C".into(), source: e };
        Ok(Shutdown {
            interrupt: signal(SignalKind::interrupt()).map_err(failed)?,
            terminate: signal(SignalKind::terminate()).map_err(failed)?,
        })
    }

    /// Resolves once a signal arrived (at once if one came since the last call).
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
