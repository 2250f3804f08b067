#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(MESSAGE = "a", MESSAGE = secret("M")))]
pub struct MyContainer;

fn main() {}
