//! Queue consumers: this Worker consuming the queues its wrangler file
//! names, created or updated with the official CLI's body, and only when
//! what the account shows differs from what the file asks for.

use serde::Serialize;

use crate::api::{Client, ConsumerBody, ConsumerSettings, Queue};
use crate::output::Output;
use crate::project::WorkerSettings;
use crate::Error;

/// One consumer the file asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredConsumer {
    /// The queue.
    pub queue: String,
    /// What to send.
    pub body: ConsumerBody,
}

/// The consumers the wrangler file of `worker` asks for. As in the
/// official CLI, only Worker consumers are configured from the file (a
/// pull consumer is an error), and `visibility_timeout_ms`, which only
/// pull consumers have, is not sent.
pub fn desired(worker: &WorkerSettings) -> Result<Vec<DesiredConsumer>, Error> {
    let Some(source) = &worker.wrangler else { return Ok(Vec::new()) };
    let mut all = Vec::new();
    for (i, c) in source.bindings.queues.consumers.iter().enumerate() {
        if let Some(kind) = c.kind.as_deref().filter(|k| *k != "worker") {
            let why = format!(
                "`queues.consumers[{i}].type` is {kind:?}, but only \"worker\" consumers can be configured in a wrangler file (as in the official CLI); remove the entry and create the pull consumer with `wrangler queues consumer http add {}`",
                c.queue
            );
            return Err(Error::WranglerSource { path: source.path.clone(), why });
        }
        // As the official CLI converts them: the batch timeout in ms.
        let settings = ConsumerSettings {
            batch_size: c.max_batch_size,
            max_retries: c.max_retries,
            max_wait_time_ms: c.max_batch_timeout.map(|s| (s * 1000.0).round() as u64),
            max_concurrency: c.max_concurrency,
            retry_delay: c.retry_delay,
        };
        let body = ConsumerBody {
            kind: "worker",
            dead_letter_queue: c.dead_letter_queue.clone(),
            script_name: worker.name.clone(),
            settings,
        };
        all.push(DesiredConsumer { queue: c.queue.clone(), body });
    }
    Ok(all)
}

/// Every queue the file names: producers' and consumers'.
pub fn queue_names(worker: &WorkerSettings) -> Vec<String> {
    let Some(source) = &worker.wrangler else { return Vec::new() };
    let queues = &source.bindings.queues;
    let mut names: Vec<String> = queues.producers.iter().map(|p| p.queue.clone()).collect();
    names.extend(queues.consumers.iter().map(|c| c.queue.clone()));
    names.sort();
    names.dedup();
    names
}

/// What happens to one consumer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ConsumerStep {
    /// Created on the queue.
    Create {
        /// The queue.
        queue: String,
        /// Its id.
        #[serde(skip)]
        queue_id: String,
        /// What is sent.
        body: ConsumerBody,
    },
    /// Updated.
    Update {
        /// The queue.
        queue: String,
        /// Its id.
        #[serde(skip)]
        queue_id: String,
        /// The consumer's id.
        #[serde(skip)]
        consumer_id: String,
        /// What is sent.
        body: ConsumerBody,
    },
}

/// The steps that bring `queues` (as read) to `desired`; none for a
/// consumer whose settings already are the file's. A queue that does not
/// exist is an error (`queues` lacks it).
pub fn steps(queues: &[Queue], desired: &[DesiredConsumer]) -> Result<Vec<ConsumerStep>, Error> {
    let mut steps = Vec::new();
    for want in desired {
        let queue = queues
            .iter()
            .find(|q| q.queue_name == want.queue)
            .ok_or_else(|| Error::NoQueue { name: want.queue.clone() })?;
        let ours = queue
            .consumers
            .iter()
            .find(|c| c.kind == "worker" && c.script.as_deref() == Some(want.body.script_name.as_str()));
        let (queue_name, queue_id, body) = (want.queue.clone(), queue.queue_id.clone(), want.body.clone());
        match ours {
            None => steps.push(ConsumerStep::Create { queue: queue_name, queue_id, body }),
            Some(c)
                if !want.body.settings.satisfied_by(&c.settings)
                    || (want.body.dead_letter_queue.is_some()
                        && want.body.dead_letter_queue != c.dead_letter_queue) =>
            {
                let consumer_id = c.consumer_id.clone();
                steps.push(ConsumerStep::Update { queue: queue_name, queue_id, consumer_id, body })
            }
            Some(_) => {}
        }
    }
    Ok(steps)
}

/// Reads the queues named `names`; one that does not exist is missing
/// from the result.
pub async fn read(client: &Client, names: &[String], out: &Output) -> Result<Vec<Queue>, Error> {
    let mut queues = Vec::new();
    for name in names {
        queues.extend(client.queue_named(name, out).await?);
    }
    Ok(queues)
}

/// [`read`] with every queue asked for at once.
pub async fn read_concurrently(client: &Client, names: &[String], out: &Output) -> Result<Vec<Queue>, Error> {
    let found = futures_util::future::try_join_all(names.iter().map(|name| client.queue_named(name, out))).await?;
    Ok(found.into_iter().flatten().collect())
}

/// Carries out `steps`.
pub async fn apply(client: &Client, steps: &[ConsumerStep], out: &Output) -> Result<(), Error> {
    for step in steps {
        match step {
            ConsumerStep::Create { queue_id, body, .. } => client.create_consumer(queue_id, body, out).await?,
            ConsumerStep::Update { queue_id, consumer_id, body, .. } => {
                client.update_consumer(queue_id, consumer_id, body, out).await?
            }
        }
    }
    Ok(())
}
