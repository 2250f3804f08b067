#[cfcontainer::container(binary = "api-server", dockerfile = "Dockerfile", context = ".", port = 8080)]
pub struct Api;

#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/app:1", binary = "api-server", target = "run")]
pub struct Prebuilt;

fn main() {}
