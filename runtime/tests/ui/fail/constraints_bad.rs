#[cfcontainer::container(
    port = 8080,
    image = "registry.cloudflare.com/acct/app:1",
    scheduling_policy = "nearest",
    constraints(regions = ["WE-UR"], tiers = [0], continent = "EU"),
)]
pub struct Placed;

fn main() {}
