//! SYN ("half-open") scan through raw sockets, for root. IPv4 only; IPv6
//! targets go through the connect scan. No `unsafe`: socket2 wraps the raw
//! socket calls. Every packet's destination passes the scope check first.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::discovery::{connect_scan, DiscoveryOptions, PortResult, PortState};
use crate::net::Dialer;

type Answers = Mutex<HashMap<(Ipv4Addr, u16), (PortState, Duration)>>;

/// Can this process open a raw TCP socket (root or CAP_NET_RAW)?
pub fn available() -> bool {
    Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).is_ok()
}

fn checksum(data: &[u8], mut sum: u32) -> u16 {
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

fn cookie(dst: Ipv4Addr, dport: u16, secret: u32) -> u32 {
    let mut h: u32 = secret ^ 0x9e37_79b9;
    for b in dst.octets().iter().chain(dport.to_be_bytes().iter()) {
        h = h.rotate_left(5) ^ u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// A TCP SYN segment (header + MSS option) with its checksum.
pub fn build_syn(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, seq: u32) -> [u8; 24] {
    let mut t = [0u8; 24];
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[4..8].copy_from_slice(&seq.to_be_bytes());
    t[12] = 6 << 4; // data offset 6 words
    t[13] = 0x02; // SYN
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

/// Parses an IPv4 packet carrying TCP: (src ip, src port, dst port, flags, ack).
pub fn parse_reply(p: &[u8]) -> Option<(Ipv4Addr, u16, u16, u8, u32)> {
    if p.len() < 20 || p[0] >> 4 != 4 || p[9] != 6 {
        return None;
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    let t = p.get(ihl..ihl + 20)?;
    let src = Ipv4Addr::new(p[12], p[13], p[14], p[15]);
    Some((
        src,
        u16::from_be_bytes([t[0], t[1]]),
        u16::from_be_bytes([t[2], t[3]]),
        t[13],
        u32::from_be_bytes([t[8], t[9], t[10], t[11]]),
    ))
}

fn source_for(dst: Ipv4Addr) -> Option<Ipv4Addr> {
    // connecting a UDP socket sends nothing; it only asks the kernel for the route
    let u = UdpSocket::bind("0.0.0.0:0").ok()?;
    u.connect(SocketAddr::new(IpAddr::V4(dst), 9)).ok()?;
    match u.local_addr().ok()?.ip() {
        IpAddr::V4(v) => Some(v),
        IpAddr::V6(_) => None,
    }
}

/// SYN-scans `ports` on the IPv4 `targets` in scope; IPv6 ones are connect-scanned.
pub async fn syn_scan(
    dialer: Arc<Dialer>,
    targets: &[IpAddr],
    ports: &[u16],
    opts: &DiscoveryOptions,
) -> Result<(Vec<PortResult>, Vec<(IpAddr, String)>), String> {
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
    let mut results = vec![];
    if !v4.is_empty() {
        let d = dialer.clone();
        let ports = ports.to_vec();
        let o = opts.clone();
        let r = tokio::task::spawn_blocking(move || syn_blocking(&d, &v4, &ports, &o))
            .await
            .map_err(|e| e.to_string())??;
        results.extend(r);
    }
    if !v6.is_empty() {
        let (r, _) = connect_scan(dialer, &v6, ports, opts).await;
        results.extend(r);
    }
    results.sort_by_key(|r| (r.ip, r.port));
    Ok((results, refused))
}

fn syn_blocking(
    dialer: &Dialer,
    targets: &[Ipv4Addr],
    ports: &[u16],
    opts: &DiscoveryOptions,
) -> Result<Vec<PortResult>, String> {
    let send =
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(|e| e.to_string())?;
    let recv =
        Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(|e| e.to_string())?;
    let _ = recv.set_recv_buffer_size(16 << 20);
    let _ = send.set_send_buffer_size(4 << 20);
    recv.set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| e.to_string())?;
    let secret = (Instant::now().elapsed().as_nanos() as u32)
        ^ std::process::id().rotate_left(13)
        ^ 0x5a5a_1234;
    let sport: u16 = 40000 + (std::process::id() % 20000) as u16;
    let mut sources = HashMap::new();
    for t in targets {
        let s = source_for(*t).ok_or_else(|| format!("no route to {t}"))?;
        sources.insert(*t, s);
    }
    let wanted: HashSet<Ipv4Addr> = targets.iter().copied().collect();
    let answers: Arc<Answers> = Arc::new(Mutex::new(HashMap::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let recv_thread = {
        let answers = answers.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut r = &recv;
            while !stop.load(Ordering::Relaxed) {
                let Ok(n) = r.read(&mut buf) else { continue };
                let Some((src, sp, dp, flags, ack)) = parse_reply(&buf[..n]) else {
                    continue;
                };
                if dp != sport || !wanted.contains(&src) {
                    continue;
                }
                if ack != cookie(src, sp, secret).wrapping_add(1) {
                    continue;
                }
                let state = if flags & 0x12 == 0x12 {
                    PortState::Open
                } else if flags & 0x04 != 0 {
                    PortState::Closed
                } else {
                    continue;
                };
                if let Ok(mut m) = answers.lock() {
                    m.entry((src, sp)).or_insert((state, started.elapsed()));
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
    for round in 0..=opts.retries.max(2) {
        std::thread::scope(|sc| {
            let n = senders.len();
            for (i, sock) in senders.iter().enumerate() {
                let work = &pending;
                let sources = &sources;
                sc.spawn(move || {
                    for (t, p) in work.iter().skip(i).step_by(n) {
                        // scope check on every packet, not only per target
                        if dialer.authorize(IpAddr::V4(*t)).is_err() {
                            continue;
                        }
                        let Some(src) = sources.get(t) else { continue };
                        let pkt = build_syn(*src, *t, sport, *p, cookie(*t, *p, secret));
                        dialer.pace_blocking(IpAddr::V4(*t));
                        let dst = SockAddr::from(SocketAddr::new(IpAddr::V4(*t), 0));
                        let mut tries = 0;
                        while sock.send_to(&pkt, &dst).is_err() && tries < 50 {
                            // ENOBUFS: the queue is full, give it a moment
                            std::thread::sleep(Duration::from_micros(200));
                            tries += 1;
                        }
                        dialer.attempts.fetch_add(1, Ordering::Relaxed);
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
    out.extend(pending.into_iter().map(|(ip, port)| PortResult {
        ip: IpAddr::V4(ip),
        port,
        state: PortState::Filtered,
        rtt_us: None,
    }));
    Ok(out)
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
