#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, max_instances = 2, rollout(step_percentage = [10, 50, 100]))]
pub struct ThreeStepsForTwoInstances;

#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080, rollout(step_percentage = [5, 100]))]
pub struct AFirstStepBelowTen;

fn main() {}
