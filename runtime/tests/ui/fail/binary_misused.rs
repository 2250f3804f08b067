// A bad binary name and a missing assets directory, reported together.
#[cfcontainer::container(port = 8080, binary = "api server", package = "my/api", assets = "no-such-dir")]
pub struct Api;

// `package` and `assets` belong with `binary`.
#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/app:1", package = "api", assets = "static")]
pub struct Prebuilt;

// A misspelled `binary` gets a suggestion, and no Dockerfile is asked for.
#[cfcontainer::container(port = 8080, binry = "api-server")]
pub struct Typo;

fn main() {}
