//! Egress control: a container's outbound HTTP (and, with
//! `intercept_https`, HTTPS) handed to the Worker, which refuses it, hands
//! it to a Rust handler or sends it on, in the JS library's order.
//!
//! Before the container starts, the object registers an interception
//! with the runtime (`ctx.container.interceptAllOutboundHttp` and its
//! by-host and HTTPS forms), whose target is a stateless entrypoint the
//! build exports beside the Worker's own (`CfcontainerOutbound_<Class>`,
//! made by `cargo cfcontainer` from the class's
//! `CfcontainerOutboundImpl_<Class>`): the runtime calls it for each
//! request, with the settings as its props.

mod apply;
mod entry;
mod glob;
mod overrides;
mod resolve;

pub use apply::{apply, register};
pub use entry::serve;
pub use overrides::Overrides;
