//! How requests and connections count as activity, which keeps the
//! container awake until `sleep_after` has passed without any.

use super::Life;

/// What keeps the container awake.
#[derive(Debug, Default, PartialEq)]
pub(in crate::object) struct Usage {
    /// Requests waiting for the container's answer, and answers of known
    /// length being sent: busy until they end.
    pub(in crate::object) in_flight: u32,
    /// Answers without a length being sent: activity only while they
    /// send (see [`crate::body`]).
    pub(in crate::object) streams: u32,
    /// WebSockets relayed right now.
    pub(in crate::object) open_websockets: u32,
    /// When the last request, message or streamed chunk came or went.
    pub(in crate::object) last_ms: f64,
}

impl Usage {
    /// Whether a request waits or a connection is open.
    pub(in crate::object) fn busy(&self) -> bool {
        self.in_flight > 0 || self.open_websockets > 0
    }

    /// Something happened at `now_ms`: `sleep_after` counts from then.
    pub(in crate::object) fn touch(&mut self, now_ms: f64) {
        self.last_ms = now_ms;
    }

    /// A request turned out to have an answer without length: from now it
    /// counts only while it sends.
    pub(in crate::object) fn request_streams(&mut self) {
        self.in_flight -= 1;
        self.streams += 1;
    }

    /// A request (and its answer) is over, counted as a stream or not.
    pub(in crate::object) fn request_ended(&mut self, streaming: bool, now_ms: f64) {
        match streaming {
            true => self.streams -= 1,
            false => self.in_flight -= 1,
        }
        self.last_ms = now_ms;
    }

    /// A WebSocket is relayed from now until it closes.
    pub(in crate::object) fn socket_opened(&mut self) {
        self.open_websockets += 1;
    }

    /// A relayed WebSocket closed at `now_ms`.
    pub(in crate::object) fn socket_closed(&mut self, now_ms: f64) {
        self.open_websockets -= 1;
        self.last_ms = now_ms;
    }
}

impl Life {
    /// A proxied request began at `now_ms`: it is activity, and cancels a
    /// stop that has not happened yet.
    pub(in crate::object) fn request_began(&mut self, now_ms: f64) {
        self.activity.in_flight += 1;
        self.activity.touch(now_ms);
        self.cancel_stop();
    }

    /// Code renewed the activity at `now_ms` (`Control::renew_activity`):
    /// `sleep_after` counts from then, and a pending stop is cancelled.
    pub(in crate::object) fn renew_activity(&mut self, now_ms: f64) {
        self.activity.touch(now_ms);
        self.cancel_stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Some time of day, in ms since the epoch.
    const NOW: f64 = 1_800_000_000_000.0;

    #[test]
    fn a_request_is_busy_from_its_start_and_idle_from_its_end() {
        let mut life = Life::default();
        life.request_began(NOW);
        assert!(life.activity.busy());
        assert_eq!(life.activity.last_ms, NOW);
        life.activity.request_ended(false, NOW + 5.0);
        assert!(!life.activity.busy());
        assert_eq!(life.activity, Usage { last_ms: NOW + 5.0, ..Usage::default() });
    }

    #[test]
    fn an_answer_without_length_stops_being_busy_and_counts_as_a_stream() {
        let mut life = Life::default();
        life.request_began(NOW);
        life.activity.request_streams();
        assert!(!life.activity.busy());
        assert_eq!((life.activity.in_flight, life.activity.streams), (0, 1));
        life.activity.request_ended(true, NOW + 9.0);
        assert_eq!(life.activity, Usage { last_ms: NOW + 9.0, ..Usage::default() });
    }

    #[test]
    fn an_open_websocket_is_busy_until_it_closes() {
        let mut usage = Usage::default();
        usage.socket_opened();
        assert!(usage.busy());
        usage.socket_closed(NOW);
        assert!(!usage.busy());
        assert_eq!(usage.last_ms, NOW);
    }

    #[test]
    fn a_request_or_renewed_activity_cancels_a_pending_stop() {
        let mut life = Life::default();
        life.begin_stop(NOW);
        life.request_began(NOW + 1.0);
        assert!(!life.stopping());
        assert!(!life.arm_sleep(), "the sleep alarm stays armed");
        let mut life = Life::default();
        life.begin_stop(NOW);
        life.renew_activity(NOW + 2.0);
        assert!(!life.stopping());
        assert!(!life.arm_sleep(), "the sleep alarm stays armed");
        assert_eq!(life.activity.last_ms, NOW + 2.0);
    }

    #[test]
    fn a_request_leaves_an_unarmed_alarm_for_its_caller_to_set() {
        let mut life = Life::default();
        life.request_began(NOW);
        assert!(life.arm_sleep());
    }
}
