//! psutil's `kind` argument of `net_connections` (`_common.conn_tmap`).

use std::str::FromStr;

use super::net::{AddressFamily, SocketType};

/// Which sockets `net_connections` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ConnKind {
    /// TCP and UDP over IPv4 and IPv6 (psutil's default).
    #[default]
    Inet,
    /// TCP and UDP over IPv4.
    Inet4,
    /// TCP and UDP over IPv6.
    Inet6,
    /// TCP over IPv4 and IPv6.
    Tcp,
    /// TCP over IPv4.
    Tcp4,
    /// TCP over IPv6.
    Tcp6,
    /// UDP over IPv4 and IPv6.
    Udp,
    /// UDP over IPv4.
    Udp4,
    /// UDP over IPv6.
    Udp6,
    /// UNIX sockets.
    Unix,
    /// All of the above.
    All,
}

impl ConnKind {
    /// Every kind, in psutil's order.
    pub const ALL: [ConnKind; 11] = [
        ConnKind::All,
        ConnKind::Tcp,
        ConnKind::Tcp4,
        ConnKind::Udp,
        ConnKind::Udp4,
        ConnKind::Inet,
        ConnKind::Inet4,
        ConnKind::Inet6,
        ConnKind::Tcp6,
        ConnKind::Udp6,
        ConnKind::Unix,
    ];

    /// psutil's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnKind::Inet => "inet",
            ConnKind::Inet4 => "inet4",
            ConnKind::Inet6 => "inet6",
            ConnKind::Tcp => "tcp",
            ConnKind::Tcp4 => "tcp4",
            ConnKind::Tcp6 => "tcp6",
            ConnKind::Udp => "udp",
            ConnKind::Udp4 => "udp4",
            ConnKind::Udp6 => "udp6",
            ConnKind::Unix => "unix",
            ConnKind::All => "all",
        }
    }

    /// The (family, type) pairs this kind selects.
    pub fn pairs(self) -> &'static [(AddressFamily, SocketType)] {
        use AddressFamily::{Inet as V4, Inet6 as V6, Unix};
        use SocketType::{Dgram as D, Stream as S};
        const TCP4: (AddressFamily, SocketType) = (V4, S);
        const TCP6: (AddressFamily, SocketType) = (V6, S);
        const UDP4: (AddressFamily, SocketType) = (V4, D);
        const UDP6: (AddressFamily, SocketType) = (V6, D);
        const UNIX: (AddressFamily, SocketType) = (Unix, S);
        match self {
            ConnKind::Inet => &[TCP4, TCP6, UDP4, UDP6],
            ConnKind::Inet4 => &[TCP4, UDP4],
            ConnKind::Inet6 => &[TCP6, UDP6],
            ConnKind::Tcp => &[TCP4, TCP6],
            ConnKind::Tcp4 => &[TCP4],
            ConnKind::Tcp6 => &[TCP6],
            ConnKind::Udp => &[UDP4, UDP6],
            ConnKind::Udp4 => &[UDP4],
            ConnKind::Udp6 => &[UDP6],
            ConnKind::Unix => &[UNIX],
            ConnKind::All => &[TCP4, TCP6, UDP4, UDP6, UNIX],
        }
    }

    /// True if the kind includes TCP sockets of `family`.
    pub fn wants_tcp(self, family: AddressFamily) -> bool {
        self.pairs().contains(&(family, SocketType::Stream))
    }

    /// True if the kind includes UDP sockets of `family`.
    pub fn wants_udp(self, family: AddressFamily) -> bool {
        self.pairs().contains(&(family, SocketType::Dgram))
    }

    /// True if the kind includes UNIX sockets (of any type).
    pub fn wants_unix(self) -> bool {
        matches!(self, ConnKind::Unix | ConnKind::All)
    }
}

impl FromStr for ConnKind {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        ConnKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<String> = ConnKind::ALL
                    .iter()
                    .map(|k| format!("'{}'", k.as_str()))
                    .collect();
                crate::Error::invalid(format!(
                    "invalid kind argument '{s}'; valid ones are: ({})",
                    valid.join(", ")
                ))
            })
    }
}

impl std::fmt::Display for ConnKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ConnKind::ALL {
            assert_eq!(k.as_str().parse::<ConnKind>().unwrap(), k);
        }
        let err = "bogus".parse::<ConnKind>().unwrap_err().to_string();
        assert!(err.starts_with("invalid kind argument 'bogus'; valid ones are: ('all', 'tcp'"));
    }

    #[test]
    fn selections() {
        assert!(ConnKind::Inet.wants_tcp(AddressFamily::Inet6));
        assert!(!ConnKind::Inet4.wants_udp(AddressFamily::Inet6));
        assert!(!ConnKind::Inet.wants_unix());
        assert!(ConnKind::All.wants_unix());
        assert!(!ConnKind::Tcp.wants_udp(AddressFamily::Inet));
        assert_eq!(ConnKind::All.pairs().len(), 5);
    }
}
