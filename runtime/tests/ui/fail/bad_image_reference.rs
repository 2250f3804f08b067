#[cfcontainer::container(port = 8080, image = "Registry Cloudflare/app")]
pub struct MyContainer;

fn main() {}
