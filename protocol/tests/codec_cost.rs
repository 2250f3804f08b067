//! The cost of the JSON encoding of one call, for bench/protocol.py
//! (ignored by `cargo test`): the arguments and the answer of
//! examples/rust-container's `words` call, each encoded and decoded as the
//! client and the server do, timed over many rounds.

use std::time::Instant;

use cfcontainer_protocol::Message;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
struct WordCount {
    file: String,
    lines: u32,
    words: u32,
}

#[test]
#[ignore = "a benchmark: bench/protocol.py runs it"]
fn the_json_of_one_call_costs_microseconds() {
    let args = ("poem.txt".to_string(),);
    let answer = WordCount { file: "poem.txt".into(), lines: 4, words: 21 };
    let rounds = 200_000;
    let start = Instant::now();
    for _ in 0..rounds {
        let sent = serde_json::to_vec(std::hint::black_box(&args)).unwrap();
        let (file,): (String,) = serde_json::from_slice(&sent).unwrap();
        let back = serde_json::to_vec(&WordCount { file, ..answer.clone() }).unwrap();
        let decoded: WordCount = serde_json::from_slice(&back).unwrap();
        std::hint::black_box(decoded);
    }
    let per_call = start.elapsed().as_secs_f64() * 1e6 / rounds as f64;
    println!("codec: JSON of one call (arguments and answer, each encoded and decoded) {per_call:.2} us natively");
}
