#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, rollout(step_percentage = [50, 20, 100], kind = "fast"))]
pub struct MyContainer;

fn main() {}
