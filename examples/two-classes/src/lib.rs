//! Two container classes in one Worker: `/api/...` goes to a long-lived API
//! container, `/jobs/...` to a per-job container that sleeps after 30 s.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// The API: one shared instance, more memory, logs collected.
#[container(port = 8080, sleep_after = "10m", instance_type = "basic", observability(logs = true),
            env(MESSAGE = "api", REGION = var("REGION")), name = "two-classes-api")]
pub struct Api;

/// One container per job id, stopped 30 s after its last request.
#[container(
    port = 8080,
    sleep_after = "30s",
    max_instances = 50,
    env(MESSAGE = "job runner"),
    rollout(step_percentage = 25)
)]
pub struct JobRunner;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some("api"), _) => Api::named(&env, "api")?.fetch(req).await,
        (Some("jobs"), Some(job)) if !job.is_empty() => JobRunner::named(&env, job)?.fetch(req).await,
        _ => Response::error("try /api/ or /jobs/<id>/", 404),
    }
}
