#!/usr/bin/env python3
"""Benchmark: a typed call of the `Text` protocol (examples/rust-container)
against the same call written by hand, under `cargo cfcontainer dev`, one
run, side by side: the Worker asks the container for the word count of an
asset and answers the client with it as JSON.

- typed: `TextClient::words` (the protocol's path, fingerprint header,
  JSON arguments, the outcome read, the answer decoded into `WordCount`);
- by hand: a `worker::Request` POSTed with `Instance::fetch` to an axum
  route taking `Json<String>` and answering `Json<WordCount>`, the answer
  read with `serde_json::from_slice`: what a user writes without the
  protocol (routes added to the copy by this script).

Requests alternate between the two on one kept-alive connection each,
after a warm-up; p50 and p99 at the client. Then the JSON encoding's
share: `cargo test --release` of protocol/tests/codec_cost.rs times the
encode and decode of this call's arguments and answer (native code; the
wasm side is slower, so read it as an order of magnitude).
Target: typed p50 <= 1.05x by hand.

Usage: python3 bench/protocol.py   (after scripts/setup.sh; source its env.sh)
"""
import http.client, os, signal, socket, statistics, subprocess, sys, tempfile, time
from pathlib import Path

from example import copy_rust_example
from paths import ROOT

TOOL = ROOT / "target" / "debug" / "cargo-cfcontainer"
PORT = 8795
ROUNDS = 400

HAND_SERVER = '''
async fn hand_words(axum::Json(file): axum::Json<String>) -> Result<axum::Json<rust_container_protocol::WordCount>, axum::http::StatusCode> {
    use rust_container_protocol::Text;
    text::Assets.words(file).await.map(axum::Json).map_err(|_| axum::http::StatusCode::NOT_FOUND)
}
'''

HAND_WORKER = '''
/// The same call as `/words/<file>`, written by hand.
async fn hand_words(env: &Env, file: &str) -> Result<Response> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    let body = serde_json::to_vec(file).map_err(|e| worker::Error::RustError(e.to_string()))?;
    let init = worker::RequestInit {
        method: worker::Method::Post,
        headers,
        body: Some(worker::js_sys::Uint8Array::from(body.as_slice()).into()),
        ..worker::RequestInit::default()
    };
    let request = Request::new_with_init("http://container/hand/words", &init)?;
    let mut answer = Api::named(env, "api")?.fetch(request).await?;
    if answer.status_code() != 200 {
        return Response::error("not found", 404);
    }
    let bytes = answer.bytes().await?;
    let count: rust_container_protocol::WordCount =
        serde_json::from_slice(&bytes).map_err(|e| worker::Error::RustError(e.to_string()))?;
    Response::from_json(&count)
}
'''


def patch(worker_dir):
    """Adds the hand-written route to the copy's server and Worker."""
    server = worker_dir.parent / "server"
    manifest = server / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('features = ["http1", "tokio"]', 'features = ["http1", "tokio", "json"]'))
    main = server / "src" / "main.rs"
    text = main.read_text().replace('.route("/static/{file}", get(asset))',
                                    '.route("/static/{file}", get(asset))\n        .route("/hand/words", axum::routing::post(hand_words))')
    main.write_text(text + HAND_SERVER)
    lib = worker_dir / "src" / "lib.rs"
    text = lib.read_text().replace('["", "words", file] =>', '["", "hand", "words", file] => hand_words(&env, file).await,\n        ["", "words", file] =>')
    lib.write_text(text + HAND_WORKER)


def timed(conn, path):
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status == 200, (path, response.status, body)
    return elapsed, body


def codec_cost():
    out = subprocess.run(["cargo", "test", "-q", "--release", "-p", "cfcontainer-protocol", "--features", "axum", "--test", "codec_cost",
                          "--", "--ignored", "--nocapture"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return next(l for l in out.splitlines() if l.startswith("codec:"))


def main():
    subprocess.run(["cargo", "build", "-q", "-p", "cargo-cfcontainer"], cwd=ROOT, check=True)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise SystemExit(f"port {PORT} is taken: stop what listens there and run again")
    with tempfile.TemporaryDirectory(prefix="cfc-bench-protocol-") as tmp:
        worker = copy_rust_example(Path(tmp) / "app", "protocol-bench")
        patch(worker)
        env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"))
        proc = subprocess.Popen([str(TOOL), "cfcontainer", "dev", "--release", "--port", str(PORT), "-q"], cwd=worker, env=env)
        try:
            deadline = time.time() + 1800
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"dev exited with {proc.returncode}")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                    if timed(conn, "/words/poem.txt")[1] and timed(conn, "/hand/words/poem.txt")[1]:
                        break
                except Exception:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.5)
            typed_conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            hand_conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            typed_body = timed(typed_conn, "/words/poem.txt")[1]
            hand_body = timed(hand_conn, "/hand/words/poem.txt")[1]
            assert typed_body == hand_body, (typed_body, hand_body)
            for _ in range(50):
                timed(typed_conn, "/words/poem.txt")
                timed(hand_conn, "/hand/words/poem.txt")
            typed, hand = [], []
            for _ in range(ROUNDS):
                typed.append(timed(typed_conn, "/words/poem.txt")[0])
                hand.append(timed(hand_conn, "/hand/words/poem.txt")[0])
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=120)

    p = lambda v, q: sorted(v)[round((len(v) - 1) * q)]
    rows = [("p50", p(typed, 0.5), p(hand, 0.5)), ("p99", p(typed, 0.99), p(hand, 0.99)), ("mean", statistics.mean(typed), statistics.mean(hand))]
    print(f"{ROUNDS} calls each, alternating, under dev --release (same answer: {typed_body.decode()})")
    print(f"{'':6}{'typed (TextClient)':>20}{'by hand (fetch + serde_json)':>30}{'ratio':>8}")
    for name, t, h in rows:
        print(f"{name:6}{t:>17.2f} ms{h:>27.2f} ms{t / h:>7.3f}x")
    ratio = rows[0][1] / rows[0][2]
    print(f"target: typed p50 <= 1.05x by hand: {'met' if ratio <= 1.05 else 'NOT met'} ({ratio:.3f}x)")
    print(codec_cost())


if __name__ == "__main__":
    sys.exit(main())
