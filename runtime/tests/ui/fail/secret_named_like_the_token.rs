#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, env(TOKEN = secret("CLOUDFLARE_API_TOKEN")))]
pub struct Leaky;

fn main() {}
