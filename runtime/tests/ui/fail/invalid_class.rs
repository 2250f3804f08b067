#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, class = "my-container")]
pub struct MyContainer;

fn main() {}
