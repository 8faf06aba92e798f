//! Liveness before ports: decide quickly which targets are up, so that an address where
//! nothing lives costs one short wait instead of a timeout per port.
//!
//! Probes, all scope-checked and paced through the [`Dialer`]:
//! * TCP to a few common ports: SYN (and an ACK to port 80) through raw sockets in SYN mode,
//!   `connect()` otherwise. A SYN-ACK or a RST proves the address up.
//! * ICMP echo and timestamp requests through a raw socket when the process may open one (root
//!   or CAP_NET_RAW); an echo request through the system's unprivileged ping socket otherwise,
//!   where `net.ipv4.ping_group_range` allows it.
//! * ARP, for targets on a directly attached network: every probe above makes the kernel
//!   resolve the target's link address; its neighbour table (`/proc/net/arp`) says when the
//!   target answered the ARP request, and for which addresses nothing answered.
//!
//! An address none of these proves up within the wait is judged down, with the reason; its
//! ports are not scanned. The wait is [`LivenessOptions::timeout`] until answers come back,
//! then ten times the 90th percentile of the answers' round trips, never below
//! [`LivenessOptions::min_timeout`].

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use crate::net::{DialError, Dialer};

/// How liveness is decided before the port scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivenessOptions {
    /// Decide which targets are up before scanning their ports (default). `false` is nmap's
    /// `-Pn`: every target is scanned as if up.
    pub enabled: bool,
    /// TCP ports probed (SYN in SYN mode, `connect()` otherwise).
    pub tcp_ports: Vec<u16>,
    /// ICMP echo (and timestamp, through raw sockets) requests.
    pub icmp: bool,
    /// Read the kernel's ARP resolution of targets on a directly attached network.
    pub arp: bool,
    /// How long an address may stay silent before it is judged down, until answers give a
    /// measure of the network.
    pub timeout: Duration,
    /// The shortest wait, whatever the answers measured.
    pub min_timeout: Duration,
}

impl Default for LivenessOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            tcp_ports: vec![443, 80, 22, 3389],
            icmp: true,
            arp: true,
            timeout: Duration::from_millis(1000),
            min_timeout: Duration::from_millis(300),
        }
    }
}

/// Whether an address was judged up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostState {
    Up,
    Down,
}

/// What the scan concluded about one target.
pub use crate::discovery::GivenUp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostStatus {
    pub ip: IpAddr,
    pub state: HostState,
    /// How, in nmap's words where they exist: arp-response, syn-ack, reset, conn-refused,
    /// echo-reply, timestamp-reply, port-unreach, user-set (liveness off), no-response,
    /// host-unreach.
    pub reason: String,
    /// The same in a sentence: what was sent, what came back, or for how long nothing did.
    pub detail: String,
    /// Round trip of the answer that proved it up, in microseconds.
    pub rtt_us: Option<u64>,
    /// Link address read from the ARP answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Set when the port scan gave the address up early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_up: Option<GivenUp>,
}

impl HostStatus {
    /// An address scanned without liveness (`-Pn`).
    pub fn user_set(ip: IpAddr) -> Self {
        Self {
            ip,
            state: HostState::Up,
            reason: "user-set".into(),
            detail: "liveness not checked (-Pn): scanned as if up".into(),
            rtt_us: None,
            mac: None,
            given_up: None,
        }
    }
}

/// How the port scan will run, which decides the TCP probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeMode {
    /// Raw SYN (and ACK) packets: root, IPv4.
    Raw,
    /// `connect()`.
    Connect,
}

/// What probers report.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// A first probe left for this address at this instant.
    Sent(IpAddr, Instant),
    Up {
        ip: IpAddr,
        reason: &'static str,
        detail: String,
        /// Measured by the prober; otherwise from the first probe's departure.
        rtt: Option<Duration>,
        /// A TCP answer: the address answers on TCP (the port scan need not give it up).
        tcp: bool,
        mac: Option<String>,
    },
    /// ICMP destination unreachable (from a router), or the kernel's EHOSTUNREACH.
    Unreachable { ip: IpAddr, detail: String },
    /// The kernel tried to resolve this address by ARP: it is on a directly attached network.
    OnLink(IpAddr),
    /// A prober has sent every probe it will send.
    DoneSending,
}

#[derive(Debug, Default)]
struct Track {
    sent: Option<Instant>,
    decided: bool,
    unreachable: Option<String>,
    on_link: bool,
}

/// What liveness learnt beyond the verdicts, for the port scan.
#[derive(Debug, Clone, Default)]
pub struct LivenessReport {
    /// Addresses that answered a TCP probe: the port scan never gives them up.
    pub answered_tcp: HashSet<IpAddr>,
    /// Round trip of the answer that proved each address up.
    pub rtt: HashMap<IpAddr, Duration>,
    /// The probes, in a sentence.
    pub probes: String,
    pub elapsed: Duration,
}

/// The verdicts, from probe events and time only (no I/O): unit-tested on its own.
#[derive(Debug)]
pub(crate) struct Verdicts {
    tracks: HashMap<IpAddr, Track>,
    undecided: usize,
    senders_left: usize,
    opts: LivenessOptions,
    /// Round trips of the answers so far, sorted.
    rtts: Vec<Duration>,
    probes: String,
    pub(crate) report: LivenessReport,
}

impl Verdicts {
    pub(crate) fn new(
        targets: &[IpAddr],
        opts: &LivenessOptions,
        senders: usize,
        probes: String,
    ) -> Self {
        let tracks: HashMap<IpAddr, Track> =
            targets.iter().map(|t| (*t, Track::default())).collect();
        Self {
            undecided: tracks.len(),
            tracks,
            senders_left: senders,
            opts: opts.clone(),
            rtts: vec![],
            report: LivenessReport {
                probes: probes.clone(),
                ..Default::default()
            },
            probes,
        }
    }

    /// How long a silent address is waited for, from its first probe: the timeout until
    /// answers come back, then ten times the 90th percentile of their round trips (one late
    /// answer on a busy machine does not stretch it), within [min_timeout, timeout].
    pub(crate) fn wait(&self) -> Duration {
        if self.rtts.is_empty() {
            return self.opts.timeout;
        }
        let p90 = self.rtts[(self.rtts.len() - 1) * 9 / 10];
        (p90 * 10).max(self.opts.min_timeout).min(self.opts.timeout)
    }

    pub(crate) fn done(&self) -> bool {
        self.undecided == 0
    }

    /// Takes one event; returns the verdict it decides, if any.
    pub(crate) fn event(&mut self, ev: Event, now: Instant) -> Option<HostStatus> {
        match ev {
            Event::Sent(ip, at) => {
                if let Some(t) = self.tracks.get_mut(&ip) {
                    if t.sent.is_none_or(|s| at < s) {
                        t.sent = Some(at);
                    }
                }
                None
            }
            Event::DoneSending => {
                self.senders_left = self.senders_left.saturating_sub(1);
                None
            }
            Event::OnLink(ip) => {
                if let Some(t) = self.tracks.get_mut(&ip) {
                    t.on_link = true;
                }
                None
            }
            Event::Unreachable { ip, detail } => {
                if let Some(t) = self.tracks.get_mut(&ip) {
                    t.unreachable.get_or_insert(detail);
                }
                None
            }
            Event::Up {
                ip,
                reason,
                detail,
                rtt,
                tcp,
                mac,
            } => {
                if tcp {
                    self.report.answered_tcp.insert(ip);
                }
                let t = self.tracks.get_mut(&ip)?;
                let rtt = rtt.or_else(|| t.sent.map(|s| now.saturating_duration_since(s)));
                if t.decided {
                    return None;
                }
                t.decided = true;
                self.undecided -= 1;
                if let Some(r) = rtt {
                    self.report.rtt.insert(ip, r);
                    let at = self.rtts.partition_point(|x| *x < r);
                    self.rtts.insert(at, r);
                }
                Some(HostStatus {
                    ip,
                    state: HostState::Up,
                    reason: reason.into(),
                    detail,
                    rtt_us: rtt.map(|r| r.as_micros() as u64),
                    mac,
                    given_up: None,
                })
            }
        }
    }

    /// The addresses whose wait is over, judged down.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<HostStatus> {
        let wait = self.wait();
        let all_sent = self.senders_left == 0;
        let mut out = vec![];
        for (ip, t) in &mut self.tracks {
            if t.decided {
                continue;
            }
            // an address no probe reached yet (pacing) is waited for once every probe left
            let Some(since) = t.sent else {
                if all_sent {
                    t.sent = Some(now);
                }
                continue;
            };
            if now.saturating_duration_since(since) < wait {
                continue;
            }
            t.decided = true;
            let ms = wait.as_millis();
            // on a directly attached network, ARP decides: the kernel's "unreachable" for such
            // an address is its ARP failure, no router's word
            let (reason, detail) = match (t.on_link, &t.unreachable) {
                (true, u) => (
                    "no-response",
                    format!(
                        "no ARP reply within {ms} ms on the directly attached network: no host has this address{}; no answer to {}",
                        u.as_deref()
                            .map(|u| format!(" (the kernel: {u})"))
                            .unwrap_or_default(),
                        self.probes
                    ),
                ),
                (false, Some(u)) => (
                    "host-unreach",
                    format!("{u}; nothing else answered within {ms} ms ({})", self.probes),
                ),
                (false, None) => (
                    "no-response",
                    format!("no answer within {ms} ms to {}", self.probes),
                ),
            };
            out.push(HostStatus {
                ip: *ip,
                state: HostState::Down,
                reason: reason.into(),
                detail,
                rtt_us: None,
                mac: None,
                given_up: None,
            });
        }
        self.undecided -= out.len();
        out.sort_by_key(|s| s.ip);
        out
    }

    /// When the next address may expire.
    pub(crate) fn next_deadline(&self, now: Instant) -> Instant {
        let wait = self.wait();
        self.tracks
            .values()
            .filter(|t| !t.decided)
            .filter_map(|t| t.sent)
            .map(|s| s + wait)
            .min()
            .unwrap_or(now + Duration::from_millis(20))
            .max(now)
    }
}

// ------------------------------------------------------------------ packets

/// An ICMP echo request (type 8) or timestamp request (type 13).
pub fn icmp_request(kind: u8, id: u16, seq: u16, ms_since_midnight: u32) -> Vec<u8> {
    let mut p = vec![kind, 0, 0, 0];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    if kind == 13 {
        p.extend_from_slice(&ms_since_midnight.to_be_bytes());
        p.extend_from_slice(&[0; 8]);
    } else {
        p.extend_from_slice(b"vigie-ok");
    }
    let c = crate::syn::checksum(&p, 0);
    p[2..4].copy_from_slice(&c.to_be_bytes());
    p
}

/// An ICMP message read from a raw socket (IPv4 header included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IcmpReply {
    /// Echo reply (0) or timestamp reply (14) from `from`, with its identifier.
    Reply { from: Ipv4Addr, kind: u8, id: u16 },
    /// Destination unreachable (3) sent by `from` about a packet to `to`: protocol of that
    /// packet, and its ICMP identifier or TCP source port (what tells whose probe it was).
    Unreachable {
        from: Ipv4Addr,
        to: Ipv4Addr,
        code: u8,
        protocol: u8,
        tag: u16,
    },
}

/// Reads an IPv4 packet carrying ICMP. Never panics, whatever it is given.
pub fn parse_icmp(p: &[u8]) -> Option<IcmpReply> {
    if p.len() < 20 || p[0] >> 4 != 4 || p[9] != 1 {
        return None;
    }
    let ihl = usize::from(p[0] & 0x0f) * 4;
    let from = Ipv4Addr::new(p[12], p[13], p[14], p[15]);
    let icmp = p.get(ihl..)?;
    let kind = *icmp.first()?;
    match kind {
        0 | 14 => Some(IcmpReply::Reply {
            from,
            kind,
            id: u16::from_be_bytes([*icmp.get(4)?, *icmp.get(5)?]),
        }),
        3 => {
            let code = *icmp.get(1)?;
            let inner = icmp.get(8..)?;
            if inner.len() < 20 || inner[0] >> 4 != 4 {
                return None;
            }
            let ihl2 = usize::from(inner[0] & 0x0f) * 4;
            let protocol = inner[9];
            let to = Ipv4Addr::new(inner[16], inner[17], inner[18], inner[19]);
            let l4 = inner.get(ihl2..)?;
            let tag = match protocol {
                1 => u16::from_be_bytes([*l4.get(4)?, *l4.get(5)?]),
                6 => u16::from_be_bytes([*l4.first()?, *l4.get(1)?]),
                _ => return None,
            };
            Some(IcmpReply::Unreachable {
                from,
                to,
                code,
                protocol,
                tag,
            })
        }
        _ => None,
    }
}

/// One entry of the kernel's IPv4 neighbour table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArpEntry {
    pub ip: Ipv4Addr,
    /// The target answered (ATF_COM): its link address is known.
    pub complete: bool,
    pub mac: String,
    pub device: String,
}

/// Reads `/proc/net/arp`. Never panics, whatever it is given.
pub fn parse_proc_arp(text: &str) -> Vec<ArpEntry> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let ip = f.first()?.parse().ok()?;
            let flags = u32::from_str_radix(f.get(2)?.trim_start_matches("0x"), 16).ok()?;
            Some(ArpEntry {
                ip,
                complete: flags & 0x2 != 0,
                mac: f.get(3)?.to_string(),
                device: f.get(5).unwrap_or(&"").to_string(),
            })
        })
        .collect()
}

fn ms_since_midnight() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (secs.as_millis() % 86_400_000) as u32
}

// ------------------------------------------------------------------ probers

/// Whether the verdicts asked the probers to stop.
type Stop = Arc<AtomicBool>;

fn send_ev(tx: &UnboundedSender<Event>, ev: Event) {
    let _ = tx.send(ev);
}

/// An address proven up by an answer.
fn up(ip: IpAddr, reason: &'static str, detail: String, tcp: bool) -> Event {
    Event::Up {
        ip,
        reason,
        detail,
        rtt: None,
        tcp,
        mac: None,
    }
}

/// A thread reading `sock` until asked to stop, turning what it reads into events.
fn reader(
    sock: &Socket,
    tx: &UnboundedSender<Event>,
    stop: &Stop,
    mut read: impl FnMut(&[u8]) -> Option<Event> + Send + 'static,
) -> Result<std::thread::JoinHandle<()>, String> {
    let sock = sock.try_clone().map_err(|e| e.to_string())?;
    let (tx, stop) = (tx.clone(), stop.clone());
    Ok(std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        let mut r = &sock;
        while !stop.load(Ordering::Relaxed) {
            let Ok(n) = std::io::Read::read(&mut r, &mut buf) else {
                continue;
            };
            if let Some(ev) = read(&buf[..n]) {
                send_ev(&tx, ev);
            }
        }
    }))
}

/// Raw probes (root, IPv4): SYN to each port, ACK to port 80, ICMP echo and timestamp. One
/// thread sends, one reads TCP answers, one reads ICMP answers.
fn raw_prober(
    dialer: Arc<Dialer>,
    targets: Vec<Ipv4Addr>,
    ports: Vec<u16>,
    icmp: bool,
    tx: UnboundedSender<Event>,
    stop: Stop,
) -> Result<Vec<std::thread::JoinHandle<()>>, String> {
    let tcp = !ports.is_empty();
    let tcp_sock = if tcp {
        let s =
            Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).map_err(|e| e.to_string())?;
        let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
        Some(s)
    } else {
        None
    };
    let icmp_sock = if icmp {
        Some(
            Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    if tcp_sock.is_none() && icmp_sock.is_none() {
        return Err("nothing to send".into());
    }
    if let Some(s) = &icmp_sock {
        let _ = s.set_read_timeout(Some(Duration::from_millis(20)));
    }
    let sport = crate::syn::next_source_port();
    let secret = crate::syn::random_u32();
    let icmp_id = (crate::syn::random_u32() & 0xffff) as u16;
    let wanted: HashMap<Ipv4Addr, u16> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, i as u16))
        .collect();
    let ack_cookie = move |dst: Ipv4Addr| crate::syn::cookie(dst, 0, secret ^ 0x00ac_c0de);
    let mut handles = vec![];
    // TCP answers
    if let Some(tcp_sock) = &tcp_sock {
        let wanted = wanted.clone();
        handles.push(reader(tcp_sock, &tx, &stop, move |p| {
            let seg = crate::syn::parse_segment(p)?;
            if seg.dport != sport || !wanted.contains_key(&seg.src) {
                return None;
            }
            let syn_ack = seg.flags & 0x12 == 0x12;
            let rst = seg.flags & 0x04 != 0;
            let to_syn = seg.ack == crate::syn::cookie(seg.src, seg.sport, secret).wrapping_add(1);
            let to_ack = rst && seg.seq == ack_cookie(seg.src);
            let ip = IpAddr::V4(seg.src);
            if syn_ack && to_syn {
                Some(up(
                    ip,
                    "syn-ack",
                    format!("SYN-ACK from {}/tcp", seg.sport),
                    true,
                ))
            } else if rst && (to_syn || to_ack) {
                let probe = if to_ack { "ACK" } else { "SYN" };
                let detail = format!("RST from {}/tcp to a TCP {probe}", seg.sport);
                Some(up(ip, "reset", detail, true))
            } else {
                None
            }
        })?);
    }
    // ICMP answers
    if let Some(s) = &icmp_sock {
        let wanted = wanted.clone();
        handles.push(reader(s, &tx, &stop, move |p| match parse_icmp(p)? {
            IcmpReply::Reply { from, kind, id } if id == icmp_id && wanted.contains_key(&from) => {
                let (reason, what) = if kind == 0 {
                    ("echo-reply", "ICMP echo reply")
                } else {
                    ("timestamp-reply", "ICMP timestamp reply")
                };
                Some(up(IpAddr::V4(from), reason, what.into(), false))
            }
            IcmpReply::Unreachable {
                from,
                to,
                code,
                protocol,
                tag,
            } if wanted.contains_key(&to)
                && ((protocol == 1 && tag == icmp_id) || (protocol == 6 && tag == sport)) =>
            {
                let detail = format!("ICMP destination unreachable (code {code}) from {from}");
                if from == to && (code == 2 || code == 3) {
                    // the target itself refused the protocol or port: it is there
                    let reason = if code == 3 {
                        "port-unreach"
                    } else {
                        "proto-unreach"
                    };
                    Some(up(IpAddr::V4(to), reason, detail, false))
                } else {
                    Some(Event::Unreachable {
                        ip: IpAddr::V4(to),
                        detail,
                    })
                }
            }
            _ => None,
        })?);
    }
    // the sender
    {
        let tx = tx.clone();
        let stop = stop.clone();
        handles.push(std::thread::spawn(move || {
            let ts = ms_since_midnight();
            for t in &targets {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let ip = IpAddr::V4(*t);
                if dialer.authorize(ip).is_err() {
                    continue;
                }
                let Some(src) = crate::syn::source_for(*t) else {
                    send_ev(
                        &tx,
                        Event::Unreachable {
                            ip,
                            detail: "no route to the address".into(),
                        },
                    );
                    send_ev(&tx, Event::Sent(ip, Instant::now()));
                    continue;
                };
                let dst = SockAddr::from(SocketAddr::new(ip, 0));
                let mut first = true;
                let mut send = |sock: &Socket, pkt: &[u8]| {
                    dialer.pace_blocking(ip);
                    if first {
                        send_ev(&tx, Event::Sent(ip, Instant::now()));
                        first = false;
                    }
                    dialer.attempts.fetch_add(1, Ordering::Relaxed);
                    if let Err(e) = sock.send_to(pkt, &dst) {
                        if matches!(
                            e.raw_os_error(),
                            Some(libc::EHOSTUNREACH) | Some(libc::ENETUNREACH)
                        ) {
                            send_ev(
                                &tx,
                                Event::Unreachable {
                                    ip,
                                    detail: format!("sending to it failed: {e}"),
                                },
                            );
                        }
                    }
                };
                if let Some(tcp_sock) = &tcp_sock {
                    for p in &ports {
                        let pkt = crate::syn::build_syn(
                            src,
                            *t,
                            sport,
                            *p,
                            crate::syn::cookie(*t, *p, secret),
                        );
                        send(tcp_sock, &pkt);
                    }
                    let ack = crate::syn::build_tcp(
                        src,
                        *t,
                        sport,
                        80,
                        crate::syn::cookie(*t, 80, secret ^ 0x5eed),
                        ack_cookie(*t),
                        0x10,
                    );
                    send(tcp_sock, &ack);
                }
                if let Some(s) = &icmp_sock {
                    let seq = wanted.get(t).copied().unwrap_or(0);
                    send(s, &icmp_request(8, icmp_id, seq, 0));
                    send(s, &icmp_request(13, icmp_id, seq, ts));
                }
            }
            send_ev(&tx, Event::DoneSending);
        }));
    }
    Ok(handles)
}

/// ICMP echo through the unprivileged ping socket (`SOCK_DGRAM`, `IPPROTO_ICMP`), where the
/// system allows it (`net.ipv4.ping_group_range`). `None` when it does not.
fn ping_socket_prober(
    dialer: Arc<Dialer>,
    targets: Vec<Ipv4Addr>,
    tx: UnboundedSender<Event>,
    stop: Stop,
) -> Option<Vec<std::thread::JoinHandle<()>>> {
    let sock = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::ICMPV4)).ok()?;
    let _ = sock.set_read_timeout(Some(Duration::from_millis(20)));
    let targets_r = targets.clone();
    // a ping socket reads the ICMP message without its IP header, and only the answers to its
    // own requests; the sequence number names the target
    let mut handles = vec![reader(&sock, &tx, &stop, move |p| {
        if p.len() < 8 || p[0] != 0 {
            return None;
        }
        let t = targets_r.get(usize::from(u16::from_be_bytes([p[6], p[7]])))?;
        let detail = "ICMP echo reply (unprivileged ping socket)".to_string();
        Some(up(IpAddr::V4(*t), "echo-reply", detail, false))
    })
    .ok()?];
    handles.push(std::thread::spawn(move || {
        for (i, t) in targets.iter().enumerate() {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let ip = IpAddr::V4(*t);
            if dialer.authorize(ip).is_err() {
                continue;
            }
            dialer.pace_blocking(ip);
            send_ev(&tx, Event::Sent(ip, Instant::now()));
            dialer.attempts.fetch_add(1, Ordering::Relaxed);
            let pkt = icmp_request(8, 0, i as u16, 0);
            let _ = sock.send_to(&pkt, &SockAddr::from(SocketAddr::new(ip, 0)));
        }
        send_ev(&tx, Event::DoneSending);
    }));
    Some(handles)
}

/// Watches the kernel's neighbour table for the targets: an entry that became complete is an
/// ARP answer; an entry at all says the target is on a directly attached network.
fn arp_watcher(
    targets: Vec<Ipv4Addr>,
    tx: UnboundedSender<Event>,
    stop: Stop,
) -> Option<std::thread::JoinHandle<()>> {
    let first = std::fs::read_to_string("/proc/net/arp").ok()?;
    // complete before any probe: no news about the target now (it may be a stale entry)
    let known: HashSet<Ipv4Addr> = parse_proc_arp(&first)
        .into_iter()
        .filter(|e| e.complete)
        .map(|e| e.ip)
        .collect();
    let wanted: HashSet<Ipv4Addr> = targets.into_iter().collect();
    Some(std::thread::spawn(move || {
        let mut seen: HashSet<Ipv4Addr> = HashSet::new();
        let mut answered: HashSet<Ipv4Addr> = HashSet::new();
        while !stop.load(Ordering::Relaxed) {
            if let Ok(text) = std::fs::read_to_string("/proc/net/arp") {
                for e in parse_proc_arp(&text) {
                    if !wanted.contains(&e.ip) {
                        continue;
                    }
                    // an entry still being resolved: the address is on a directly attached
                    // network and has not answered ARP (a complete one may be stale)
                    if !e.complete && seen.insert(e.ip) {
                        send_ev(&tx, Event::OnLink(IpAddr::V4(e.ip)));
                    }
                    if e.complete && !known.contains(&e.ip) && answered.insert(e.ip) {
                        send_ev(
                            &tx,
                            Event::Up {
                                ip: IpAddr::V4(e.ip),
                                reason: "arp-response",
                                detail: format!(
                                    "ARP reply: {} is at {} ({})",
                                    e.ip, e.mac, e.device
                                ),
                                rtt: None,
                                tcp: false,
                                mac: Some(e.mac.clone()),
                            },
                        );
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }))
}

/// TCP `connect()` probes: a SYN-ACK (connected) or a RST (refused) proves the address up.
async fn connect_prober(
    dialer: Arc<Dialer>,
    targets: Vec<IpAddr>,
    ports: Vec<u16>,
    timeout: Duration,
    tx: UnboundedSender<Event>,
    decided: Arc<Mutex<HashSet<IpAddr>>>,
) {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    const IN_FLIGHT: usize = 512;
    let mut inflight = FuturesUnordered::new();
    let is_up = |ip: &IpAddr| decided.lock().map(|s| s.contains(ip)).unwrap_or(false);
    let attempt = |ip: IpAddr, port: u16| {
        let d = dialer.clone();
        let tx = tx.clone();
        async move {
            // pacing happens inside probe_connect: the departure is measured after it
            let r = d.probe_connect_timed(SocketAddr::new(ip, port), timeout, |at| {
                send_ev(&tx, Event::Sent(ip, at));
            });
            let ev = match r.await {
                Ok((s, rtt)) => {
                    crate::discovery::close_open(&s);
                    Some(("syn-ack", format!("TCP connect to {port} succeeded"), rtt))
                }
                Err((DialError::Io(e), rtt))
                    if e.kind() == std::io::ErrorKind::ConnectionRefused =>
                {
                    Some((
                        "conn-refused",
                        format!("RST from {port}/tcp (connection refused)"),
                        rtt,
                    ))
                }
                Err((DialError::Io(e), _))
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EHOSTUNREACH) | Some(libc::ENETUNREACH)
                    ) =>
                {
                    send_ev(
                        &tx,
                        Event::Unreachable {
                            ip,
                            detail: format!("connect to {port}: {e}"),
                        },
                    );
                    None
                }
                Err(_) => None,
            };
            if let Some((reason, detail, rtt)) = ev {
                let mut e = up(ip, reason, detail, true);
                if let Event::Up { rtt: r, .. } = &mut e {
                    r.replace(rtt);
                }
                send_ev(&tx, e);
            }
        }
    };
    // address-major: every port of one address leaves before the next address
    for ip in targets {
        for port in &ports {
            while inflight.len() >= IN_FLIGHT {
                let _ = inflight.next().await;
            }
            if is_up(&ip) {
                break;
            }
            inflight.push(attempt(ip, *port));
        }
    }
    send_ev(&tx, Event::DoneSending);
    while inflight.next().await.is_some() {}
}

fn describe(mode: ProbeMode, ports: &[u16], icmp: IcmpKind, arp: bool) -> String {
    let list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut parts = vec![match mode {
        ProbeMode::Raw => format!("TCP SYN to {list} and TCP ACK to 80"),
        ProbeMode::Connect => format!("TCP connect to {list}"),
    }];
    match icmp {
        IcmpKind::Raw => parts.push("ICMP echo and timestamp requests".into()),
        IcmpKind::PingSocket => parts.push("ICMP echo requests".into()),
        IcmpKind::None => {}
    }
    if arp {
        parts.push("the kernel's ARP requests".into());
    }
    parts.join(", ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IcmpKind {
    Raw,
    PingSocket,
    None,
}

/// Decides which of `targets` are up. Verdicts are sent on `out` as soon as they are known
/// (an answer decides at once; a silent address waits), so that the caller can scan the
/// ports of the first live addresses while the others are still waited for.
pub async fn run(
    dialer: Arc<Dialer>,
    targets: Vec<IpAddr>,
    opts: LivenessOptions,
    mode: ProbeMode,
    out: UnboundedSender<HostStatus>,
) -> LivenessReport {
    let started = Instant::now();
    let (tx, mut rx): (UnboundedSender<Event>, UnboundedReceiver<Event>) = unbounded_channel();
    let stop: Stop = Arc::new(AtomicBool::new(false));
    let v4: Vec<Ipv4Addr> = targets
        .iter()
        .filter_map(|t| match t {
            IpAddr::V4(a) => Some(*a),
            IpAddr::V6(_) => None,
        })
        .collect();
    let mut threads = vec![];
    let mut tasks = tokio::task::JoinSet::new();
    let mut senders = 0usize;
    let mut icmp_kind = IcmpKind::None;
    let mut raw_tcp = false;
    let up: Arc<Mutex<HashSet<IpAddr>>> = Arc::new(Mutex::new(HashSet::new()));
    if mode == ProbeMode::Raw && !v4.is_empty() {
        if let Ok(h) = raw_prober(
            dialer.clone(),
            v4.clone(),
            opts.tcp_ports.clone(),
            opts.icmp,
            tx.clone(),
            stop.clone(),
        ) {
            raw_tcp = true;
            senders += 1;
            if opts.icmp {
                icmp_kind = IcmpKind::Raw;
            }
            threads.extend(h);
        }
    }
    // connect probes: every target in connect mode, the IPv6 ones (and all when raw sockets
    // failed) in SYN mode
    let connect_targets: Vec<IpAddr> = if raw_tcp {
        targets.iter().filter(|t| t.is_ipv6()).copied().collect()
    } else {
        targets.clone()
    };
    if !connect_targets.is_empty() && !opts.tcp_ports.is_empty() {
        senders += 1;
        tasks.spawn(connect_prober(
            dialer.clone(),
            connect_targets,
            opts.tcp_ports.clone(),
            opts.timeout,
            tx.clone(),
            up.clone(),
        ));
    }
    if opts.icmp && icmp_kind == IcmpKind::None && !v4.is_empty() {
        // root in connect mode: raw ICMP with no TCP probes of its own
        if let Ok(h) = raw_prober(
            dialer.clone(),
            v4.clone(),
            vec![],
            true,
            tx.clone(),
            stop.clone(),
        ) {
            senders += 1;
            icmp_kind = IcmpKind::Raw;
            threads.extend(h);
        } else if let Some(h) =
            ping_socket_prober(dialer.clone(), v4.clone(), tx.clone(), stop.clone())
        {
            senders += 1;
            icmp_kind = IcmpKind::PingSocket;
            threads.extend(h);
        }
    }
    let arp = opts.arp
        && !v4.is_empty()
        && match arp_watcher(v4.clone(), tx.clone(), stop.clone()) {
            Some(h) => {
                threads.push(h);
                true
            }
            None => false,
        };
    drop(tx);
    let probes = describe(
        if raw_tcp {
            ProbeMode::Raw
        } else {
            ProbeMode::Connect
        },
        &opts.tcp_ports,
        icmp_kind,
        arp,
    );
    let mut v = Verdicts::new(&targets, &opts, senders, probes);
    if senders == 0 {
        // nothing could probe: say so rather than judge everything down
        for t in &targets {
            let mut s = HostStatus::user_set(*t);
            s.reason = "no-probe".into();
            s.detail = "no liveness probe could be sent: scanned as if up".into();
            let _ = out.send(s);
        }
        v.undecided = 0;
    }
    while !v.done() {
        let now = Instant::now();
        let deadline = v.next_deadline(now);
        tokio::select! {
            ev = rx.recv() => {
                match ev {
                    Some(ev) => {
                        if let Some(s) = v.event(ev, Instant::now()) {
                            if let Ok(mut u) = up.lock() {
                                u.insert(s.ip);
                            }
                            let _ = out.send(s);
                        }
                    }
                    None => {
                        // every prober ended: whatever is left waits its time out
                        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
                    }
                }
            }
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {}
        }
        for s in v.expire(Instant::now()) {
            let _ = out.send(s);
        }
    }
    stop.store(true, Ordering::Relaxed);
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    let _ = tokio::task::spawn_blocking(move || {
        for h in threads {
            let _ = h.join();
        }
    })
    .await;
    let mut report = v.report;
    report.elapsed = started.elapsed();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn verdicts_up_at_once_down_after_the_wait() {
        let opts = LivenessOptions::default();
        let t0 = Instant::now();
        let targets = [ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")];
        let mut v = Verdicts::new(&targets, &opts, 1, "TCP connect to 443".into());
        for t in targets {
            assert!(v.event(Event::Sent(t, t0), t0).is_none());
        }
        v.event(Event::OnLink(ip("10.0.0.2")), t0);
        v.event(
            Event::Unreachable {
                ip: ip("10.0.0.2"),
                detail: "connect to 443: No route to host".into(),
            },
            t0,
        );
        v.event(
            Event::Unreachable {
                ip: ip("10.0.0.3"),
                detail: "ICMP destination unreachable (code 1) from 10.0.0.254".into(),
            },
            t0,
        );
        let up = v
            .event(
                Event::Up {
                    ip: ip("10.0.0.1"),
                    reason: "conn-refused",
                    detail: "RST from 443/tcp".into(),
                    rtt: None,
                    tcp: true,
                    mac: None,
                },
                t0 + Duration::from_millis(2),
            )
            .unwrap();
        assert_eq!(
            (up.state, up.reason.as_str(), up.rtt_us),
            (HostState::Up, "conn-refused", Some(2000))
        );
        assert!(v.report.answered_tcp.contains(&ip("10.0.0.1")));
        // a second answer decides nothing more
        assert!(v
            .event(
                Event::Up {
                    ip: ip("10.0.0.1"),
                    reason: "echo-reply",
                    detail: String::new(),
                    rtt: None,
                    tcp: false,
                    mac: None
                },
                t0
            )
            .is_none());
        // a 2 ms answer shortens the wait to its floor
        assert_eq!(v.wait(), opts.min_timeout);
        assert!(v.expire(t0 + Duration::from_millis(100)).is_empty());
        let down = v.expire(t0 + opts.min_timeout);
        assert_eq!(down.len(), 2);
        assert!(v.done());
        assert_eq!(down[0].reason, "no-response");
        assert!(
            down[0].detail.contains("no ARP reply within 300 ms")
                && down[0]
                    .detail
                    .contains("(the kernel: connect to 443: No route to host)"),
            "{}",
            down[0].detail
        );
        assert_eq!(down[1].reason, "host-unreach");
        assert!(down[1].detail.contains("10.0.0.254"));
    }

    #[test]
    fn one_late_answer_does_not_stretch_the_wait() {
        let opts = LivenessOptions::default();
        let t0 = Instant::now();
        let targets: Vec<IpAddr> = (1..=20).map(|i| ip(&format!("10.0.0.{i}"))).collect();
        let mut v = Verdicts::new(&targets, &opts, 1, String::new());
        for (i, t) in targets.iter().enumerate() {
            let rtt = if i == 0 { 400 } else { 1 };
            let ev = Event::Up {
                ip: *t,
                reason: "reset",
                detail: String::new(),
                rtt: Some(Duration::from_millis(rtt)),
                tcp: true,
                mac: None,
            };
            v.event(ev, t0);
        }
        assert_eq!(v.wait(), opts.min_timeout);
    }

    #[test]
    fn an_address_not_yet_probed_is_not_judged() {
        let opts = LivenessOptions::default();
        let t0 = Instant::now();
        let mut v = Verdicts::new(&[ip("10.0.0.9")], &opts, 1, String::new());
        assert!(
            v.expire(t0 + Duration::from_secs(30)).is_empty(),
            "paced: not sent yet"
        );
        v.event(Event::DoneSending, t0);
        let t1 = t0 + Duration::from_secs(31);
        assert!(v.expire(t1).is_empty(), "its wait starts now");
        assert_eq!(v.expire(t1 + opts.timeout).len(), 1);
    }

    #[test]
    fn icmp_packets() {
        let echo = icmp_request(8, 0x1234, 7, 0);
        assert_eq!(
            crate::syn::checksum(&echo, 0),
            0,
            "a valid checksum folds to zero"
        );
        let ts = icmp_request(13, 1, 2, 3);
        assert_eq!((ts.len(), crate::syn::checksum(&ts, 0)), (20, 0));
        // echo reply from 10.0.0.2
        let ipv4 = |proto: u8, src: [u8; 4], dst: [u8; 4]| {
            let mut h = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0];
            h.extend_from_slice(&src);
            h.extend_from_slice(&dst);
            h
        };
        let mut p = ipv4(1, [10, 0, 0, 2], [10, 0, 0, 1]);
        p.extend_from_slice(&[0, 0, 0, 0, 0x12, 0x34, 0, 7]);
        assert_eq!(
            parse_icmp(&p),
            Some(IcmpReply::Reply {
                from: Ipv4Addr::new(10, 0, 0, 2),
                kind: 0,
                id: 0x1234
            })
        );
        // host unreachable from a router about our TCP probe from port 40001 to 10.0.0.9
        let mut u = ipv4(1, [10, 0, 0, 254], [10, 0, 0, 1]);
        u.extend_from_slice(&[3, 1, 0, 0, 0, 0, 0, 0]);
        u.extend(ipv4(6, [10, 0, 0, 1], [10, 0, 0, 9]));
        u.extend_from_slice(&[0x9c, 0x41, 1, 187, 0, 0, 0, 0]);
        assert_eq!(
            parse_icmp(&u),
            Some(IcmpReply::Unreachable {
                from: Ipv4Addr::new(10, 0, 0, 254),
                to: Ipv4Addr::new(10, 0, 0, 9),
                code: 1,
                protocol: 6,
                tag: 40001
            })
        );
        for n in 0..u.len() {
            let _ = parse_icmp(&u[..n]);
        }
    }

    #[test]
    fn proc_net_arp() {
        let t = "IP address       HW type     Flags       HW address            Mask     Device\n\
10.213.40.11     0x1         0x2         3a:1f:00:aa:bb:cc     *        eth0\n\
10.213.40.17     0x1         0x0         00:00:00:00:00:00     *        eth0\n\
garbage\n";
        let e = parse_proc_arp(t);
        assert_eq!(e.len(), 2);
        assert!(e[0].complete && !e[1].complete);
        assert_eq!(
            (e[0].mac.as_str(), e[0].device.as_str()),
            ("3a:1f:00:aa:bb:cc", "eth0")
        );
    }

    /// Loopback addresses always answer: every one is judged up, by a RST or an open port,
    /// through connect probes (the path of an unprivileged process).
    #[tokio::test]
    async fn loopback_targets_are_up_by_connect() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = l.local_addr().unwrap().port();
        let scope =
            Arc::new(crate::scope::Scope::from_networks(["127.0.0.1", "127.0.0.2"]).unwrap());
        let d = Arc::new(Dialer::new(
            scope,
            crate::net::RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
        ));
        let (tx, mut rx) = unbounded_channel();
        let opts = LivenessOptions {
            tcp_ports: vec![open],
            icmp: false,
            arp: false,
            ..Default::default()
        };
        let report = run(
            d.clone(),
            vec![ip("127.0.0.1"), ip("127.0.0.2"), ip("127.0.0.3")],
            opts,
            ProbeMode::Connect,
            tx,
        )
        .await;
        let mut got = vec![];
        while let Ok(s) = rx.try_recv() {
            got.push(s);
        }
        got.sort_by_key(|s| s.ip);
        // 127.0.0.3 is out of scope: never probed, judged down without any packet
        assert_eq!(got.len(), 3);
        assert_eq!(
            (got[0].state, got[0].reason.as_str()),
            (HostState::Up, "syn-ack")
        );
        assert_eq!(
            (got[1].state, got[1].reason.as_str()),
            (HostState::Up, "conn-refused")
        );
        assert_eq!(got[2].state, HostState::Down);
        assert!(report.answered_tcp.contains(&ip("127.0.0.2")));
        assert!(report.probes.contains(&format!("TCP connect to {open}")));
        assert_eq!(d.refused.load(Ordering::Relaxed), 1);
    }
}
