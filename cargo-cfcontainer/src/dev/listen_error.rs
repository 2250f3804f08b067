//! Why `dev` cannot listen where it was asked to, with the way out: for
//! an address in use, the process that holds it when this machine says
//! (Linux's /proc; only processes of the same user can be read).

use std::io::ErrorKind;

use crate::Error;

/// The error for `error` met listening on `address` (`ip:port`).
pub fn listen_error(address: &str, error: std::io::Error) -> Error {
    let cannot = |why: &str| Error::Local { what: format!("listen on {address}"), why: why.to_string() };
    match error.kind() {
        ErrorKind::AddrInUse => {
            let port = address.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
            Error::AddressInUse { address: address.to_string(), holder: port.and_then(holder) }
        }
        ErrorKind::AddrNotAvailable => {
            cannot("this machine has no such address; pick one of its addresses with --ip (default 127.0.0.1)")
        }
        ErrorKind::PermissionDenied => cannot("ports below 1024 need privileges; pick another port with --port"),
        _ => Error::Io { what: format!("listen on {address}"), source: error },
    }
}

/// `process 4242 (python3)`: the process listening on TCP `port`, if it
/// can be known.
fn holder(port: u16) -> Option<String> {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| listening(&text, port))
        .collect();
    if inodes.is_empty() {
        return None;
    }
    let wanted: Vec<String> = inodes.iter().map(|i| format!("socket:[{i}]")).collect();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| {
            std::fs::read_link(fd.path()).is_ok_and(|target| wanted.iter().any(|w| target.as_os_str() == w.as_str()))
        });
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            return Some(format!("process {pid} ({})", name.trim()));
        }
    }
    None
}

/// The inodes of the sockets listening on `port` in a /proc/net/tcp table.
fn listening(table: &str, port: u16) -> Vec<String> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit_once(':')?.1;
            let listens = u16::from_str_radix(local_port, 16).ok()? == port && *fields.get(3)? == LISTEN;
            listens.then(|| fields.get(9).map(|inode| inode.to_string()))?
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_names_the_process_that_listens_on_it() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let error = std::net::TcpListener::bind(&address).unwrap_err();
        let message = listen_error(&address, error).to_string();
        let me = std::fs::read_to_string("/proc/self/comm").unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "cannot listen on {address}: it is already in use by process {} ({}); stop that or pick another port with --port",
                std::process::id(),
                me.trim()
            )
        );
    }
}
