#[cfcontainer::container(port = 8080, dockerfile = "../../../../examples/hello/Dockerfile", name = "My_App", tag = "-latest")]
pub struct MyContainer;

fn main() {}
