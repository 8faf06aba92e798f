//! SYN ("half-open") scan through raw sockets, for root. IPv4 only; IPv6
//! targets go through the connect scan. No `unsafe`: socket2 wraps the raw
//! socket calls. Every packet's destination passes the scope check first.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::discovery::GivenUp;
use crate::discovery::{
    connect_scan_with, Discovery, DiscoveryOptions, HostHints, PortResult, PortState,
};
use crate::net::Dialer;

type Answers = Mutex<HashMap<(Ipv4Addr, u16), (PortState, Duration)>>;

/// Can this process open a raw TCP socket (root or CAP_NET_RAW)?
pub fn available() -> bool {
    Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).is_ok()
}

/// A random number from the standard library's per-process hashing keys (no dependency).
pub(crate) fn random_u32() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() as u32
}

/// A source port of its own for each raw-socket user of this process (SYN scans and liveness
/// probes may run at the same time: each recognises its answers by its port).
pub(crate) fn next_source_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = (std::process::id() % 10000) as u16;
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % 10000;
    40000 + (base + n) % 20000
}

pub(crate) fn checksum(data: &[u8], mut sum: u32) -> u16 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

pub(crate) fn cookie(dst: Ipv4Addr, dport: u16, secret: u32) -> u32 {
    let mut h: u32 = secret ^ 0x9e37_79b9;
    for b in dst.octets().iter().chain(dport.to_be_bytes().iter()) {
        h = h.rotate_left(5) ^ u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A TCP segment (header + MSS option) with `flags`, its checksum computed.
pub fn build_tcp(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
) -> [u8; 24] {
    let mut t = [0u8; 24];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[4..8].copy_from_slice(&seq.to_be_bytes());
    t[8..12].copy_from_slice(&ack.to_be_bytes());
    t[12] = 6 << 4; // data offset 6 words
    t[13] = flags;
    t[14..16].copy_from_slice(&1024u16.to_be_bytes()); // window
    t[20..24].copy_from_slice(&[2, 4, 0x05, 0xb4]); // MSS 1460
    let mut pseudo = 0u32;
    for o in [src.octets(), dst.octets()] {
        pseudo += u32::from(u16::from_be_bytes([o[0], o[1]]))
            + u32::from(u16::from_be_bytes([o[2], o[3]]));
    }
    pseudo += 6 + 24;
    let c = checksum(&t, pseudo);
    t[16..18].copy_from_slice(&c.to_be_bytes());
    t
}

/// A TCP SYN segment (header + MSS option) with its checksum.
pub fn build_syn(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, seq: u32) -> [u8; 24] {
    build_tcp(src, dst, sport, dport, seq, 0, 0x02)
}

/// The fields of a TCP segment read from a raw socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub src: Ipv4Addr,
    pub sport: u16,
    pub dport: u16,
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
}

/// Parses an IPv4 packet carrying TCP. Never panics, whatever it is given.
pub fn parse_segment(p: &[u8]) -> Option<Segment> {
    if p.len() < 20 || p[0] >> 4 != 4 || p[9] != 6 {
        return None;
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    let t = p.get(ihl..ihl + 20)?;
    Some(Segment {
        src: Ipv4Addr::new(p[12], p[13], p[14], p[15]),
        sport: u16::from_be_bytes([t[0], t[1]]),
        dport: u16::from_be_bytes([t[2], t[3]]),
        flags: t[13],
        seq: u32::from_be_bytes([t[4], t[5], t[6], t[7]]),
        ack: u32::from_be_bytes([t[8], t[9], t[10], t[11]]),
    })
}

/// Parses an IPv4 packet carrying TCP: (src ip, src port, dst port, flags, ack).
pub fn parse_reply(p: &[u8]) -> Option<(Ipv4Addr, u16, u16, u8, u32)> {
    parse_segment(p).map(|s| (s.src, s.sport, s.dport, s.flags, s.ack))
}

pub(crate) fn source_for(dst: Ipv4Addr) -> Option<Ipv4Addr> {
    // connecting a UDP socket sends nothing; it only asks the kernel for the route
    let u = UdpSocket::bind("0.0.0.0:0").ok()?;
    u.connect(SocketAddr::new(IpAddr::V4(dst), 9)).ok()?;
    match u.local_addr().ok()?.ip() {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(_) => None,
    }
}

/// Sends one raw packet, waiting a little while the send queue is full (ENOBUFS); any other
/// error is not retried.
fn send_raw(sock: &Socket, pkt: &[u8], dst: &SockAddr) {
    for _ in 0..50 {
        match sock.send_to(pkt, dst) {
            Ok(_) => return,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOBUFS) | Some(libc::EAGAIN)) => {
                std::thread::sleep(Duration::from_micros(200));
            }
            Err(_) => return,
        }
    }
}

/// SYN-scans `ports` on the IPv4 `targets` in scope; IPv6 ones are connect-scanned.
pub async fn syn_scan(
    dialer: Arc<Dialer>,
    targets: &[IpAddr],
    ports: &[u16],
    opts: &DiscoveryOptions,
) -> Result<(Vec<PortResult>, Vec<(IpAddr, String)>), String> {
    syn_scan_with(dialer, targets, ports, opts, &HostHints::default())
        .await
        .map(|d| (d.results, d.refused))
}

/// [`syn_scan`], knowing what liveness learnt: an address that has not answered TCP gets at
/// most [`DiscoveryOptions::give_up_after`] SYNs until it answers one; one that answers none
/// is given up (its other ports are not sent, and [`Discovery::given_up`] says so).
pub async fn syn_scan_with(
    dialer: Arc<Dialer>,
    targets: &[IpAddr],
    ports: &[u16],
    opts: &DiscoveryOptions,
    hints: &HostHints,
) -> Result<Discovery, String> {
    let mut refused = vec![];
    let mut v4 = vec![];
    let mut v6 = vec![];
    for t in targets {
        match dialer.authorize(*t) {
            Err(e) => refused.push((*t, e.to_string())),
            Ok(()) => match t {
                IpAddr::V4(a) => v4.push(*a),
                IpAddr::V6(_) => v6.push(*t),
            },
        }
    }
    let ports = crate::ports::probe_order(ports);
    let mut out = Discovery {
        refused,
        ..Default::default()
    };
    if !v4.is_empty() {
        let d = dialer.clone();
        let ports = ports.clone();
        let o = opts.clone();
        let proven: Vec<bool> = v4
            .iter()
            .map(|t| hints.answered_tcp.contains(&IpAddr::V4(*t)))
            .collect();
        let (r, given_up) =
            tokio::task::spawn_blocking(move || syn_blocking(&d, &v4, &proven, &ports, &o))
                .await
                .map_err(|e| e.to_string())??;
        out.results.extend(r);
        out.given_up.extend(given_up);
    }
    if !v6.is_empty() {
        let d = connect_scan_with(dialer, &v6, &ports, opts, hints).await;
        out.results.extend(d.results);
        out.given_up.extend(d.given_up);
    }
    out.results.sort_by_key(|r| (r.ip, r.port));
    Ok(out)
}

type SynOutcome = (Vec<PortResult>, Vec<(IpAddr, GivenUp)>);

fn syn_blocking(
    dialer: &Dialer,
    targets: &[Ipv4Addr],
    proven: &[bool],
    ports: &[u16],
    opts: &DiscoveryOptions,
) -> Result<SynOutcome, String> {
    let send =
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(|e| e.to_string())?;
    let recv =
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(|e| e.to_string())?;
    let _ = recv.set_recv_buffer_size(16 << 20);
    let _ = send.set_send_buffer_size(4 << 20);
    recv.set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    let secret = random_u32();
    let sport = next_source_port();
    let mut sources = HashMap::new();
    for t in targets {
        let s = source_for(*t).ok_or_else(|| format!("no route to {t}"))?;
        sources.insert(*t, s);
    }
    let index: HashMap<Ipv4Addr, usize> =
        targets.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    // per address: answered anything; SYNs sent while it had not
    let answered: Arc<Vec<AtomicBool>> =
        Arc::new(proven.iter().map(|p| AtomicBool::new(*p)).collect());
    let sent_silent: Vec<AtomicU32> = targets.iter().map(|_| AtomicU32::new(0)).collect();
    let cap = opts.give_up_after;
    let answers: Arc<Answers> = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let recv_thread = {
        let answers = answers.clone();
        let answered = answered.clone();
        let stop = stop.clone();
        let index = index.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut r = &recv;
            while !stop.load(Ordering::Relaxed) {
                let Ok(n) = std::io::Read::read(&mut r, &mut buf) else {
                    continue;
                };
                let Some(seg) = parse_segment(&buf[..n]) else {
                    continue;
                };
                if seg.dport != sport {
                    continue;
                }
                let Some(i) = index.get(&seg.src) else {
                    continue;
                };
                if seg.ack != cookie(seg.src, seg.sport, secret).wrapping_add(1) {
                    continue;
                }
                let state = if seg.flags & 0x12 == 0x12 {
                    PortState::Open
                } else if seg.flags & 0x04 != 0 {
                    PortState::Closed
                } else {
                    continue;
                };
                if let Some(a) = answered.get(*i) {
                    a.store(true, Ordering::Relaxed);
                }
                if let Ok(mut m) = answers.lock() {
                    m.entry((seg.src, seg.sport))
                        .or_insert((state, started.elapsed()));
                }
            }
        })
    };
    let mut pending: Vec<(Ipv4Addr, u16)> = ports
        .iter()
        .flat_map(|p| targets.iter().map(move |t| (*t, *p)))
        .collect();
    // one sender thread per core, each with its own raw socket
    let shards = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let mut senders = vec![send];
    for _ in 1..shards {
        match Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)) {
            Ok(s) => {
                let _ = s.set_send_buffer_size(4 << 20);
                senders.push(s);
            }
            Err(_) => break,
        }
    }
    let answered_count = || answers.lock().map(|m| m.len()).unwrap_or(0);
    let mut given_up: Vec<(IpAddr, GivenUp)> = vec![];
    let mut unanswered: Vec<(Ipv4Addr, u16)> = vec![];
    for round in 0..=opts.retries.max(2) {
        let deferred: Mutex<Vec<(Ipv4Addr, u16)>> = Mutex::new(vec![]);
        std::thread::scope(|sc| {
            let n = senders.len();
            for (i, sock) in senders.iter().enumerate() {
                let work = &pending;
                let sources = &sources;
                let (index, answered, sent_silent, deferred) =
                    (&index, &answered, &sent_silent, &deferred);
                sc.spawn(move || {
                    let mut held = vec![];
                    for (t, p) in work.iter().skip(i).step_by(n) {
                        // scope check on every packet, not only per target
                        if dialer.authorize(IpAddr::V4(*t)).is_err() {
                            continue;
                        }
                        let Some(src) = sources.get(t) else { continue };
                        // an address that answered nothing yet gets `cap` SYNs, the rest wait
                        if round == 0 && cap > 0 {
                            if let Some(h) = index.get(t) {
                                if !answered[*h].load(Ordering::Relaxed)
                                    && sent_silent[*h].fetch_add(1, Ordering::Relaxed) >= cap
                                {
                                    held.push((*t, *p));
                                    continue;
                                }
                            }
                        }
                        let pkt = build_syn(*src, *t, sport, *p, cookie(*t, *p, secret));
                        dialer.pace_blocking(IpAddr::V4(*t));
                        let dst = SockAddr::from(SocketAddr::new(IpAddr::V4(*t), 0));
                        send_raw(sock, &pkt, &dst);
                        dialer.attempts.fetch_add(1, Ordering::Relaxed);
                    }
                    if let Ok(mut d) = deferred.lock() {
                        d.extend(held);
                    }
                });
            }
        });
        // wait for late answers: until nothing new came for a quiet period, at most the max timeout
        let quiet = if round == 0 {
            opts.min_timeout.max(Duration::from_millis(150))
        } else {
            opts.min_timeout.max(Duration::from_millis(300))
        };
        let deadline = Instant::now() + opts.max_timeout;
        let mut last = answered_count();
        let mut last_change = Instant::now();
        while Instant::now() < deadline && last_change.elapsed() < quiet {
            std::thread::sleep(Duration::from_millis(20));
            let c = answered_count();
            if c != last {
                last = c;
                last_change = Instant::now();
            }
        }
        let got = answers
            .lock()
            .map(|m| m.keys().copied().collect::<HashSet<_>>())
            .unwrap_or_default();
        pending.retain(|k| !got.contains(k));
        let mut held = deferred.into_inner().unwrap_or_default();
        if round == 0 && cap > 0 {
            // addresses that answered none of their first SYNs: given up
            let mut not_sent: HashMap<Ipv4Addr, usize> = HashMap::new();
            for (t, _) in &held {
                *not_sent.entry(*t).or_default() += 1;
            }
            let silent: HashSet<Ipv4Addr> = targets
                .iter()
                .enumerate()
                .filter(|(i, _)| !answered[*i].load(Ordering::Relaxed))
                .map(|(_, t)| *t)
                .collect();
            let mut gone: HashSet<Ipv4Addr> = HashSet::new();
            for t in targets.iter().filter(|t| silent.contains(t)) {
                let left = not_sent.get(t).copied().unwrap_or(0);
                if left == 0 {
                    continue; // every port was sent: an ordinary all-filtered address
                }
                gone.insert(*t);
                let sent = ports.len() - left;
                given_up.push((
                    IpAddr::V4(*t),
                    GivenUp {
                        silent_attempts: sent as u32,
                        ports_not_probed: left,
                        detail: format!(
                            "no answer (SYN-ACK or RST) to its first {sent} SYNs: its other {left} ports were not sent (--give-up-after 0 sends them all)"
                        ),
                    },
                ));
            }
            held.retain(|(t, _)| !gone.contains(t));
            // the SYNs a given-up address was sent went unanswered: filtered, not retried
            unanswered.extend(pending.iter().filter(|(t, _)| gone.contains(t)).copied());
            pending.retain(|(t, _)| !gone.contains(t));
            pending.extend(held);
        }
        if pending.is_empty() {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = recv_thread.join();
    let answers = answers.lock().map(|m| m.clone()).unwrap_or_default();
    let mut out: Vec<PortResult> = answers
        .into_iter()
        .map(|((ip, port), (state, _))| PortResult {
            ip: IpAddr::V4(ip),
            port,
            state,
            rtt_us: None,
        })
        .collect();
    out.extend(
        pending
            .into_iter()
            .chain(unanswered)
            .map(|(ip, port)| PortResult {
                ip: IpAddr::V4(ip),
                port,
                state: PortState::Filtered,
                rtt_us: None,
            }),
    );
    Ok((out, given_up))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syn_checksum_valid() {
        let s = Ipv4Addr::new(10, 0, 0, 1);
        let d = Ipv4Addr::new(10, 0, 0, 2);
        let pkt = build_syn(s, d, 40000, 443, 12345);
        let mut pseudo = 0u32;
        for o in [s.octets(), d.octets()] {
            pseudo += u32::from(u16::from_be_bytes([o[0], o[1]]))
                + u32::from(u16::from_be_bytes([o[2], o[3]]));
        }
        pseudo += 6 + 24;
        assert_eq!(
            checksum(&pkt, pseudo),
            0,
            "checksum over a valid segment folds to zero"
        );
        let mut ip = vec![
            0x45, 0, 0, 44, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
        ];
        ip.extend_from_slice(&pkt);
        let (src, sp, dp, flags, _) = parse_reply(&ip).unwrap();
        assert_eq!((src, sp, dp, flags), (d, 40000, 443, 2));
        assert!(parse_reply(&ip[..10]).is_none());
    }
}
