#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", sleep_after = "3m")]
pub struct MyContainer;

fn main() {}
