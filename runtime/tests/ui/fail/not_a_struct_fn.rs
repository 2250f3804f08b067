#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080)]
pub fn my_container() {}

fn main() {}
