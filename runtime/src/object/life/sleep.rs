//! What the object's one alarm does about sleeping: the sleep check after
//! `sleep_after` of idleness, and the stop grace period after which a
//! container that ignored `SIGTERM` is killed.

use super::Life;

/// How long a container may take to exit after `SIGTERM` before it is
/// killed, as `docker stop` does.
pub(in crate::object) const STOP_GRACE_MS: f64 = 10_000.0;

/// The object's one alarm, as used for sleeping.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(in crate::object) enum Sleep {
    /// No alarm pending: the next request sets one.
    #[default]
    Unarmed,
    /// An alarm is pending that checks for idleness.
    Armed,
    /// The container was asked to stop at `since_ms`; the pending alarm
    /// destroys it if it still runs [`STOP_GRACE_MS`] later.
    Stopping { since_ms: f64 },
}

/// What the alarm does about sleeping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(in crate::object) enum SleepCheck {
    /// Nothing to look after: the container does not run, or is a job
    /// (which runs until it exits).
    Nothing,
    /// The container ignored its stop signal for [`STOP_GRACE_MS`]: kill it.
    Destroy,
    /// Look again at this time (ms since the epoch).
    LookAgainAt(f64),
    /// Idle for `sleep_after`: ask `on_activity_expired`.
    AskHook,
}

impl Life {
    /// A new request or start cancels a stop that has not happened yet.
    pub(super) fn cancel_stop(&mut self) {
        if let Sleep::Stopping { .. } = self.sleep {
            self.sleep = Sleep::Armed;
        }
    }

    /// Whether the container was asked to stop and the grace period runs.
    pub(in crate::object) fn stopping(&self) -> bool {
        matches!(self.sleep, Sleep::Stopping { .. })
    }

    /// Arms the sleep alarm unless it is armed (or a stop is under way);
    /// true when the caller must set the alarm.
    pub(in crate::object) fn arm_sleep(&mut self) -> bool {
        let unarmed = matches!(self.sleep, Sleep::Unarmed);
        if unarmed {
            self.sleep = Sleep::Armed;
        }
        unarmed
    }

    /// Setting the alarm failed: the next request must try again, or the
    /// container would never sleep.
    pub(in crate::object) fn alarm_not_set(&mut self) {
        self.sleep = Sleep::Unarmed;
    }

    /// Enters the stop grace period at `now_ms` unless already in it;
    /// returns when it ends, for the alarm.
    pub(in crate::object) fn begin_stop(&mut self, now_ms: f64) -> Option<f64> {
        if self.stopping() {
            return None;
        }
        self.sleep = Sleep::Stopping { since_ms: now_ms };
        Some(now_ms + STOP_GRACE_MS)
    }

    /// The sleep decision the alarm takes at `now_ms`: a container that
    /// does not run needs no alarm; one that ignored its stop signal for
    /// the grace period is killed, and looked at again at its end before
    /// that; a job is left to run; a busy one is looked at again after
    /// another `sleep_after`, one idle for less than that when it will have
    /// been; one idle for `sleep_after` is the hook's to decide.
    pub(in crate::object) fn sleep_check(
        &mut self,
        now_ms: f64,
        sleep_after_ms: f64,
        job: bool,
        running: bool,
    ) -> SleepCheck {
        if !running {
            self.sleep = Sleep::Unarmed;
            return SleepCheck::Nothing;
        }
        match self.sleep {
            Sleep::Stopping { since_ms } if now_ms - since_ms >= STOP_GRACE_MS => {
                self.sleep = Sleep::Unarmed;
                return SleepCheck::Destroy;
            }
            Sleep::Stopping { since_ms } => return SleepCheck::LookAgainAt(since_ms + STOP_GRACE_MS),
            // A job runs until it exits.
            Sleep::Unarmed | Sleep::Armed if job => return SleepCheck::Nothing,
            Sleep::Unarmed | Sleep::Armed => {}
        }
        if self.activity.busy() {
            return SleepCheck::LookAgainAt(now_ms + sleep_after_ms);
        }
        if now_ms - self.activity.last_ms < sleep_after_ms {
            return SleepCheck::LookAgainAt(self.activity.last_ms + sleep_after_ms);
        }
        SleepCheck::AskHook
    }

    /// After `on_activity_expired` ran at `now_ms`: a hook that asked for a
    /// stop starts the grace period; one that did not keeps the container
    /// for another `sleep_after`. Returns when the alarm looks next.
    pub(in crate::object) fn after_expiry_hook(
        &mut self,
        stop_asked: bool,
        now_ms: f64,
        sleep_after_ms: f64,
    ) -> Option<f64> {
        if stop_asked {
            return self.begin_stop(now_ms);
        }
        self.sleep = Sleep::Armed;
        Some(now_ms + sleep_after_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::super::activity::Usage;
    use super::*;

    const MINUTE: f64 = 60_000.0;
    /// Some time of day, in ms since the epoch.
    const NOW: f64 = 1_800_000_000_000.0;

    fn running_and_idle_since(last_ms: f64) -> Life {
        Life { activity: Usage { last_ms, ..Usage::default() }, sleep: Sleep::Armed, ..Life::default() }
    }

    #[test]
    fn only_an_unarmed_sleep_alarm_is_set() {
        let mut life = Life::default();
        assert!(life.arm_sleep());
        assert_eq!(life.sleep, Sleep::Armed);
        assert!(!life.arm_sleep());
        let mut stopping = Life { sleep: Sleep::Stopping { since_ms: NOW }, ..Life::default() };
        assert!(!stopping.arm_sleep());
        assert!(stopping.stopping());
    }

    #[test]
    fn an_alarm_that_could_not_be_set_is_set_by_the_next_request() {
        let mut life = Life::default();
        assert!(life.arm_sleep());
        life.alarm_not_set();
        assert!(life.arm_sleep());
    }

    #[test]
    fn a_stop_gives_the_container_the_grace_period_once() {
        let mut life = Life { sleep: Sleep::Armed, ..Life::default() };
        assert_eq!(life.begin_stop(NOW), Some(NOW + STOP_GRACE_MS));
        assert_eq!(life.sleep, Sleep::Stopping { since_ms: NOW });
        assert_eq!(life.begin_stop(NOW + 3_000.0), None, "a second stop does not extend the grace period");
        assert_eq!(life.sleep, Sleep::Stopping { since_ms: NOW });
    }

    // The sleep check.

    #[test]
    fn a_container_that_does_not_run_needs_no_alarm() {
        for sleep in [Sleep::Unarmed, Sleep::Armed, Sleep::Stopping { since_ms: NOW - MINUTE }] {
            let mut life = Life { sleep, ..Life::default() };
            assert_eq!(life.sleep_check(NOW, MINUTE, false, false), SleepCheck::Nothing, "{sleep:?}");
            assert_eq!(life.sleep, Sleep::Unarmed, "{sleep:?}");
        }
    }

    #[test]
    fn a_container_that_ignored_its_stop_for_the_grace_period_is_killed() {
        let mut life = Life { sleep: Sleep::Stopping { since_ms: NOW - STOP_GRACE_MS }, ..Life::default() };
        assert_eq!(life.sleep_check(NOW, MINUTE, false, true), SleepCheck::Destroy);
        assert_eq!(life.sleep, Sleep::Unarmed);
    }

    #[test]
    fn a_stopping_container_within_its_grace_period_is_looked_at_again_when_it_ends() {
        let stopping = Sleep::Stopping { since_ms: NOW - 4_000.0 };
        let mut life = Life { sleep: stopping, ..Life::default() };
        assert_eq!(life.sleep_check(NOW, MINUTE, false, true), SleepCheck::LookAgainAt(NOW + 6_000.0));
        assert_eq!(life.sleep, stopping);
    }

    #[test]
    fn a_stopping_job_is_killed_after_the_grace_period_too() {
        let mut life = Life { sleep: Sleep::Stopping { since_ms: NOW - STOP_GRACE_MS - 1.0 }, ..Life::default() };
        assert_eq!(life.sleep_check(NOW, MINUTE, true, true), SleepCheck::Destroy);
    }

    #[test]
    fn a_running_job_is_never_put_to_sleep() {
        for sleep in [Sleep::Unarmed, Sleep::Armed] {
            let mut life = Life { sleep, ..running_and_idle_since(NOW - 10.0 * MINUTE) };
            assert_eq!(life.sleep_check(NOW, MINUTE, true, true), SleepCheck::Nothing);
            assert_eq!(life.sleep, sleep);
        }
    }

    #[test]
    fn a_busy_container_is_looked_at_again_after_another_sleep_after() {
        let mut waiting = running_and_idle_since(NOW - 10.0 * MINUTE);
        waiting.activity.in_flight = 1;
        assert_eq!(waiting.sleep_check(NOW, MINUTE, false, true), SleepCheck::LookAgainAt(NOW + MINUTE));
        let mut connected = running_and_idle_since(NOW - 10.0 * MINUTE);
        connected.activity.open_websockets = 1;
        assert_eq!(connected.sleep_check(NOW, MINUTE, false, true), SleepCheck::LookAgainAt(NOW + MINUTE));
    }

    #[test]
    fn a_container_idle_for_less_than_sleep_after_is_looked_at_again_when_it_will_have_been() {
        let mut life = running_and_idle_since(NOW - 20_000.0);
        assert_eq!(life.sleep_check(NOW, MINUTE, false, true), SleepCheck::LookAgainAt(NOW + 40_000.0));
        assert_eq!(life.sleep, Sleep::Armed);
    }

    #[test]
    fn a_stream_that_sends_nothing_does_not_keep_the_container_awake() {
        let mut life = running_and_idle_since(NOW - MINUTE);
        life.activity.streams = 1;
        assert_eq!(life.sleep_check(NOW, MINUTE, false, true), SleepCheck::AskHook);
    }

    #[test]
    fn a_container_idle_for_exactly_sleep_after_is_the_hooks_to_decide() {
        let mut life = running_and_idle_since(NOW - MINUTE);
        assert_eq!(life.sleep_check(NOW, MINUTE, false, true), SleepCheck::AskHook);
        assert_eq!(life.sleep, Sleep::Armed);
    }

    #[test]
    fn a_hook_that_asks_for_a_stop_starts_the_grace_period() {
        let mut life = running_and_idle_since(NOW - MINUTE);
        assert_eq!(life.after_expiry_hook(true, NOW, MINUTE), Some(NOW + STOP_GRACE_MS));
        assert_eq!(life.sleep, Sleep::Stopping { since_ms: NOW });
    }

    #[test]
    fn a_hook_that_keeps_the_container_has_it_looked_at_after_another_sleep_after() {
        let mut life = Life { sleep: Sleep::Unarmed, ..running_and_idle_since(NOW - MINUTE) };
        assert_eq!(life.after_expiry_hook(false, NOW, MINUTE), Some(NOW + MINUTE));
        assert_eq!(life.sleep, Sleep::Armed);
    }
}
