//! Egress changes at run time, for [`Control`](crate::Control): kept in
//! storage and, when the container runs, registered at once.

use cfcontainer_meta::host_pattern_problem;
use worker::Error::RustError;

use super::ContainerObject;
use crate::egress::{self, Overrides};
use crate::outbound::HostsChange;
use crate::ContainerClass;

impl<C: ContainerClass> ContainerObject<C> {
    /// Applies `change` to the class's egress lists.
    pub(super) async fn change_egress(&self, change: HostsChange) -> worker::Result<()> {
        let egress = C::CONFIG.egress;
        if !egress.is_set() {
            return Err(RustError(format!(
                "{}: run-time egress changes need egress settings on its #[container] (allowed_hosts, denied_hosts, \
                 outbound or outbound_by_host): the build makes the entrypoint they go through from them",
                C::CLASS
            )));
        }
        let bad = change.hosts().into_iter().find_map(|h| host_pattern_problem(h).map(|why| (h.to_string(), why)));
        if let Some((host, why)) = bad {
            return Err(RustError(format!("`{host}`: {why}")));
        }
        let state = &self.inner.state;
        let mut overrides = Overrides::load(&state.storage()).await;
        overrides.apply(change, &egress);
        overrides.save(&state.storage()).await?;
        // A running container gets the change now; a stopped one at its
        // next start, which reads the lists again.
        if let Some(container) = state.container().filter(|c| c.running()) {
            let internet = C::CONFIG.enable_internet;
            egress::register(&egress, C::CLASS, state, container.as_ref(), internet, &overrides)
                .await
                .map_err(RustError)?;
        }
        Ok(())
    }
}
