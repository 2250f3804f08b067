#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", dockerfile = "Dockerfile", build_args(VERSION = "1"), port = 8080)]
pub struct MyContainer;

fn main() {}
