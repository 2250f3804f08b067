#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080)]
pub struct Api;

mod v2 {
    #[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, class = "Api", binding = "API_V2")]
    pub struct ApiV2;
}

fn main() {}
