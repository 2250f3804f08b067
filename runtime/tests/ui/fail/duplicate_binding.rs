#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, binding = "APP")]
pub struct First;

mod more {
    #[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, binding = "APP")]
    pub struct Second;
}

fn main() {}
