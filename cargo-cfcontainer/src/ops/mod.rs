//! Life after `deploy`: what is live (`status`), the deploy history
//! (`versions`), the registry's images and what uses them (`images`),
//! going back (`rollback`), the containers' instances (`instances`) and
//! live logs (`logs`). Each verb's core, over the API
//! client and the deploy stage's model of the account.

mod history;
pub mod image_delete;
pub mod images;
pub mod instances;
pub mod logs;
pub mod prune;
pub mod prune_delete;
pub mod registries;
pub mod rollback;
pub mod status;
pub mod versions;
