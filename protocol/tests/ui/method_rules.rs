use cfcontainer_protocol::protocol;

#[protocol]
pub trait Thumbs {
    fn resize(&self, width: u32) -> u64;
    async fn name(&mut self) -> String;
    async fn borrowed(&self, name: &str) -> u64;
    const LIMIT: u32;
}

fn main() {}
