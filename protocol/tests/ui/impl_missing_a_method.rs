use cfcontainer_protocol::protocol;

#[protocol]
pub trait Thumbs {
    async fn resize(&self, width: u32) -> u64;
    async fn name(&self) -> String;
}

struct Resizer;

impl Thumbs for Resizer {
    async fn name(&self) -> String {
        "resizer".into()
    }
}

fn main() {}
