//! The floor of any `connect()`-based port scan on this machine and network: a bare loop, one
//! thread per core, each reusing one non-blocking socket and asking each port with two
//! `connect()` calls (the least a closed port can cost through the system call), with no
//! scheduler, statistics, timeouts or output. `benches/run.sh` runs it beside vigie-scan's
//! connect scan and nmap's, so that the lab's figures say how far the scanner is from what the
//! kernel allows. Not a scanner: it stops at the first port that does not answer at once.
//!
//! ```text
//! connect_floor [--threads N] ADDRESS...   # every TCP port of each address, port-major
//! ```
//!
//! Each address is checked against a scope made of the addresses given (the hard deny list
//! applies), as the scanner's own dialer does.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use vigie_scan::scope::Scope;

fn new_socket(v4: bool) -> std::io::Result<Socket> {
    let domain = if v4 { Domain::IPV4 } else { Domain::IPV6 };
    Socket::new(domain, Type::STREAM.nonblocking(), Some(Protocol::TCP))
}

/// One thread's share: attempts `i` with `i % threads == shard`, in port-major order.
/// Returns the number of closed ports seen, or the first port that did not answer at once.
fn run(hosts: &[IpAddr], shard: usize, threads: usize) -> Result<u64, String> {
    let total = 65_535 * hosts.len();
    let mut sock: Option<Socket> = None;
    let mut closed = 0u64;
    for i in (shard..total).step_by(threads) {
        let port = u16::try_from(1 + i / hosts.len()).map_err(|e| e.to_string())?;
        let ip = hosts[i % hosts.len()];
        let addr = SockAddr::from(SocketAddr::new(ip, port));
        let s = match sock.take() {
            Some(s) => s,
            None => new_socket(ip.is_ipv4()).map_err(|e| e.to_string())?,
        };
        let mut r = s.connect(&addr);
        if matches!(&r, Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS)) {
            r = s.connect(&addr);
        }
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                closed += 1;
                sock = Some(s);
            }
            // open (or still pending): this socket is spent, take a new one
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EISCONN) => {}
            Err(e) => return Err(format!("{ip}:{port}: no answer at once ({e})")),
        }
    }
    Ok(closed)
}

fn main() -> Result<(), String> {
    let mut threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut hosts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--threads" {
            threads = args
                .next()
                .and_then(|n| n.parse().ok())
                .filter(|n| *n > 0)
                .ok_or("--threads needs a positive number")?;
        } else {
            hosts.push(
                a.parse::<IpAddr>()
                    .map_err(|e| format!("{a}: not an address ({e})"))?,
            );
        }
    }
    if hosts.is_empty() {
        return Err("usage: connect_floor [--threads N] ADDRESS...".into());
    }
    let scope =
        Scope::from_networks(hosts.iter().map(|h| h.to_string())).map_err(|e| e.to_string())?;
    for h in &hosts {
        scope.check(*h).map_err(|e| e.to_string())?;
    }
    let t = Instant::now();
    let closed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|shard| {
                let hosts = &hosts;
                s.spawn(move || run(hosts, shard, threads))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a thread panicked".to_string())?)
            .sum::<Result<u64, String>>()
    })?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{{\"threads\":{threads},\"attempts\":{},\"closed\":{closed},\"seconds\":{secs:.3}}}",
        65_535 * hosts.len()
    );
    Ok(())
}
