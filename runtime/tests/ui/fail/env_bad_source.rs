#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(MESSAGE = "hi", TOKEN = envvar("TOKEN")))]
pub struct MyContainer;

fn main() {}
