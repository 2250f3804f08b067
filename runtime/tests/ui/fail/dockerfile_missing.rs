#[cfcontainer::container(port = 8080, dockerfile = "docker/Dockerfile.prod")]
pub struct MyContainer;

fn main() {}
