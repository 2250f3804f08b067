use cfcontainer_protocol::{protocol, Message, Transport};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Message)]
pub struct Resize {
    pub width: u32,
}

#[protocol]
pub trait Thumbs {
    async fn resize(&self, req: Resize) -> u64;
}

async fn call<T: Transport>(client: ThumbsClient<T>) {
    let _ = client.resize(640u32).await;
}

fn main() {}
