#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, entrypoint = "/bin/app --serve")]
pub struct MyContainer;

fn main() {}
