//! The command line workerd gives the sidecar (`Cmd` of the container it
//! creates; the image's ENTRYPOINT is this program):
//!
//! ```text
//! --http-egress-port <port> --http-ingress-address 0.0.0.0:39001
//! --docker-gateway-cidr <bridge subnet> --dns-enabled --tls-intercept [--disable-ipv6]
//! ```
//!
//! plus our own `--capture auto|tproxy|redirect`. `--flag=value` works as
//! well; an unknown flag is an error.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use clap::Parser;

use crate::capture::Choice;

/// The sidecar's settings.
#[derive(Debug, Parser)]
#[command(
    name = "cfcontainer-sidecar",
    version,
    about = "Egress interceptor sidecar for workerd's local Docker containers"
)]
pub struct Args {
    /// Port of workerd's egress listener on host.docker.internal (PUT /egress may change it).
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub http_egress_port: u16,

    /// Address of the control and ingress listener (workerd: 0.0.0.0:39001).
    #[arg(long, value_name = "IP:PORT")]
    pub http_ingress_address: SocketAddr,

    /// The Docker bridge subnet. Accepted because workerd passes it, but
    /// not exempt from capture: the app reaches other containers through
    /// workerd too, so turning the internet off cuts them off as well.
    #[arg(long, value_name = "CIDR")]
    pub docker_gateway_cidr: Option<Cidr>,

    /// Capture DNS queries (UDP to port 53) and answer them per the allow list.
    #[arg(long)]
    pub dns_enabled: bool,

    /// Read the SNI of TLS connections and, when workerd intercepts them, terminate TLS with our CA.
    #[arg(long)]
    pub tls_intercept: bool,

    /// Capture IPv4 only (workerd passes this when the bridge has no IPv6 subnet).
    #[arg(long)]
    pub disable_ipv6: bool,

    /// How to capture: tproxy, redirect (for kernels without tproxy), or auto (tproxy, else redirect).
    #[arg(long, value_enum, default_value_t = Choice::Auto)]
    pub capture: Choice,
}

/// What parsing the command line came to.
#[derive(Debug)]
pub enum Parsed {
    /// Run with these settings.
    Run(Args),
    /// Print this (help or version) and exit successfully.
    Print(String),
}

/// Parses `argv` (program name first). A bad command line is one line
/// saying what is wrong.
pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    match Args::try_parse_from(argv) {
        Ok(args) => Ok(Parsed::Run(args)),
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            Ok(Parsed::Print(e.render().to_string()))
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("").trim_start_matches("error: ");
            Err(format!("bad command line: {first} (see --help)"))
        }
    }
}

/// An IP prefix, `172.17.0.0/16` or `fd00::/64`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cidr {
    /// The address as written.
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = s.split_once('/').ok_or_else(|| format!("{s} has no /prefix"))?;
        let addr: IpAddr = addr.parse().map_err(|_| format!("{addr} is not an IP address"))?;
        let prefix: u8 = prefix.parse().map_err(|_| format!("{prefix} is not a prefix length"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("/{prefix} is longer than an address ({max} bits)"));
        }
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        std::iter::once("cfcontainer-sidecar").chain(args.iter().copied()).map(String::from).collect()
    }

    fn run(args: &[&str]) -> Args {
        match parse(argv(args)) {
            Ok(Parsed::Run(a)) => a,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn workerd_s_exact_command_line_parses() {
        let a = run(&[
            "--http-egress-port",
            "43211",
            "--http-ingress-address",
            "0.0.0.0:39001",
            "--docker-gateway-cidr",
            "172.17.0.0/16",
            "--dns-enabled",
            "--tls-intercept",
            "--disable-ipv6",
        ]);
        assert_eq!(a.http_egress_port, 43211);
        assert_eq!(a.http_ingress_address, "0.0.0.0:39001".parse().unwrap());
        assert_eq!(a.docker_gateway_cidr, Some(Cidr { addr: "172.17.0.0".parse().unwrap(), prefix: 16 }));
        assert!(a.dns_enabled && a.tls_intercept && a.disable_ipv6);
        assert_eq!(a.capture, Choice::Auto);
    }

    #[test]
    fn flags_may_carry_their_value_after_an_equals_sign() {
        let a = run(&[
            "--http-egress-port=1",
            "--http-ingress-address=[::]:39001",
            "--docker-gateway-cidr=fd00:dead:beef::/64",
            "--capture=redirect",
        ]);
        assert_eq!(a.http_egress_port, 1);
        assert_eq!(a.capture, Choice::Redirect);
        assert!(!a.dns_enabled && !a.tls_intercept && !a.disable_ipv6);
    }

    #[test]
    fn an_unknown_flag_is_one_line_naming_it() {
        let err = parse(argv(&["--http-egress-port", "1", "--http-ingress-address", "0.0.0.0:1", "--gateway-ip", "x"]))
            .unwrap_err();
        assert!(err.contains("'--gateway-ip'"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn a_bad_value_is_refused() {
        for bad in [
            ["--http-egress-port", "0", "--http-ingress-address", "0.0.0.0:1"],
            ["--http-egress-port", "70000", "--http-ingress-address", "0.0.0.0:1"],
            ["--http-egress-port", "1", "--http-ingress-address", "localhost:1"],
        ] {
            assert!(parse(argv(&bad)).is_err(), "{bad:?}");
        }
        assert!(parse(argv(&[
            "--http-egress-port",
            "1",
            "--http-ingress-address",
            "0.0.0.0:1",
            "--capture",
            "iptables"
        ]))
        .is_err());
        assert!(parse(argv(&[
            "--http-egress-port",
            "1",
            "--http-ingress-address",
            "0.0.0.0:1",
            "--docker-gateway-cidr",
            "10.0.0.0/33"
        ]))
        .is_err());
    }

    #[test]
    fn help_is_printed_not_refused() {
        assert!(matches!(parse(argv(&["--help"])), Ok(Parsed::Print(text)) if text.contains("--capture")));
    }
}
