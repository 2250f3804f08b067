//! An image assembled from a binary of the workspace: no Dockerfile is
//! needed beside the crate, and the class is configured as any other.
//! (`assets` is relative to the crate trybuild makes,
//! target/tests/trybuild/cfcontainer.)

use cfcontainer::ContainerClass;

#[cfcontainer::container(class = "Api", port = 8080, binary = "api-server")]
pub struct Api;

#[cfcontainer::container(
    port = 3000,
    binary = "server",
    package = "api_v2",
    assets = "../../../../runtime/tests/ui/wrangler",
    env(MODE = "prod")
)]
pub struct Named;

fn main() {
    assert_eq!(Api::CLASS, "Api");
    assert_eq!(Api::CONFIG.port, Some(8080));
    assert_eq!(Named::CONFIG.ports, &[3000]);
    assert_eq!(Named::BINDING, "NAMED");
}
