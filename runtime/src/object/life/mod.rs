//! What the object knows of its container, as plain state (no JS, no
//! worker types), and the decisions taken over it. Here: whether a caller
//! starts the container or joins the start under way, and which exit the
//! state reports; how requests and connections count as activity is in
//! [`activity`], what the alarm does about sleeping in [`sleep`]. The
//! object's tasks carry out what these decide, so the decisions themselves
//! are unit-tested on the host.

mod activity;
mod sleep;

use futures_util::future::{LocalBoxFuture, Shared};

use self::activity::Usage;
use self::sleep::Sleep;
pub(super) use self::sleep::SleepCheck;
use super::unavailable::Unavailable;
use crate::ContainerState;

/// One start's wait for readiness, shared by every caller that arrives
/// while it runs.
pub(super) type Readiness = Shared<LocalBoxFuture<'static, Result<(), Unavailable>>>;

/// What this object knows of its container.
#[derive(Default)]
pub(super) struct Life {
    /// Bumped at every start; tells a stale exit from the current one.
    pub(super) generation: u64,
    /// Where the current generation is.
    pub(super) phase: Phase,
    /// The last exit seen, of any generation: the state reports it while
    /// it is the current generation's.
    pub(super) last_exit: Option<Exit>,
    /// Whether the object's storage holds an exit, which the next start
    /// clears.
    pub(super) exit_stored: bool,
    /// Requests and connections, for idleness.
    pub(super) activity: Usage,
    /// The sleep alarm.
    pub(super) sleep: Sleep,
}

/// Where the current generation of the container is.
#[derive(Default)]
pub(super) enum Phase {
    /// Not started by this object, or exited.
    #[default]
    Stopped,
    /// Started; its ports are being probed. Every request that arrives
    /// meanwhile waits on the same readiness.
    Starting(Readiness),
    /// Every required port answered.
    Ready,
}

/// One exit of the container.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Exit {
    /// The start it ended.
    pub(super) generation: u64,
    /// The process's exit code.
    pub(super) code: i32,
    /// When it was seen, in ms since the epoch.
    pub(super) at_ms: f64,
}

/// How a caller that needs the container ready goes about it.
pub(super) enum Start {
    /// It is ready: use it.
    Ready,
    /// A start is under way: wait on its readiness too.
    Join(Readiness),
    /// Nothing runs, or the last start failed: launch this new generation.
    Launch(u64),
}

/// Whether a start's readiness ended in failure (it may still run, or have
/// ended well).
fn failed(readiness: &Readiness) -> bool {
    matches!(readiness.peek(), Some(Err(_)))
}

impl Life {
    /// The start decision: a ready container is used, a start under way
    /// that has not failed is joined, and otherwise (stopped, or the last
    /// start failed) a new generation is launched; the caller puts its
    /// readiness in [`Phase::Starting`]. A start cancels a pending stop.
    pub(super) fn start_or_join(&mut self) -> Start {
        match &self.phase {
            Phase::Ready => Start::Ready,
            Phase::Starting(readiness) if !failed(readiness) => Start::Join(readiness.clone()),
            Phase::Stopped | Phase::Starting(_) => {
                self.generation += 1;
                self.cancel_stop();
                Start::Launch(self.generation)
            }
        }
    }

    /// True when no run of this object is under way: none started, the
    /// latest ended, or its start failed.
    pub(super) fn run_over(&self) -> bool {
        match &self.phase {
            Phase::Stopped => true,
            Phase::Starting(readiness) => failed(readiness),
            Phase::Ready => false,
        }
    }

    /// `generation`'s ports all answered: it is ready, unless a newer start
    /// replaced it or it exited meanwhile.
    pub(super) fn became_ready(&mut self, generation: u64) {
        if self.generation == generation && matches!(self.phase, Phase::Starting(_)) {
            self.phase = Phase::Ready;
        }
    }

    /// `generation`'s exit code, once it exited.
    pub(super) fn exit_code_of(&self, generation: u64) -> Option<i32> {
        self.last_exit.filter(|e| e.generation == generation).map(|e| e.code)
    }

    /// Records an exit; true when it ended the current generation, which
    /// is then stopped (an older generation's exit changes nothing else).
    pub(super) fn record_exit(&mut self, exit: Exit) -> bool {
        self.last_exit = Some(exit);
        let current = self.generation == exit.generation;
        if current {
            self.phase = Phase::Stopped;
        }
        current
    }

    /// An exit found in storage by a fresh object instance becomes the
    /// current generation's, unless this instance saw one itself.
    pub(super) fn adopt_stored_exit(&mut self, code: i32, at_ms: f64) {
        self.exit_stored = true;
        if self.last_exit.is_none() {
            self.last_exit = Some(Exit { generation: self.generation, code, at_ms });
        }
    }

    /// Why a proxied request failed: the container's exit if one was seen
    /// (of any generation), else the port could not be reached (`why`
    /// being workerd's reason, only asked for then).
    pub(super) fn proxy_failure(&self, port: u16, why: impl FnOnce() -> String) -> Unavailable {
        match self.last_exit {
            Some(exit) => Unavailable::Exited(exit.code),
            None => Unavailable::Unreachable { port, why: why() },
        }
    }

    /// The state reported for the container, `running` or not: ready only
    /// while running, the exit only while it is the current generation's,
    /// streamed answers counted among the requests in flight.
    pub(super) fn report(&self, running: bool) -> ContainerState {
        let exit = self.last_exit.filter(|e| e.generation == self.generation);
        ContainerState {
            running,
            ready: running && matches!(self.phase, Phase::Ready),
            last_exit_code: exit.map(|e| e.code),
            last_exit_at_ms: exit.map(|e| e.at_ms as u64),
            in_flight: self.activity.in_flight + self.activity.streams,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::future::{pending, FutureExt};

    use super::*;

    const MINUTE: f64 = 60_000.0;
    /// Some time of day, in ms since the epoch.
    const NOW: f64 = 1_800_000_000_000.0;

    fn still_starting() -> Readiness {
        pending().boxed_local().shared()
    }

    fn ended(result: Result<(), Unavailable>) -> Readiness {
        let readiness = async move { result }.boxed_local().shared();
        assert!(readiness.clone().now_or_never().is_some(), "a finished readiness resolves at once");
        readiness
    }

    // The start decision.

    #[test]
    fn a_ready_container_is_used_as_it_is() {
        let mut life = Life { generation: 4, phase: Phase::Ready, ..Life::default() };
        assert!(matches!(life.start_or_join(), Start::Ready));
        assert_eq!(life.generation, 4);
    }

    #[test]
    fn a_start_under_way_is_joined_rather_than_started_again() {
        let mut life = Life { generation: 2, phase: Phase::Starting(still_starting()), ..Life::default() };
        assert!(matches!(life.start_or_join(), Start::Join(_)));
        assert_eq!(life.generation, 2);
    }

    #[test]
    fn a_start_that_succeeded_but_is_not_yet_marked_ready_is_joined() {
        let mut life = Life { generation: 2, phase: Phase::Starting(ended(Ok(()))), ..Life::default() };
        assert!(matches!(life.start_or_join(), Start::Join(_)));
        assert_eq!(life.generation, 2);
    }

    #[test]
    fn a_stopped_container_is_launched_as_a_new_generation() {
        let mut life = Life { generation: 7, ..Life::default() };
        assert!(matches!(life.start_or_join(), Start::Launch(8)));
        assert_eq!(life.generation, 8);
    }

    #[test]
    fn a_failed_start_is_not_joined_but_launched_again() {
        let failed = ended(Err(Unavailable::Crashed(1)));
        let mut life = Life { generation: 3, phase: Phase::Starting(failed), ..Life::default() };
        assert!(matches!(life.start_or_join(), Start::Launch(4)));
        assert_eq!(life.generation, 4);
    }

    #[test]
    fn a_new_start_cancels_a_pending_stop() {
        let mut life = Life { sleep: Sleep::Stopping { since_ms: NOW }, ..Life::default() };
        life.start_or_join();
        assert_eq!(life.sleep, Sleep::Armed);
    }

    #[test]
    fn joining_a_start_leaves_a_pending_stop_alone() {
        let stopping = Sleep::Stopping { since_ms: NOW };
        let mut life = Life { phase: Phase::Starting(still_starting()), sleep: stopping, ..Life::default() };
        life.start_or_join();
        assert_eq!(life.sleep, stopping);
    }

    #[test]
    fn a_run_is_over_when_stopped_or_its_start_failed_and_not_while_starting_or_ready() {
        let over = |phase| Life { phase, ..Life::default() }.run_over();
        assert!(over(Phase::Stopped));
        assert!(over(Phase::Starting(ended(Err(Unavailable::NotReady(8080))))));
        assert!(!over(Phase::Starting(still_starting())));
        assert!(!over(Phase::Starting(ended(Ok(())))));
        assert!(!over(Phase::Ready));
    }

    #[test]
    fn the_current_generation_becomes_ready_when_its_ports_answer() {
        let mut life = Life { generation: 5, phase: Phase::Starting(still_starting()), ..Life::default() };
        life.became_ready(5);
        assert!(matches!(life.phase, Phase::Ready));
    }

    #[test]
    fn an_older_generations_readiness_does_not_make_the_current_one_ready() {
        let mut life = Life { generation: 6, phase: Phase::Starting(still_starting()), ..Life::default() };
        life.became_ready(5);
        assert!(matches!(life.phase, Phase::Starting(_)));
    }

    #[test]
    fn a_container_that_exited_before_its_readiness_was_seen_stays_stopped() {
        let mut life = Life { generation: 5, phase: Phase::Stopped, ..Life::default() };
        life.became_ready(5);
        assert!(matches!(life.phase, Phase::Stopped));
    }

    // Exits.

    #[test]
    fn the_current_generations_exit_stops_it() {
        let mut life = Life { generation: 2, phase: Phase::Ready, ..Life::default() };
        let exit = Exit { generation: 2, code: 0, at_ms: NOW };
        assert!(life.record_exit(exit));
        assert!(matches!(life.phase, Phase::Stopped));
        assert_eq!(life.exit_code_of(2), Some(0));
    }

    #[test]
    fn an_older_generations_exit_leaves_the_current_one_running() {
        let mut life = Life { generation: 3, phase: Phase::Ready, ..Life::default() };
        assert!(!life.record_exit(Exit { generation: 2, code: 137, at_ms: NOW }));
        assert!(matches!(life.phase, Phase::Ready));
        assert_eq!(life.exit_code_of(3), None);
        assert_eq!(life.exit_code_of(2), Some(137));
    }

    #[test]
    fn an_exit_kept_in_storage_becomes_the_current_generations_for_a_fresh_instance() {
        let mut life = Life::default();
        life.adopt_stored_exit(3, NOW);
        assert!(life.exit_stored);
        assert_eq!(life.last_exit, Some(Exit { generation: 0, code: 3, at_ms: NOW }));
        assert_eq!(life.report(false).last_exit_code, Some(3));
    }

    #[test]
    fn an_exit_seen_by_the_instance_itself_wins_over_the_stored_one() {
        let seen = Exit { generation: 1, code: 0, at_ms: NOW };
        let mut life = Life { generation: 1, last_exit: Some(seen), ..Life::default() };
        life.adopt_stored_exit(9, NOW - MINUTE);
        assert!(life.exit_stored);
        assert_eq!(life.last_exit, Some(seen));
    }

    #[test]
    fn a_failed_request_after_an_exit_is_reported_as_that_exit() {
        let life = Life { last_exit: Some(Exit { generation: 1, code: 2, at_ms: NOW }), ..Life::default() };
        let failure = life.proxy_failure(8080, || panic!("workerd's reason is not asked for"));
        assert_eq!(failure, Unavailable::Exited(2));
    }

    #[test]
    fn a_failed_request_without_an_exit_is_an_unreachable_port_with_workerds_reason() {
        let failure = Life::default().proxy_failure(8080, || "Network connection lost.".into());
        assert_eq!(failure, Unavailable::Unreachable { port: 8080, why: "Network connection lost.".into() });
    }

    // The reported state.

    #[test]
    fn a_container_is_reported_ready_only_while_it_runs() {
        let life = Life { phase: Phase::Ready, ..Life::default() };
        assert!(life.report(true).ready);
        assert!(!life.report(false).ready);
        assert!(!Life { phase: Phase::Starting(still_starting()), ..Life::default() }.report(true).ready);
    }

    #[test]
    fn the_state_reports_the_current_generations_exit_only() {
        let exit = Exit { generation: 1, code: 42, at_ms: 1_700_000_000_123.0 };
        let ended = Life { generation: 1, last_exit: Some(exit), ..Life::default() }.report(false);
        assert_eq!((ended.last_exit_code, ended.last_exit_at_ms), (Some(42), Some(1_700_000_000_123)));
        let restarted = Life { generation: 2, last_exit: Some(exit), ..Life::default() }.report(true);
        assert_eq!((restarted.last_exit_code, restarted.last_exit_at_ms), (None, None));
    }

    #[test]
    fn streamed_answers_count_among_the_requests_in_flight() {
        let activity = Usage { in_flight: 2, streams: 3, open_websockets: 4, last_ms: NOW };
        assert_eq!(Life { activity, ..Life::default() }.report(true).in_flight, 5);
    }
}
