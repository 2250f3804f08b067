//! Waiting until every required port answers.

use std::time::Duration;

use futures_util::future::{select, Either};
use worker::{Container, Delay};

/// How long to wait for readiness, and how often to look.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// First pause between attempts.
    pub first_retry: Duration,
    /// Longest pause between attempts.
    pub max_retry: Duration,
    /// Time limit of one attempt (a port can accept and then hang).
    pub attempt_timeout: Duration,
    /// Overall limit.
    pub deadline: Duration,
}

impl From<crate::ReadinessTiming> for Schedule {
    fn from(t: crate::ReadinessTiming) -> Self {
        Schedule {
            first_retry: Duration::from_millis(t.first_retry_ms),
            max_retry: Duration::from_millis(t.max_retry_ms),
            attempt_timeout: Duration::from_millis(t.attempt_timeout_ms),
            deadline: Duration::from_millis(t.timeout_ms),
        }
    }
}

/// Why the container never became ready.
#[derive(Debug, Clone)]
pub enum NotReady {
    /// It exited while starting.
    Exited(i32),
    /// The deadline passed with this port still silent.
    Timeout(u16),
    /// The container runs, but the runtime finds no such port: the image
    /// does not `EXPOSE` it.
    NotExposed(u16),
}

/// How long a running container's port may be "not found" before that
/// means the image does not expose it. Ports are published when the
/// container is created, so a port still missing this long after the
/// container runs will not appear; waiting out the whole readiness limit
/// would only delay the same answer.
const NOT_EXPOSED_AFTER_MS: f64 = 5_000.0;

/// What one probe saw.
enum Probe {
    /// Any HTTP answer.
    Answered,
    /// The runtime knows no such port on the container.
    PortNotFound,
    /// Refused, failed or timed out: not yet.
    Silent,
}

/// Probes each port in turn until all answer, the container exits
/// (`exited` returns its code), or the deadline passes. Any HTTP answer
/// counts; "port not found" and refused connections mean "not yet".
pub async fn wait(
    container: &Container,
    ports: &[u16],
    path: &str,
    schedule: Schedule,
    exited: impl Fn() -> Option<i32>,
) -> Result<(), NotReady> {
    let begin = now_ms();
    let url = format!("http://container{path}");
    let mut pause = schedule.first_retry;
    let mut pending: Vec<u16> = ports.to_vec();
    let mut not_found_since: Option<f64> = None;
    while let Some(&port) = pending.first() {
        if let Some(code) = exited() {
            return Err(NotReady::Exited(code));
        }
        match probe(container, port, &url, schedule.attempt_timeout).await {
            Probe::Answered => {
                pending.remove(0);
                not_found_since = None;
                continue;
            }
            Probe::PortNotFound if container.running() => {
                let since = *not_found_since.get_or_insert_with(now_ms);
                if now_ms() - since >= NOT_EXPOSED_AFTER_MS {
                    return Err(NotReady::NotExposed(port));
                }
            }
            Probe::PortNotFound | Probe::Silent => not_found_since = None,
        }
        if let Some(code) = exited() {
            return Err(NotReady::Exited(code));
        }
        if now_ms() - begin > schedule.deadline.as_millis() as f64 {
            return Err(NotReady::Timeout(port));
        }
        Delay::from(pause).await;
        pause = (pause * 2).min(schedule.max_retry);
    }
    Ok(())
}

async fn probe(container: &Container, port: u16, url: &str, timeout: Duration) -> Probe {
    let Ok(fetcher) = container.get_tcp_port(port) else { return Probe::Silent };
    let attempt = Box::pin(fetcher.fetch(url.to_string(), None));
    let seen = match select(attempt, Delay::from(timeout)).await {
        Either::Left((Ok(_), _)) => Probe::Answered,
        // workerd: "connect(): Connection refused: container port not found.
        // Make sure you exposed the port in your container definition."
        Either::Left((Err(error), _)) if error.to_string().contains("port not found") => Probe::PortNotFound,
        _ => Probe::Silent,
    };
    seen
}

/// Milliseconds since the epoch, from the JS clock.
pub fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}
