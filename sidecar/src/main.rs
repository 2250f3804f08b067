//! `cfcontainer-sidecar`: the egress interceptor workerd starts beside each
//! local container (`containerEgressInterceptorImage`). The app joins its
//! network namespace; the sidecar captures what the app sends and hands
//! it to workerd's egress listener, tunnels workerd into the app's ports,
//! and answers DNS by workerd's allow list. Started as `cp`, it is the
//! `/bin/cp -a` workerd clones snapshot volumes with. See README.md.

/// Writes one line to stderr, prefixed with the program's name.
macro_rules! log {
    ($($arg:tt)*) => {
        eprintln!("cfcontainer-sidecar: {}", format_args!($($arg)*))
    };
}

mod args;
mod ca;
mod capture;
mod config;
mod cp;
mod dns;
mod egress;
mod glob;
mod hosts;
mod http;
mod ingress;
mod netlink;
mod pipe;
mod sockopt;

use std::ffi::OsString;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::net::{TcpListener, UdpSocket};
use tokio::signal::unix::{signal, SignalKind};
use tokio_rustls::TlsAcceptor;

use args::{Args, Parsed};
use capture::Scope;
use config::{ConfigStore, EgressConfig};
use netlink::IpFamily;

/// The name workerd's `ExtraHosts` maps to the host, where its egress listener is.
const GATEWAY_NAME: &str = "host.docker.internal";

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    if argv.first().is_some_and(|argv0| cp::invoked_as_cp(argv0)) {
        return ExitCode::from(cp::main(&argv[1..]) as u8);
    }
    let args = match args::parse(argv.into_iter().map(|a| a.to_string_lossy().into_owned())) {
        Ok(Parsed::Run(args)) => args,
        Ok(Parsed::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            log!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            log!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log!("cannot start: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Sets everything up, serves until SIGTERM or SIGINT, and returns then.
async fn run(args: Args) -> Result<(), String> {
    // Bound first: workerd polls this port as soon as the container runs,
    // and the kernel queues its connections until we accept, which we do
    // only once capture is in place.
    let control_listener = TcpListener::bind(args.http_ingress_address)
        .await
        .map_err(|e| format!("listening on {}: {e}", args.http_ingress_address))?;
    let gateway_ip = gateway_ip()?;
    let ca = match args.tls_intercept {
        true => Some(Arc::new(ca::Ca::generate().map_err(|e| format!("creating the CA: {e}"))?)),
        false => None,
    };
    let config = Arc::new(ConfigStore::new(EgressConfig::initial(args.http_egress_port)));

    let families = if args.disable_ipv6 { vec![IpFamily::V4] } else { vec![IpFamily::V4, IpFamily::V6] };
    let scope = Scope { families, dns: args.dns_enabled };
    let (mode, listeners) = capture::setup(args.capture, &scope).map_err(|e| format!("installing capture: {e}"))?;
    log!(
        "capture: {mode} of TCP{} over {}; exempt are loopback, replies and our own mark {}{}",
        if scope.dns { " and DNS" } else { "" },
        if args.disable_ipv6 { "IPv4" } else { "IPv4 and IPv6" },
        capture::BYPASS_MARK,
        match &args.docker_gateway_cidr {
            Some(cidr) => format!(", not the Docker subnet {cidr}"),
            None => String::new(),
        }
    );

    let egress = Arc::new(egress::Egress {
        mode,
        gateway_ip,
        config: config.clone(),
        tls: ca.as_ref().map(|ca| TlsAcceptor::from(ca.server_config())),
    });
    for listener in listeners.tcp {
        let listener = TcpListener::from_std(listener).map_err(|e| format!("capture listener: {e}"))?;
        tokio::spawn(egress::serve(listener, egress.clone()));
    }
    let dns = Arc::new(dns::Dns { mode, config: config.clone(), resolv_conf_upstream: resolv_conf_upstream() });
    for socket in listeners.dns {
        let socket = UdpSocket::from_std(socket).map_err(|e| format!("DNS socket: {e}"))?;
        tokio::spawn(dns::serve(socket, dns.clone()));
    }
    tokio::spawn(ingress::serve(control_listener, Arc::new(ingress::Control { config: config.clone(), ca })));
    log!("ready: control and ingress on {}, gateway {gateway_ip}:{}", args.http_ingress_address, config.current().port);

    // PID 1 gets no default handler: without these, `docker stop` waits its
    // full timeout and then kills.
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("SIGTERM handler: {e}"))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("SIGINT handler: {e}"))?;
    tokio::select! {
        _ = term.recv() => log!("stopping on SIGTERM"),
        _ = int.recv() => log!("stopping on SIGINT"),
    }
    Ok(())
}

/// The gateway's IPv4 address, from `/etc/hosts` (the binary is static:
/// there is no NSS to ask).
fn gateway_ip() -> Result<Ipv4Addr, String> {
    let hosts = std::fs::read_to_string("/etc/hosts").map_err(|e| format!("reading /etc/hosts: {e}"))?;
    hosts::ipv4_of(&hosts, GATEWAY_NAME).ok_or_else(|| {
        format!("{GATEWAY_NAME} has no IPv4 address in /etc/hosts; run the container with --add-host {GATEWAY_NAME}:host-gateway (workerd does)")
    })
}

/// The resolver redirect mode forwards DNS to, if `/etc/resolv.conf` names one.
fn resolv_conf_upstream() -> Option<std::net::IpAddr> {
    std::fs::read_to_string("/etc/resolv.conf").ok().as_deref().and_then(hosts::first_nameserver)
}
