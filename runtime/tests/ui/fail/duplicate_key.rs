#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, sleep_after = "3m", port = 9090)]
pub struct MyContainer;

fn main() {}
