//! Waiting until every required port answers.

use std::future::Future;
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::stream::{FuturesUnordered, StreamExt};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Container;

use crate::timer::Pause;

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

impl Schedule {
    /// The retry decision after a pause in which `port` stayed silent,
    /// `elapsed_ms` into the wait: a container that exited (`exited`, its
    /// code) is not waited for, one silent past the deadline has timed out,
    /// and otherwise the next pause is twice this `pause`, at most
    /// `max_retry`.
    fn after_silence(
        &self,
        port: u16,
        exited: Option<i32>,
        elapsed_ms: f64,
        pause: Duration,
    ) -> Result<Duration, NotReady> {
        if let Some(code) = exited {
            return Err(NotReady::Exited(code));
        }
        if elapsed_ms > self.deadline.as_millis() as f64 {
            return Err(NotReady::Timeout(port));
        }
        Ok((pause * 2).min(self.max_retry))
    }
}

/// Why the container never became ready.
#[derive(Debug, Clone, PartialEq)]
pub enum NotReady {
    /// It exited while starting.
    Exited(i32),
    /// The deadline passed with this port still silent.
    Timeout(u16),
}

/// What one probe saw.
enum Probe {
    /// Any HTTP answer.
    Answered,
    /// Refused, failed or timed out: not yet. (Since workerd 1.20260312 a
    /// port is reached through the container's networking sidecar, so an
    /// image need not `EXPOSE` it: "Container is not listening to port N"
    /// only ever means "not yet".)
    Silent,
}

/// How many probes of one port may be under way at once.
const MAX_ATTEMPTS_IN_FLIGHT: usize = 16;

/// Probes each port in turn until all answer, the container exits
/// (`exited` returns its code), or the deadline passes. Any HTTP answer
/// counts; a port not listening yet means "not yet".
///
/// Attempts overlap: a new one starts every pause while earlier ones are
/// still under way (each up to its own time limit). A port that accepts
/// but stays silent until the server listens would otherwise hold the
/// wait for a whole attempt limit after the server is ready; this way the
/// answer follows the listener within one pause.
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
    let mut attempts = FuturesUnordered::new();
    while let Some(&port) = pending.first() {
        if let Some(code) = exited() {
            return Err(NotReady::Exited(code));
        }
        if attempts.len() < MAX_ATTEMPTS_IN_FLIGHT {
            attempts.push(Box::pin(probe(container, port, &url, schedule.attempt_timeout)));
        }
        match next_result(&mut attempts, pause).await {
            Some(Probe::Answered) => {
                pending.remove(0);
                attempts.clear();
                continue;
            }
            Some(Probe::Silent) | None => {}
        }
        pause = schedule.after_silence(port, exited(), now_ms() - begin, pause)?;
    }
    Ok(())
}

/// Waits out `pause`, or less if an attempt answers; returns what the
/// attempts that ended meanwhile saw (an answer wins).
async fn next_result<F: Future<Output = Probe> + Unpin>(
    attempts: &mut FuturesUnordered<F>,
    pause: Duration,
) -> Option<Probe> {
    let mut tick = Pause::new(pause);
    let mut seen = None;
    loop {
        match select(attempts.next(), &mut tick).await {
            Either::Left((Some(Probe::Answered), _)) => return Some(Probe::Answered),
            Either::Left((Some(probe), _)) => seen = Some(probe),
            Either::Left((None, _)) => {
                (&mut tick).await;
                return seen;
            }
            Either::Right(_) => return seen,
        }
    }
}

async fn probe(container: &Container, port: u16, url: &str, timeout: Duration) -> Probe {
    let Ok(fetcher) = container.get_tcp_port(port) else { return Probe::Silent };
    // The JS fetcher itself: `worker::Fetcher::fetch` would link its
    // `RequestInit` conversion (about 5 KB of wasm) for an option unused here.
    let fetcher: worker::worker_sys::Fetcher = fetcher.into_rpc();
    let Ok(promise) = fetcher.fetch_with_str(url) else { return Probe::Silent };
    let attempt = JsFuture::from(promise);
    match select(attempt, Pause::new(timeout)).await {
        Either::Left((Ok(_), _)) => Probe::Answered,
        _ => Probe::Silent,
    }
}

/// Milliseconds since the epoch, from the JS clock.
pub fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{NotReady, Schedule};
    use crate::ReadinessTiming;

    /// The attribute's defaults: `readiness(timeout = "30s", attempt_timeout = "2s", first_retry_ms = 5, max_retry_ms = 50)`.
    fn defaults() -> Schedule {
        Schedule::from(ReadinessTiming {
            timeout_ms: 30_000,
            attempt_timeout_ms: 2_000,
            first_retry_ms: 5,
            max_retry_ms: 50,
        })
    }

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn the_attributes_milliseconds_become_the_schedule() {
        let schedule = Schedule::from(ReadinessTiming {
            timeout_ms: 45_000,
            attempt_timeout_ms: 1_500,
            first_retry_ms: 7,
            max_retry_ms: 64,
        });
        assert_eq!(
            (schedule.first_retry, schedule.max_retry, schedule.attempt_timeout, schedule.deadline),
            (ms(7), ms(64), ms(1_500), ms(45_000))
        );
    }

    #[test]
    fn the_pause_doubles_from_the_first_up_to_the_longest_and_stays_there() {
        let schedule = defaults();
        let mut pause = schedule.first_retry;
        let mut pauses = vec![pause];
        for elapsed_ms in [10.0, 20.0, 40.0, 80.0, 160.0] {
            pause = schedule.after_silence(8080, None, elapsed_ms, pause).expect("before the deadline");
            pauses.push(pause);
        }
        assert_eq!(pauses, [ms(5), ms(10), ms(20), ms(40), ms(50), ms(50)]);
    }

    #[test]
    fn a_first_pause_longer_than_the_longest_is_followed_by_the_longest() {
        let schedule = Schedule { first_retry: ms(80), ..defaults() };
        assert_eq!(schedule.after_silence(8080, None, 80.0, ms(80)), Ok(ms(50)));
    }

    #[test]
    fn a_port_still_silent_past_the_deadline_times_out_naming_that_port() {
        assert_eq!(defaults().after_silence(9090, None, 30_001.0, ms(50)), Err(NotReady::Timeout(9090)));
    }

    #[test]
    fn a_port_silent_exactly_at_the_deadline_is_tried_once_more() {
        assert_eq!(defaults().after_silence(9090, None, 30_000.0, ms(50)), Ok(ms(50)));
    }

    #[test]
    fn a_container_that_exited_is_not_waited_for_even_before_the_deadline() {
        assert_eq!(defaults().after_silence(8080, Some(1), 12.0, ms(5)), Err(NotReady::Exited(1)));
    }

    #[test]
    fn an_exit_is_reported_as_such_rather_than_as_a_timeout() {
        assert_eq!(defaults().after_silence(8080, Some(137), 60_000.0, ms(50)), Err(NotReady::Exited(137)));
    }
}
