//! Why a request (or a start from code) could not reach the container,
//! told twice: in full to `on_error` and the Worker's log, in short to the
//! client, who must not learn the object's configuration from it.

/// Why a request could not reach the container.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Unavailable {
    /// No container could be had (no instance, bad configuration).
    NoInstance(String),
    /// The container exited while starting.
    Crashed(i32),
    /// A port stayed silent until the deadline.
    NotReady(u16),
    /// A request reached a job, which listens on no port.
    Job,
    /// The container had exited when the request to it failed.
    Exited(i32),
    /// The request to this port failed, for the reason workerd gave.
    Unreachable { port: u16, why: String },
}

impl Unavailable {
    /// The short reason the client sees: no configuration detail (a
    /// missing secret's name stays in `on_error` and the log) and none of
    /// workerd's own error text.
    pub(super) fn public_message(&self) -> String {
        match self {
            Unavailable::NoInstance(_) => "no container instance available; the Worker's log says why".into(),
            Unavailable::Unreachable { port, .. } => format!("could not reach the container on port {port}"),
            other => other.message(),
        }
    }

    /// The full reason `on_error` sees.
    pub(super) fn message(&self) -> String {
        match self {
            Unavailable::NoInstance(why) => format!("no container instance available: {why}"),
            Unavailable::Crashed(code) => format!("container exited with code {code} while starting"),
            Unavailable::NotReady(port) => format!("container did not answer on port {port} in time"),
            Unavailable::Job => "this container is a job: it listens on no port".into(),
            Unavailable::Exited(code) => format!("container exited with code {code}"),
            Unavailable::Unreachable { port, why } => format!("could not reach the container on port {port}: {why}"),
        }
    }

    /// The HTTP status of the client's answer: the container's own fault
    /// (it exited) is a 500, a failed hop to it a 502, no container (yet)
    /// a 503, and a request to a job a 404.
    pub(super) fn status(&self) -> u16 {
        match self {
            Unavailable::Crashed(_) | Unavailable::Exited(_) => 500,
            Unavailable::Unreachable { .. } => 502,
            Unavailable::NoInstance(_) | Unavailable::NotReady(_) => 503,
            Unavailable::Job => 404,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Unavailable;

    #[test]
    fn the_client_never_sees_why_no_instance_could_be_had() {
        let secret_missing = Unavailable::NoInstance("Worker secret `API_TOKEN` (for env var TOKEN) is not set".into());
        let public = secret_missing.public_message();
        assert!(!public.contains("API_TOKEN") && !public.contains("TOKEN"), "{public}");
        assert_eq!(public, "no container instance available; the Worker's log says why");
        assert_eq!(secret_missing.status(), 503);
    }

    #[test]
    fn on_error_hears_the_whole_reason_no_instance_could_be_had() {
        let secret_missing = Unavailable::NoInstance("Worker secret `API_TOKEN` (for env var TOKEN) is not set".into());
        assert_eq!(
            secret_missing.message(),
            "no container instance available: Worker secret `API_TOKEN` (for env var TOKEN) is not set"
        );
    }

    #[test]
    fn the_client_never_sees_workerds_own_error_text_for_an_unreachable_port() {
        let unreachable = Unavailable::Unreachable { port: 8080, why: "Network connection lost.".into() };
        assert_eq!(unreachable.public_message(), "could not reach the container on port 8080");
        assert_eq!(unreachable.message(), "could not reach the container on port 8080: Network connection lost.");
        assert_eq!(unreachable.status(), 502);
    }

    #[test]
    fn a_container_that_exited_is_a_server_error_with_its_exit_code() {
        for (unavailable, said) in [
            (Unavailable::Crashed(3), "container exited with code 3 while starting"),
            (Unavailable::Exited(137), "container exited with code 137"),
        ] {
            assert_eq!(unavailable.public_message(), said);
            assert_eq!(unavailable.message(), said);
            assert_eq!(unavailable.status(), 500, "{said}");
        }
    }

    #[test]
    fn a_port_silent_until_the_deadline_is_unavailable_for_now() {
        let silent = Unavailable::NotReady(9090);
        assert_eq!(silent.public_message(), "container did not answer on port 9090 in time");
        assert_eq!(silent.status(), 503);
    }

    #[test]
    fn a_request_to_a_job_is_not_found() {
        assert_eq!(Unavailable::Job.public_message(), "this container is a job: it listens on no port");
        assert_eq!(Unavailable::Job.status(), 404);
    }
}
