#[cfcontainer::container(port = 8080)]
pub struct MyContainer;

fn main() {}
