//! The server the end-to-end tests run in their containers. Built as a
//! static binary and copied into a `FROM scratch` image.
//!
//! Environment: `PORT` (default 8080; `PORTS=a,b` listens on several),
//! `CFC_LISTEN_DELAY_MS` (wait before listening), `CFC_EXIT_CODE` (exit
//! with this code instead of listening, after `CFC_EXIT_AFTER_MS`, default
//! 300), `CFC_IGNORE_SIGTERM=1` (keep running on SIGTERM). Prints
//! `cfc-test-server listening <unix ms>` once listening.
//!
//! Routes: `/` greeting, `/id` this process's id, `/env/NAME` an env var,
//! `/header/NAME` a request header,
//! `POST /sha256` hash and length of the body, `/bytes/N` N bytes with
//! their hash in `x-sha256`, `/sleep/MS` answer after a pause, `/drip/N`
//! N bytes streamed one a second, `/trickle/N` the same without a length,
//! after which the connection stays open and silent, `/ws` a
//! WebSocket echo, `/fetch/IP:PORT/PATH` the first line of what
//! `GET /PATH` on that address answers (or why none came: the container's
//! view of its egress). `SIGTERM` ends it with code 0.

mod http;
mod websocket;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// Exits at once on `SIGTERM`, as a well-behaved server does (PID 1 in a
/// container gets no default handler).
extern "C" fn exit_on_term(_: libc::c_int) {
    unsafe { libc::_exit(0) }
}

fn main() {
    // `CFC_IGNORE_SIGTERM=1`: a server that takes its time to stop (it is
    // killed at the end of the runtime's grace period).
    if std::env::var("CFC_IGNORE_SIGTERM").as_deref() != Ok("1") {
        unsafe { libc::signal(libc::SIGTERM, exit_on_term as *const () as libc::sighandler_t) };
    }
    let env_ms = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    if let Some(code) = std::env::var("CFC_EXIT_CODE").ok().and_then(|c| c.parse::<i32>().ok()) {
        std::thread::sleep(Duration::from_millis(env_ms("CFC_EXIT_AFTER_MS", 300)));
        println!("cfc-test-server exiting with {code}");
        std::process::exit(code);
    }
    std::thread::sleep(Duration::from_millis(env_ms("CFC_LISTEN_DELAY_MS", 0)));
    let ports: Vec<u16> = std::env::var("PORTS")
        .or_else(|_| std::env::var("PORT"))
        .unwrap_or_else(|_| "8080".into())
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let id = format!("{:x}", now_ms() ^ (std::process::id() as u128) << 20);
    let listeners: Vec<TcpListener> =
        ports.iter().map(|p| TcpListener::bind(("0.0.0.0", *p)).unwrap_or_else(|e| panic!("bind {p}: {e}"))).collect();
    println!("cfc-test-server listening {}", now_ms());
    let mut threads = Vec::new();
    for (listener, port) in listeners.into_iter().zip(ports) {
        let id = id.clone();
        threads.push(std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let id = id.clone();
                std::thread::spawn(move || serve(stream, &id, port));
            }
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

fn serve(mut stream: TcpStream, id: &str, port: u16) {
    let _ = stream.set_nodelay(true);
    let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone stream"));
    while let Some(req) = http::Request::read(&mut reader) {
        if req.path.split('?').next() == Some("/ws")
            && req.header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"))
        {
            websocket::echo(&req, &mut reader, &mut stream);
            return;
        }
        let keep_alive = !req.header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let ok = respond(&req, &mut reader, &mut stream, id, port);
        if !ok || !keep_alive {
            return;
        }
    }
}

fn respond(req: &http::Request, reader: &mut impl std::io::BufRead, out: &mut TcpStream, id: &str, port: u16) -> bool {
    let path = req.path.as_str();
    if req.method == "POST" && path == "/sha256" {
        let mut hash = Sha256::new();
        let len = http::read_body(req, reader, |chunk| hash.update(chunk));
        let body = format!("{} {}", hex::encode(hash.finalize()), len);
        return http::write(out, 200, &[], body.as_bytes());
    }
    http::read_body(req, reader, |_| {});
    if let Some(n) = path.strip_prefix("/bytes/").and_then(|n| n.parse::<usize>().ok()) {
        let body: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
        let sum = hex::encode(Sha256::digest(&body));
        return http::write(out, 200, &[("x-sha256", &sum)], &body);
    }
    if let Some(seconds) = path.strip_prefix("/drip/").and_then(|n| n.parse::<usize>().ok()) {
        return http::drip(out, seconds, http::BodyEnd::Length);
    }
    if let Some(target) = path.strip_prefix("/fetch/") {
        return http::write(out, 200, &[], outbound_get(target).as_bytes());
    }
    if let Some(target) = path.strip_prefix("/http/") {
        return http::write(out, 200, &[], http_get(target).as_bytes());
    }
    if let Some(seconds) = path.strip_prefix("/trickle/").and_then(|n| n.parse::<usize>().ok()) {
        return http::drip(out, seconds, http::BodyEnd::Never);
    }
    if let Some(ms) = path.strip_prefix("/sleep/").and_then(|n| n.parse::<u64>().ok()) {
        std::thread::sleep(Duration::from_millis(ms));
        return http::write(out, 200, &[], b"slept");
    }
    if let Some(name) = path.strip_prefix("/header/") {
        return match req.header(name) {
            Some(v) => http::write(out, 200, &[], v.as_bytes()),
            None => http::write(out, 404, &[], format!("no {name} header").as_bytes()),
        };
    }
    if let Some(name) = path.strip_prefix("/env/") {
        return match std::env::var(name) {
            Ok(v) => http::write(out, 200, &[], v.as_bytes()),
            Err(_) => http::write(out, 404, &[], format!("{name} is not set").as_bytes()),
        };
    }
    let body = match path {
        "/id" => id.to_string(),
        "/port" => port.to_string(),
        _ => format!("hello from {id} on {port}, {} {}", req.method, path),
    };
    let _ = out.flush();
    http::write(out, 200, &[], body.as_bytes())
}

/// `GET http://HOST/PATH` from inside the container, the name resolved
/// as any program resolves it: the answer's status line, a blank line and
/// its body, or what went wrong (a name that does not resolve, refused,
/// reset, closed without an answer, timed out after 5 s).
fn http_get(target: &str) -> String {
    use std::io::Read;
    use std::net::ToSocketAddrs;
    let (host, path) = target.split_once('/').unwrap_or((target, ""));
    let address = match (host, 80).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(address)) => address,
        Ok(None) | Err(_) => return format!("{host} does not resolve"),
    };
    let mut stream = match get(&address, host, path) {
        Ok(stream) => stream,
        Err(why) => return why,
    };
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        if answer.is_empty() {
            return format!("read failed: {e}");
        }
    }
    if answer.is_empty() {
        return "closed without an answer".into();
    }
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head.lines().next().unwrap_or_default();
    // A chunked body: its chunks' data, joined.
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(body) } else { body.to_string() };
    format!("{status}\n\n{body}")
}

/// The data of a chunked body.
fn dechunk(mut body: &str) -> String {
    let mut data = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        data.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    data
}

/// Sends `GET /path` with `Host: host` to `address` (5 s to connect, 5 s
/// for each read of the answer); the stream to read it from, or what went
/// wrong.
fn get(address: &std::net::SocketAddr, host: &str, path: &str) -> Result<TcpStream, String> {
    let mut stream =
        TcpStream::connect_timeout(address, Duration::from_secs(5)).map_err(|e| format!("connect failed: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|e| format!("send failed: {e}"))?;
    Ok(stream)
}

/// `GET /PATH` on `IP:PORT/PATH` from inside the container: the answer's
/// status line, or what went wrong (refused, reset, closed without an
/// answer, timed out after 5 s).
fn outbound_get(target: &str) -> String {
    use std::io::{BufRead, BufReader};
    let (address, path) = target.split_once('/').unwrap_or((target, ""));
    let Ok(address) = address.parse::<std::net::SocketAddr>() else { return format!("bad address {address}") };
    let stream = match get(&address, &address.to_string(), path) {
        Ok(stream) => stream,
        Err(why) => return why,
    };
    let mut line = String::new();
    match BufReader::new(stream).read_line(&mut line) {
        Ok(0) => "closed without an answer".into(),
        Ok(_) => line.trim_end().to_string(),
        Err(e) => format!("read failed: {e}"),
    }
}
