#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, rollout(step_percentage = 30))]
pub struct MyContainer;

fn main() {}
