#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(API_KEY = secret_store("API_KEY")))]
pub struct MyContainer;

fn main() {}
