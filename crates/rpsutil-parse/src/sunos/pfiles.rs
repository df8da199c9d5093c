//! The output of `pfiles PID` (`proc(1)`), from which psutil's SunOS
//! `Process.net_connections(kind="all")` takes the process's UNIX sockets
//! (`_pssunos.py`, `Process._get_unix_sockets`): the kernel gives no other way to
//! read a socket's bound path from outside the process.
//!
//! `pfiles` prints two heading lines (`PID:\targs`, `Current rlimit: ...`), then per
//! file descriptor a line `%4d: S_IF<type> mode:... dev:...` followed by indented
//! detail lines; for a socket these are the open flags, `\tSOCK_<type>`, the socket
//! options, then `\tsockname: AF_UNIX <path>` and `\tpeername: AF_UNIX <path>` when
//! the socket has those names (illumos `usr/src/cmd/ptools/pfiles/pfiles.c`,
//! `show_file`, `dosocket`, `show_sockaddr`).

/// A socket type as `pfiles` names it (`SOCK_<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PfilesSockType {
    /// `SOCK_STREAM`.
    Stream,
    /// `SOCK_DGRAM`.
    Dgram,
    /// `SOCK_SEQPACKET`.
    SeqPacket,
    /// `SOCK_RAW`.
    Raw,
    /// `SOCK_RDM` or an unknown type.
    Other,
}

/// One UNIX-domain socket of the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixSocket {
    /// The file descriptor (the number before `:` of its block).
    pub fd: i32,
    /// The `SOCK_*` line of its block, None without one.
    pub sock_type: Option<PfilesSockType>,
    /// The bound path (`sockname: AF_UNIX <path>`; empty when unbound).
    pub path: Vec<u8>,
    /// The peer's path (`peername: AF_UNIX <path>`), None without that line.
    pub peer: Option<Vec<u8>>,
}

/// The fd of a block's first line, `%4d: S_IF...`.
fn block_fd(line: &[u8]) -> Option<i32> {
    let t = line.trim_ascii_start();
    let colon = t.iter().position(|&b| b == b':')?;
    let (num, rest) = t.split_at(colon);
    if num.is_empty() || !num.iter().all(u8::is_ascii_digit) || !rest.starts_with(b": S_IF") {
        return None;
    }
    std::str::from_utf8(num).ok()?.parse().ok()
}

fn sock_type(line: &[u8]) -> Option<PfilesSockType> {
    Some(match line {
        b"SOCK_STREAM" => PfilesSockType::Stream,
        b"SOCK_DGRAM" => PfilesSockType::Dgram,
        b"SOCK_SEQPACKET" => PfilesSockType::SeqPacket,
        b"SOCK_RAW" => PfilesSockType::Raw,
        b"SOCK_RDM" => PfilesSockType::Other,
        l if l.starts_with(b"unknown socket type ") => PfilesSockType::Other,
        _ => return None,
    })
}

/// The path after `<label>: AF_UNIX ` (psutil: the line split at its first two
/// spaces); `""` when the line ends after `AF_UNIX`.
fn unix_name<'a>(line: &'a [u8], label: &[u8]) -> Option<&'a [u8]> {
    let rest = line.strip_prefix(label)?.strip_prefix(b": AF_UNIX")?;
    match rest {
        [] => Some(rest),
        [b' ', path @ ..] => Some(path),
        _ => None,
    }
}

/// An fd block being read: fd, type, `sockname` path, `peername` path.
type Block = (
    i32,
    Option<PfilesSockType>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// Keeps a finished block if it had an `AF_UNIX` socket name.
fn flush(block: Option<Block>, socks: &mut Vec<UnixSocket>) {
    if let Some((fd, sock_type, Some(path), peer)) = block {
        socks.push(UnixSocket {
            fd,
            sock_type,
            path,
            peer,
        });
    }
}

/// The UNIX sockets of a `pfiles` output, in fd order. Lines before the first fd
/// block are skipped (the heading holds the process's arguments); a `sockname:
/// AF_UNIX` line makes its block a UNIX socket, as psutil reads it, with the type
/// and the peer from the same block. Never fails: lines of another shape are
/// ignored.
pub fn unix_sockets(out: &[u8]) -> Vec<UnixSocket> {
    let mut socks = Vec::new();
    let mut cur: Option<Block> = None;
    for raw in out.split(|&b| b == b'\n') {
        if let Some(fd) = block_fd(raw) {
            flush(cur.take(), &mut socks);
            cur = Some((fd, None, None, None));
            continue;
        }
        let Some((_, ty, path, peer)) = cur.as_mut() else {
            continue;
        };
        let line = raw.trim_ascii_start();
        if let Some(t) = sock_type(line.trim_ascii_end()) {
            ty.get_or_insert(t);
        } else if let Some(p) = unix_name(line, b"sockname") {
            path.get_or_insert_with(|| p.to_vec());
        } else if let Some(p) = unix_name(line, b"peername") {
            peer.get_or_insert_with(|| p.to_vec());
        }
    }
    flush(cur, &mut socks);
    socks
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OUT: &[u8] = b"4321:\t/usr/lib/foo -s sockname: AF_UNIX /fake\n\
  Current rlimit: 65536 file descriptors\n\
   0: S_IFCHR mode:0666 dev:556,0 ino:12 uid:0 gid:3 rdev:13,2\n\
      O_RDONLY|O_LARGEFILE\n\
      /devices/pseudo/mm@0:null\n\
      offset:0\n\
   3: S_IFSOCK mode:0666 dev:554,0 ino:22 uid:0 gid:0 size:0\n\
      O_RDWR|O_NONBLOCK\n\
\tSOCK_STREAM\n\
\tSO_SNDBUF(16384),SO_RCVBUF(5120)\n\
\tsockname: AF_UNIX /var/run/a dir/x.sock\n\
   4: S_IFSOCK mode:0666 dev:554,0 ino:23 uid:0 gid:0 size:0\n\
      O_RDWR\n\
\tSOCK_DGRAM\n\
\tSO_SNDBUF(8192),SO_RCVBUF(8192)\n\
\tfilters: sockfilt\n\
\tsockname: AF_UNIX \n\
\tpeername: AF_UNIX /var/run/syslog_door\n\
\tpeer: syslogd[99] zone: global[0]\n\
   5: S_IFSOCK mode:0666 dev:554,0 ino:24 uid:0 gid:0 size:0\n\
      O_RDWR\n\
\tSOCK_STREAM\n\
\tsockname: AF_INET 127.0.0.1  port: 22\n\
  12: S_IFSOCK mode:0666 dev:554,0 ino:25 uid:0 gid:0 size:0\n\
      O_RDWR\n\
\tsockname: AF_UNIX /tmp/\xffbin";

    #[test]
    fn sockets() {
        let s = unix_sockets(OUT);
        assert_eq!(
            s,
            vec![
                UnixSocket {
                    fd: 3,
                    sock_type: Some(PfilesSockType::Stream),
                    path: b"/var/run/a dir/x.sock".to_vec(),
                    peer: None,
                },
                UnixSocket {
                    fd: 4,
                    sock_type: Some(PfilesSockType::Dgram),
                    path: Vec::new(),
                    peer: Some(b"/var/run/syslog_door".to_vec()),
                },
                UnixSocket {
                    fd: 12,
                    sock_type: None,
                    path: b"/tmp/\xffbin".to_vec(),
                    peer: None,
                },
            ]
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(block_fd(b"   3: S_IFSOCK mode:0666"), Some(3));
        assert_eq!(block_fd(b"1024: S_IFREG mode:0644"), Some(1024));
        assert_eq!(block_fd(b"4321:\t/usr/lib/foo"), None);
        assert_eq!(block_fd(b"  Current rlimit: 256 file descriptors"), None);
        assert_eq!(block_fd(b"99999999999: S_IFSOCK"), None);
        assert_eq!(unix_name(b"sockname: AF_UNIX", b"sockname"), Some(&b""[..]));
        assert_eq!(unix_name(b"sockname: AF_UNIXx /a", b"sockname"), None);
        assert_eq!(
            sock_type(b"unknown socket type 9"),
            Some(PfilesSockType::Other)
        );
        assert_eq!(
            sock_type(b"SOCK_SEQPACKET"),
            Some(PfilesSockType::SeqPacket)
        );
        assert!(unix_sockets(b"").is_empty());
        assert!(unix_sockets(b"1:\tx\n  [system process]\n").is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            for s in unix_sockets(&data) {
                prop_assert!(s.fd >= 0);
                prop_assert!(!s.path.contains(&b'\n'));
            }
        }

        #[test]
        fn lines_never_panic(lines in proptest::collection::vec(
            prop_oneof![
                Just(" 7: S_IFSOCK mode:0".to_string()),
                Just("\tSOCK_STREAM".to_string()),
                Just("\tsockname: AF_UNIX /p".to_string()),
                Just("\tpeername: AF_UNIX".to_string()),
                "[ -~\t]{0,30}",
            ],
            0..20,
        )) {
            let text = lines.join("\n");
            let n_blocks = lines.iter().filter(|l| block_fd(l.as_bytes()).is_some()).count();
            prop_assert!(unix_sockets(text.as_bytes()).len() <= n_blocks);
        }
    }
}
