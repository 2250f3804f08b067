//! Typed access to a container class's Durable Object namespace.

use std::cell::OnceCell;
use std::marker::PhantomData;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::worker_sys::{DurableObject, DurableObjectNamespace};
use worker::{Env, ObjectNamespace, Response, Result, Stub};

use crate::command::Command;
use crate::headers::{for_port, without_headers, TARGET_PORT_HEADER};
use crate::{ContainerClass, ContainerState, Exchange, Listens, StartOptions, CONTROL_HEADER};

/// The Durable Object namespace of container class `C`.
pub struct Namespace<C> {
    namespace: ObjectNamespace,
    class: PhantomData<C>,
}

impl<C: ContainerClass> Namespace<C> {
    /// The namespace bound as `C::BINDING` in `env`.
    pub fn from_env(env: &Env) -> Result<Self> {
        Ok(Namespace { namespace: env.durable_object(C::BINDING)?, class: PhantomData })
    }

    /// The instance called `name`.
    pub fn named(&self, name: &str) -> Result<Instance<C>> {
        let namespace: &DurableObjectNamespace = self.namespace.as_ref().unchecked_ref();
        Ok(Instance {
            stub: namespace.get_by_name(name)?,
            typed_stub: OnceCell::new(),
            namespace: self.namespace.clone(),
            name: name.to_string(),
            class: PhantomData,
        })
    }

    /// A random one of `instance-0` .. `instance-{pool-1}`.
    pub fn random(&self, pool: u32) -> Result<Instance<C>> {
        let pick = (worker::js_sys::Math::random() * pool.max(1) as f64) as u32;
        self.named(&pool_name(pick.min(pool.max(1) - 1)))
    }

    /// The pool instance for `key`: the same key always gets the same one.
    pub fn by_key(&self, key: &str, pool: u32) -> Result<Instance<C>> {
        self.named(&pool_name(pool_index(key, pool)))
    }

    /// The untyped namespace, for anything this wrapper does not cover.
    pub fn raw(&self) -> &ObjectNamespace {
        &self.namespace
    }
}

/// Name of pool member `index`, as the JS library names them.
fn pool_name(index: u32) -> String {
    format!("instance-{index}")
}

/// FNV-1a of `key`, reduced to `0..pool`: stable across deploys and isolates.
pub(crate) fn pool_index(key: &str, pool: u32) -> u32 {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    (hash % pool.max(1) as u64) as u32
}

/// One container instance: a stub of its Durable Object.
pub struct Instance<C> {
    /// The stub as the JS object, which requests go through as they are.
    stub: DurableObject,
    /// The workers-rs stub, made on the first [`Instance::stub`] call.
    typed_stub: OnceCell<Stub>,
    namespace: ObjectNamespace,
    name: String,
    class: PhantomData<C>,
}

impl<C: ContainerClass> Instance<C> {
    /// The instance's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Starts the instance's container before any request (pre-warm), with
    /// `options` over the attribute's settings, and returns its state once
    /// every required port answers (a job: once started). A container that
    /// already runs is left as it is (see [`StartOptions`]); a job that
    /// ended runs again, its last exit code cleared. Each start runs the
    /// container once (under `cargo cfcontainer dev`, as on Cloudflare, the
    /// engine does not restart one that fails).
    pub async fn start(&self, options: StartOptions) -> Result<ContainerState> {
        let options = options.to_js().map_err(worker::Error::RustError)?;
        self.command(Command::Start, Some(crate::js::stringify(&options))).await
    }

    /// What the instance's container is doing (a job's exit code once it
    /// ended); starts nothing.
    pub async fn state(&self) -> Result<ContainerState> {
        self.command(Command::State, None).await
    }

    /// Waits until the container's latest run has ended, at most
    /// `timeout`, and returns the state then: a job's exit code is in
    /// `last_exit_code`; `running` is still true if `timeout` passed first.
    /// Returns at once when nothing runs. The object tells the Worker when
    /// the run ends; nothing is polled.
    ///
    /// ```ignore
    /// let done = job.wait(Duration::from_secs(600)).await?;
    /// if done.running { /* still at it after ten minutes */ }
    /// ```
    pub async fn wait(&self, timeout: Duration) -> Result<ContainerState> {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.command(Command::Wait(ms), None).await
    }

    /// Asks the container to stop (`SIGTERM`); it is killed if it has not
    /// exited after a grace period.
    pub async fn stop(&self) -> Result<ContainerState> {
        self.signal(15).await
    }

    /// Sends a signal (1 to 64) to the container's process.
    pub async fn signal(&self, signo: i32) -> Result<ContainerState> {
        self.command(Command::Signal(signo), None).await
    }

    /// Kills the container at once.
    pub async fn destroy(&self) -> Result<ContainerState> {
        self.command(Command::Destroy, None).await
    }

    /// The untyped stub.
    pub fn stub(&self) -> &Stub {
        self.typed_stub.get_or_init(|| {
            // The name already gave this namespace's `getByName` a stub;
            // asking again for the same name cannot fail.
            self.namespace.get_by_name(&self.name).expect("a stub for a name that has one")
        })
    }

    async fn command(&self, command: Command, body: Option<String>) -> Result<ContainerState> {
        ContainerState::from_response(Response::from(self.send(&command.request(body)?).await?)).await
    }

    /// `req` to the Durable Object, and its answer, both as the JS objects.
    async fn send(&self, req: &JsRequest) -> Result<JsResponse> {
        let answer = JsFuture::from(self.stub.fetch_with_request(req)?).await?;
        Ok(answer.unchecked_into())
    }

    /// Sends `req` to the instance, starting its container if needed: to
    /// the class's `fetch` hook, whose default proxies it to the default
    /// port. A workers-rs `Request` is answered with a workers-rs
    /// `Response`; a JS `web_sys::Request` with the JS response itself
    /// (see [`Exchange`]). A job (a class without `port`) takes no
    /// requests: this does not compile for one.
    // A boxed future, not an `async fn`: its type does not carry the
    // bound, so a call on a job is one error at the call, not three
    // (call, future and `.await`).
    pub fn fetch<R: Exchange>(&self, req: R) -> LocalBoxFuture<'_, Result<R::Response>>
    where
        C: Listens,
    {
        let req = req.into_js();
        Box::pin(async move {
            let req = without_headers(req, &[CONTROL_HEADER, TARGET_PORT_HEADER])?;
            Ok(R::answer(self.send(&req).await?))
        })
    }

    /// Sends `req` to `port` of the container instead of the default.
    pub fn fetch_port<R: Exchange>(&self, req: R, port: u16) -> LocalBoxFuture<'_, Result<R::Response>>
    where
        C: Listens,
    {
        let req = req.into_js();
        Box::pin(async move { Ok(R::answer(self.send(&for_port(&req, port)?).await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::pool_index;

    #[test]
    fn same_key_same_instance_and_keys_spread() {
        assert_eq!(pool_index("user-42", 3), pool_index("user-42", 3));
        let hits: std::collections::HashSet<u32> = (0..100).map(|i| pool_index(&format!("k{i}"), 3)).collect();
        assert_eq!(hits.len(), 3);
        assert!((0..100).all(|i| pool_index(&format!("k{i}"), 3) < 3));
    }
}
