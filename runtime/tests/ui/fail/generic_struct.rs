#[cfcontainer::container(image = "registry.cloudflare.com/acct/app:1", port = 8080)]
pub struct MyContainer<T> {
    inner: T,
}

fn main() {}
