//! The object's one alarm: due schedules, the sleep check after
//! `sleep_after` of idleness, and the stop grace period after which a
//! container that ignored `SIGTERM` is killed. What to do is decided over
//! plain state ([`Life::sleep_check`](super::life::Life::sleep_check),
//! [`next_alarm`]); this carries it out.

use worker::wasm_bindgen::JsValue;

use super::life::SleepCheck;
use super::ContainerObject;
use crate::readiness::now_ms;
use crate::schedules::{self, Entry};
use crate::{js, ContainerClass, Control};

impl<C: ContainerClass> ContainerObject<C> {
    /// Arms the sleep alarm unless it is armed; a job never sleeps.
    pub(super) async fn schedule_alarm(&self) -> worker::Result<()> {
        if !self.inner.life.borrow_mut().arm_sleep() {
            return Ok(());
        }
        let at = now_ms() + sleep_after_ms::<C>();
        let armed = self.arm(Some(at)).await;
        if armed.is_err() {
            self.inner.life.borrow_mut().alarm_not_set();
        }
        armed
    }

    /// The object's one alarm: fires due schedules, then looks after sleep,
    /// then sets the alarm for whichever of the two comes next.
    pub(super) async fn alarm(&self) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        for Entry { name, .. } in schedules::take_due(&storage, now_ms()).await? {
            let control = self.control();
            if let Err(error) = self.inner.user.on_schedule(&control, &name).await {
                let detail = format!("schedule `{name}` failed: {}", js::describe(&error.into()));
                self.on_error(&control, &detail).await?;
            }
            self.see_stop_through(&control).await?;
        }
        let next = self.sleep_check().await?;
        self.arm(next).await
    }

    /// Carries out the sleep check
    /// ([`Life::sleep_check`](super::life::Life::sleep_check)): kills a
    /// container that ignored its stop signal, asks `on_activity_expired`
    /// about an idle one. Returns when to look next, if ever.
    async fn sleep_check(&self) -> worker::Result<Option<f64>> {
        let sleep_after_ms = sleep_after_ms::<C>();
        let running = self.control().running();
        let job = C::CONFIG.port.is_none();
        let check = self.inner.life.borrow_mut().sleep_check(now_ms(), sleep_after_ms, job, running);
        match check {
            SleepCheck::Nothing => Ok(None),
            SleepCheck::LookAgainAt(at) => Ok(Some(at)),
            SleepCheck::Destroy => self.control().destroy().await.map(|()| None),
            SleepCheck::AskHook => {
                let control = self.control();
                self.inner.user.on_activity_expired(&control).await?;
                let stop_asked = control.stop_asked.get();
                Ok(self.inner.life.borrow_mut().after_expiry_hook(stop_asked, now_ms(), sleep_after_ms))
            }
        }
    }

    /// After a hook asked for a stop (`SIGTERM`): the container gets the
    /// grace period, then the alarm kills it if it still runs.
    pub(super) async fn see_stop_through(&self, control: &Control<'_>) -> worker::Result<()> {
        if !control.stop_asked.get() {
            return Ok(());
        }
        let grace_ends = self.inner.life.borrow_mut().begin_stop(now_ms());
        match grace_ends {
            Some(at) => self.arm(Some(at)).await,
            None => Ok(()),
        }
    }

    /// Sets the alarm to `at_ms` (ms since the epoch) or the soonest
    /// schedule, whichever comes first; the two share the object's alarm.
    async fn arm(&self, at_ms: Option<f64>) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        let Some(at) = next_alarm(at_ms, schedules::earliest(&storage).await?) else { return Ok(()) };
        let at = worker::js_sys::Date::new(&JsValue::from_f64(at));
        storage.set_alarm(worker::ScheduledTime::new(at)).await
    }

    /// Keeps a schedule; brings the alarm forward if it is due sooner.
    pub(super) async fn add_schedule(&self, at_ms: f64, name: String) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        schedules::add(&storage, Entry { at_ms, name }).await?;
        match brings_alarm_forward(storage.get_alarm().await?, at_ms) {
            true => self.arm(None).await,
            false => Ok(()),
        }
    }
}

/// `sleep_after` of the class `C`, in milliseconds.
fn sleep_after_ms<C: ContainerClass>() -> f64 {
    C::CONFIG.sleep_after_secs as f64 * 1000.0
}

/// When the alarm fires: at the sleep check `sleep_at_ms` or the soonest
/// schedule, whichever comes first; not at all without either.
fn next_alarm(sleep_at_ms: Option<f64>, soonest_schedule_ms: Option<f64>) -> Option<f64> {
    match (sleep_at_ms, soonest_schedule_ms) {
        (Some(sleep), Some(schedule)) => Some(sleep.min(schedule)),
        (one, other) => one.or(other),
    }
}

/// Whether a schedule due at `at_ms` needs the alarm set again: none is
/// pending, or the pending one fires after it.
fn brings_alarm_forward(pending_alarm_ms: Option<i64>, at_ms: f64) -> bool {
    !pending_alarm_ms.is_some_and(|pending| pending as f64 <= at_ms)
}

#[cfg(test)]
mod tests {
    use super::{brings_alarm_forward, next_alarm};

    const NOW: f64 = 1_800_000_000_000.0;

    #[test]
    fn the_alarm_fires_at_the_sleep_check_or_the_soonest_schedule_whichever_comes_first() {
        assert_eq!(next_alarm(Some(NOW + 600_000.0), Some(NOW + 5_000.0)), Some(NOW + 5_000.0));
        assert_eq!(next_alarm(Some(NOW + 5_000.0), Some(NOW + 600_000.0)), Some(NOW + 5_000.0));
    }

    #[test]
    fn the_alarm_fires_for_either_alone() {
        assert_eq!(next_alarm(Some(NOW), None), Some(NOW));
        assert_eq!(next_alarm(None, Some(NOW + 1.0)), Some(NOW + 1.0));
    }

    #[test]
    fn without_a_sleep_check_or_a_schedule_no_alarm_is_set() {
        assert_eq!(next_alarm(None, None), None);
    }

    #[test]
    fn a_schedule_with_no_alarm_pending_sets_one() {
        assert!(brings_alarm_forward(None, NOW));
    }

    #[test]
    fn a_schedule_due_before_the_pending_alarm_brings_it_forward() {
        assert!(brings_alarm_forward(Some(NOW as i64 + 60_000), NOW + 1_000.0));
    }

    #[test]
    fn a_schedule_due_at_or_after_the_pending_alarm_leaves_it() {
        assert!(!brings_alarm_forward(Some(NOW as i64), NOW));
        assert!(!brings_alarm_forward(Some(NOW as i64), NOW + 60_000.0));
    }
}
