use cfcontainer_protocol::protocol;

pub struct Resize {
    pub width: u32,
}

#[protocol]
pub trait Thumbs {
    async fn resize(&self, req: Resize) -> u64;
}

fn main() {}
