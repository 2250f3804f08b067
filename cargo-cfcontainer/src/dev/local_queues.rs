//! Queues served locally as `wrangler dev` serves them: the official
//! simulator's queue broker (one Durable Object per queue, in memory)
//! takes the Worker's producer sends and delivers batches to its
//! consumer, the Worker's `queue` handler, with the file's batch size,
//! timeout, retries and dead-letter queue.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cfcontainer_meta::wrangler::Bindings;
use serde::Serialize;

use super::capnp::quoted;
use crate::tools::QUEUE_BROKER;

/// The service running the broker objects.
const BROKER: &str = "queues:queue";

/// The Worker's queues, for dev.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalQueues {
    /// The Worker's name (how the broker names the consumer).
    pub worker: String,
    /// Producer bindings by name.
    producers: BTreeMap<String, Producer>,
    /// Consumers by queue.
    consumers: BTreeMap<String, Consumer>,
}

/// The broker's view of a producer binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Producer {
    worker_name: String,
    queue_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery_delay: Option<u32>,
}

/// The broker's view of a consumer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Consumer {
    worker_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_batch_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_batch_timeout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_retries: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dead_letter_queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_delay: Option<u32>,
}

impl LocalQueues {
    /// The queues of `bindings` for Worker `worker`; `None` without producers
    /// (the broker is where producers send).
    pub fn of(bindings: &Bindings, worker: &str) -> Option<LocalQueues> {
        let queues = &bindings.queues;
        if queues.producers.is_empty() {
            return None;
        }
        let producers = queues
            .producers
            .iter()
            .map(|p| {
                let producer = Producer {
                    worker_name: worker.to_string(),
                    queue_name: p.queue.clone(),
                    delivery_delay: p.delivery_delay,
                };
                (p.binding.clone(), producer)
            })
            .collect();
        let consumers = queues
            .consumers
            .iter()
            .map(|c| {
                let consumer = Consumer {
                    worker_name: worker.to_string(),
                    max_batch_size: c.max_batch_size,
                    max_batch_timeout: c.max_batch_timeout,
                    max_retries: c.max_retries,
                    dead_letter_queue: c.dead_letter_queue.clone(),
                    retry_delay: c.retry_delay,
                };
                (c.queue.clone(), consumer)
            })
            .collect();
        Some(LocalQueues { worker: worker.to_string(), producers, consumers })
    }

    /// One entry per queue sent to, and the broker.
    pub fn services(&self, embedded: &dyn Fn(&str) -> String, object_entry: &str) -> String {
        let mut out = String::new();
        let mut queues: Vec<&String> = self.producers.values().map(|p| &p.queue_name).collect();
        queues.sort();
        queues.dedup();
        for queue in queues {
            let _ = writeln!(
                out,
                "    (name = {name}, worker = (compatibilityDate = \"2023-07-24\", modules = [(name = \"object-entry.worker.js\", esModule = embed {entry})], \
                 bindings = [(name = \"MINIFLARE_NAMESPACE\", text = {queue}), (name = \"MINIFLARE_OBJECT\", durableObjectNamespace = (serviceName = {BROKER:?}, className = \"QueueBrokerObject\"))])),",
                name = quoted(&format!("{BROKER}:{queue}")),
                entry = quoted(object_entry),
                queue = quoted(queue),
            );
        }
        let producers = serde_json::to_string(&self.producers).expect("producers serialize");
        let consumers = serde_json::to_string(&self.consumers).expect("consumers serialize");
        // As the simulator runs it: in memory, never evicted, delivering
        // to the Worker through its `queue` handler.
        let _ = writeln!(
            out,
            "    (name = {BROKER:?}, worker = (compatibilityDate = \"2023-07-24\", compatibilityFlags = [\"nodejs_compat\", \"experimental\", \"service_binding_extra_handlers\"], \
             modules = [(name = \"broker.worker.js\", esModule = embed {script})], \
             durableObjectNamespaces = [(className = \"QueueBrokerObject\", uniqueKey = \"miniflare-QueueBrokerObject\", preventEviction = true)], \
             durableObjectStorage = (inMemory = void), \
             bindings = [(name = \"MINIFLARE_OBJECT\", durableObjectNamespace = (className = \"QueueBrokerObject\")), \
             (name = \"MINIFLARE_QUEUE_PRODUCERS\", json = {producers}), (name = \"MINIFLARE_QUEUE_CONSUMERS\", json = {consumers}), \
             (name = {worker_binding}, service = \"main\")])),",
            script = quoted(&embedded(QUEUE_BROKER)),
            producers = quoted(&producers),
            consumers = quoted(&consumers),
            worker_binding = quoted(&format!("MINIFLARE_WORKER_{}", self.worker)),
        );
        out
    }

    /// The Worker's producer bindings.
    pub fn bindings(&self) -> String {
        let mut out = String::new();
        for (binding, producer) in &self.producers {
            let service = quoted(&format!("{BROKER}:{}", producer.queue_name));
            let _ = writeln!(out, "    (name = {}, queue = {service}),", quoted(binding));
        }
        out
    }
}
