#[cfcontainer::container(class = "Web", port = 8080, renamed_from = "Web", image = "registry.cloudflare.com/a/web:1")]
pub struct Web;

#[cfcontainer::container(port = 8080, renamed_from = "old-name", image = "registry.cloudflare.com/a/api:1")]
pub struct Api;

fn main() {}
