//! A container's network under workerd with our networking sidecar: its
//! connections out go through workerd, which refuses them without
//! `enable_internet` (another local container included) and makes them
//! with it, in both of the sidecar's capture modes.

use std::process::Command;
use std::time::Duration;

use crate::support::stack::{available, Stack};
use crate::support::unique;

/// A container on the engine's default bridge serving the test server,
/// removed on drop: a neighbour the containers under test try to reach.
struct Neighbour {
    name: String,
    address: String,
}

impl Neighbour {
    fn start(image: &str) -> Neighbour {
        let name = unique("cfc-e2e-neighbour");
        let run = docker(&["run", "-d", "--name", &name, "--network", "bridge", image]);
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let inspect = docker(&["inspect", "-f", "{{.NetworkSettings.Networks.bridge.IPAddress}}", &name]);
        let ip = String::from_utf8_lossy(&inspect.stdout).trim().to_string();
        assert!(!ip.is_empty(), "the neighbour has no address on the bridge");
        let neighbour = Neighbour { name, address: format!("{ip}:8080") };
        // Listening: the host reaches it directly over the bridge.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(&neighbour.address.parse().unwrap(), Duration::from_secs(1)).is_err()
        {
            assert!(std::time::Instant::now() < deadline, "the neighbour does not listen");
            std::thread::sleep(Duration::from_millis(100));
        }
        neighbour
    }
}

impl Drop for Neighbour {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.name]);
    }
}

fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker").args(args).output().expect("run the docker CLI")
}

/// What the container of `kind` saw of `GET /id` on `address`.
fn fetched_from_inside(stack: &Stack, kind: &str, address: &str) -> String {
    let response = stack.request("GET", kind, "a", &format!("/fetch/{address}/id")).call();
    match response {
        Ok(response) => response.into_string().unwrap(),
        Err(error) => panic!("{kind}: {error}\n{}", stack.log()),
    }
}

/// The capture mode the sidecar of the running container of `class` logged.
fn capture_mode(stack: &Stack, class: &str) -> String {
    let sidecar = stack.sidecars(class).into_iter().next().unwrap_or_else(|| panic!("no sidecar of {class} runs"));
    let logs = stack.container_logs(&sidecar);
    let line = logs.lines().find(|l| l.contains("capture: ")).unwrap_or_else(|| panic!("no capture line: {logs}"));
    line.split("capture: ").nth(1).unwrap().split_whitespace().next().unwrap().to_string()
}

/// Internet off: the connection is taken, then closed with no answer
/// (workerd's refusal of a flow it may not make). Internet on: workerd
/// makes it from the host and the neighbour answers.
fn assert_internet_decides(stack: &Stack, neighbour: &Neighbour) {
    let offline = fetched_from_inside(stack, "basic", &neighbour.address);
    assert_eq!(offline, "closed without an answer", "a container without internet reached its neighbour");
    let online = fetched_from_inside(stack, "online", &neighbour.address);
    assert_eq!(online, "HTTP/1.1 200 OK", "a container with internet did not reach its neighbour\n{}", stack.log());
}

#[test]
fn without_enable_internet_a_container_reaches_no_local_neighbour_and_with_it_it_does() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let neighbour = Neighbour::start(&stack.image("Basic"));
    assert_internet_decides(&stack, &neighbour);
    // This kernel has TPROXY: the sidecar chose it by itself.
    assert_eq!(capture_mode(&stack, "Online"), "tproxy");
}

#[test]
fn the_sidecar_forced_to_redirect_capture_decides_the_same() {
    if !available() {
        return;
    }
    // Our sidecar's image with the fallback forced, as a kernel without
    // TPROXY or the socket match would make it choose.
    let ours = crate::support::stack::egress_image();
    let forced = format!("cfc-e2e/sidecar-redirect:{}", ours.rsplit(':').next().unwrap());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {ours}\nENTRYPOINT [\"/cfcontainer-sidecar\", \"--capture\", \"redirect\"]\n"),
    )
    .unwrap();
    let built = Command::new("docker")
        .args(["build", "-q", "-t", &forced, "."])
        .current_dir(dir.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));

    let stack = Stack::start_with_egress(&forced);
    let neighbour = Neighbour::start(&stack.image("Basic"));
    assert_internet_decides(&stack, &neighbour);
    assert_eq!(capture_mode(&stack, "Online"), "redirect");
    // And the way in works through it as well.
    let (status, body) = match stack.request("GET", "online", "a", "/").call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status, 200, "{body}");
}
