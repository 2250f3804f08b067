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
    while let Some(&port) = pending.first() {
        if let Some(code) = exited() {
            return Err(NotReady::Exited(code));
        }
        if probe(container, port, &url, schedule.attempt_timeout).await {
            pending.remove(0);
            continue;
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

async fn probe(container: &Container, port: u16, url: &str, timeout: Duration) -> bool {
    let Ok(fetcher) = container.get_tcp_port(port) else { return false };
    let attempt = Box::pin(fetcher.fetch(url.to_string(), None));
    let answered = matches!(select(attempt, Delay::from(timeout)).await, Either::Left((Ok(_), _)));
    answered
}

/// Milliseconds since the epoch, from the JS clock.
pub fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}
