#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(API_KEY = secrets_store("API_KEY", "OTHER")))]
pub struct MyContainer;

fn main() {}
