//! `--web.listen-address` forms: `:PORT`, `HOST:PORT`, `[IPV6]:PORT`.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};

/// Binds the address. `:PORT` means every address, as in Go: one IPv6 socket that
/// also takes IPv4 where the system makes `[::]` dual-stack (Linux unless
/// `net.ipv6.bindv6only=1`), else IPv4 `0.0.0.0`.
pub(crate) fn bind(listen: &str) -> io::Result<TcpListener> {
    if let Some(port) = listen.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| bad(listen))?;
        if dual_stack_default() {
            if let Ok(l) = TcpListener::bind(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port))) {
                return Ok(l);
            }
        }
        return TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)));
    }
    // `HOST:PORT` needs a port; `ToSocketAddrs` resolves host names and tries each.
    match listen.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            TcpListener::bind(listen)
        }
        _ => Err(bad(listen)),
    }
}

fn bad(listen: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("listen address {listen:?}: expected :PORT, HOST:PORT or [IPV6]:PORT"),
    )
}

/// Whether a socket bound to `[::]` also receives IPv4 here.
fn dual_stack_default() -> bool {
    if cfg!(target_os = "linux") {
        std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only").is_ok_and(|s| s.trim() == "0")
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_forms() {
        let l = bind("127.0.0.1:0").unwrap();
        assert!(l.local_addr().unwrap().ip().is_loopback());
        let any = bind(":0").unwrap();
        assert!(any.local_addr().unwrap().ip().is_unspecified());
        // [::1] exists only where IPv6 is up; the form must at least parse.
        match bind("[::1]:0") {
            Ok(l) => assert_eq!(l.local_addr().unwrap().ip(), Ipv6Addr::LOCALHOST),
            Err(e) => assert_ne!(e.kind(), io::ErrorKind::InvalidInput, "{e}"),
        }
        for bad in ["9100", ":x", "host", ":", "127.0.0.1:99999", ""] {
            assert_eq!(
                bind(bad).unwrap_err().kind(),
                io::ErrorKind::InvalidInput,
                "{bad}"
            );
        }
    }
}
