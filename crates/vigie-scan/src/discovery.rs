//! Port discovery by asynchronous TCP connect, with adaptive concurrency
//! (additive increase while answers come back, multiplicative decrease on
//! timeouts) and a per-target adaptive timeout derived from measured RTTs.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::net::{Attempt, DialError, Dialer, Spare};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum PortState {
    Open,
    Closed,
    Filtered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortResult {
    pub ip: IpAddr,
    pub port: u16,
    pub state: PortState,
    /// Round trip of the answer (SYN-ACK or RST), in microseconds.
    pub rtt_us: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiscoveryOptions {
    /// Upper bound of simultaneous connection attempts.
    pub max_concurrency: usize,
    /// Starting concurrency (grows while answers come back).
    pub initial_concurrency: usize,
    /// Initial and maximum connect timeout.
    pub max_timeout: Duration,
    /// Lower bound of the adaptive timeout.
    pub min_timeout: Duration,
    /// Extra attempts for ports that timed out.
    pub retries: u8,
    /// An address that has answered nothing (no SYN-ACK, no RST, to liveness probes nor to
    /// the port scan) is given up after this many unanswered attempts, and at most this many
    /// are in flight to it until it answers; its other ports are not tried and the result
    /// says so. 0 = never give up.
    #[serde(default = "default_give_up_after")]
    pub give_up_after: u32,
}

fn default_give_up_after() -> u32 {
    32
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            max_concurrency: 1024,
            initial_concurrency: 128,
            max_timeout: Duration::from_millis(1500),
            min_timeout: Duration::from_millis(150),
            retries: 1,
            give_up_after: default_give_up_after(),
        }
    }
}

/// What the port scan knows of its targets before it starts (from liveness).
#[derive(Debug, Clone, Default)]
pub struct HostHints {
    /// Addresses that answered a TCP probe: never given up.
    pub answered_tcp: HashSet<IpAddr>,
    /// Round trips measured, to start each address's adaptive timeout from.
    pub rtt: HashMap<IpAddr, Duration>,
}

/// The outcome of a port discovery.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    pub results: Vec<PortResult>,
    /// Targets refused by the scope (never contacted), with the reason.
    pub refused: Vec<(IpAddr, String)>,
    /// Addresses given up early, with what was and was not tried.
    pub given_up: Vec<(IpAddr, GivenUp)>,
}

#[derive(Debug, Default)]
struct RttStats {
    srtt_us: f64,
    rttvar_us: f64,
    samples: u64,
}

impl RttStats {
    fn update(&mut self, us: f64) {
        if self.samples == 0 {
            self.srtt_us = us;
            self.rttvar_us = us / 2.0;
        } else {
            self.rttvar_us = 0.75 * self.rttvar_us + 0.25 * (self.srtt_us - us).abs();
            self.srtt_us = 0.875 * self.srtt_us + 0.125 * us;
        }
        self.samples += 1;
    }
}

struct Adaptive {
    /// Current concurrency limit, shared by all producers.
    limit: AtomicUsize,
    min: usize,
    max: usize,
    rtt: Mutex<HashMap<IpAddr, RttStats>>,
    opts: DiscoveryOptions,
}

impl Adaptive {
    fn timeout_for(&self, ip: IpAddr) -> Duration {
        let Ok(m) = self.rtt.lock() else {
            return self.opts.max_timeout;
        };
        match m.get(&ip) {
            Some(s) if s.samples >= 3 => {
                let t = Duration::from_micros((s.srtt_us + 4.0 * s.rttvar_us) as u64 * 10);
                t.clamp(self.opts.min_timeout, self.opts.max_timeout)
            }
            _ => self.opts.max_timeout,
        }
    }

    /// Starts an address's estimate from a round trip liveness measured.
    fn seed(&self, ip: IpAddr, rtt: Duration) {
        if let Ok(mut m) = self.rtt.lock() {
            let s = m.entry(ip).or_default();
            for _ in 0..3 {
                s.update(rtt.as_micros() as f64);
            }
        }
    }

    fn answered(&self, ip: IpAddr, rtt: Duration) {
        if let Ok(mut m) = self.rtt.lock() {
            let s = m.entry(ip).or_default();
            // RTT samples: enough of them, then one in 16 (the estimate is stable)
            if s.samples < 64 || s.samples % 16 == 0 {
                s.update(rtt.as_micros() as f64);
            } else {
                s.samples += 1;
            }
        }
        // additive increase
        let _ = self
            .limit
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                (l < self.max).then_some(l + 1)
            });
    }

    fn timed_out(&self) {
        // multiplicative decrease
        let _ = self
            .limit
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
                Some((l * 7 / 8).max(self.min))
            });
    }
}

/// Per address: whether it answered, how many attempts it left unanswered, given up or not.
struct HostTrack {
    ip: IpAddr,
    answered: AtomicBool,
    silent: AtomicU32,
    /// Attempts waiting for an answer.
    inflight: AtomicU32,
    given_up: AtomicBool,
    /// Ports of the first round never tried because the address was given up.
    not_probed: AtomicUsize,
}

struct Hosts {
    list: Vec<HostTrack>,
    give_up_after: u32,
}

/// What to do with the next attempt to an address.
enum Launch {
    Go,
    /// At its cap of unanswered attempts in flight: later.
    Wait,
    /// Given up.
    Skip,
}

impl Hosts {
    fn new(targets: &[IpAddr], hints: &HostHints, give_up_after: u32) -> Self {
        Self {
            list: targets
                .iter()
                .map(|ip| HostTrack {
                    ip: *ip,
                    answered: AtomicBool::new(hints.answered_tcp.contains(ip)),
                    silent: AtomicU32::new(0),
                    inflight: AtomicU32::new(0),
                    given_up: AtomicBool::new(false),
                    not_probed: AtomicUsize::new(0),
                })
                .collect(),
            give_up_after,
        }
    }

    fn launch(&self, h: usize) -> Launch {
        let Some(t) = self.list.get(h) else {
            return Launch::Skip;
        };
        if t.given_up.load(Ordering::Relaxed) {
            return Launch::Skip;
        }
        // until it answers, an address gets `give_up_after` attempts in all: as many as may
        // go unanswered before it is given up, and no more in flight after the last
        if self.give_up_after == 0
            || t.answered.load(Ordering::Relaxed)
            || t.inflight.load(Ordering::Relaxed) + t.silent.load(Ordering::Relaxed)
                < self.give_up_after
        {
            Launch::Go
        } else {
            Launch::Wait
        }
    }

    /// Records an attempt's outcome: an answer, or silence (timeout, unreachable).
    fn outcome(&self, h: usize, answered: bool) {
        let Some(t) = self.list.get(h) else { return };
        if answered {
            if !t.answered.load(Ordering::Relaxed) {
                t.answered.store(true, Ordering::Relaxed);
            }
        } else if self.give_up_after > 0
            && !t.answered.load(Ordering::Relaxed)
            && t.silent.fetch_add(1, Ordering::Relaxed) + 1 >= self.give_up_after
        {
            t.given_up.store(true, Ordering::Relaxed);
        }
    }

    fn skipped(&self, h: usize, n: usize) {
        if let Some(t) = self.list.get(h) {
            t.not_probed.fetch_add(n, Ordering::Relaxed);
        }
    }

    fn given_up(&self, h: usize) -> bool {
        self.list
            .get(h)
            .is_some_and(|t| t.given_up.load(Ordering::Relaxed))
    }

    fn report(&self) -> Vec<(IpAddr, GivenUp)> {
        self.list
            .iter()
            .filter(|t| t.given_up.load(Ordering::Relaxed) && !t.answered.load(Ordering::Relaxed))
            .map(|t| {
                let n = t.silent.load(Ordering::Relaxed);
                let left = t.not_probed.load(Ordering::Relaxed);
                (
                    t.ip,
                    GivenUp {
                        silent_attempts: n,
                        ports_not_probed: left,
                        detail: format!(
                            "no answer (SYN-ACK or RST) to its first {n} connection attempts: its other {left} ports were not tried (--give-up-after 0 tries them all)"
                        ),
                    },
                )
            })
            .collect()
    }
}

/// (host index, port, state, round trip)
type Outcome = (u32, u16, PortState, Option<Duration>);

/// Where an attempt starts: from nothing (paced, through the event loop), or from a connect that
/// [`Dialer::try_connect`] left pending at `since`.
enum Start {
    Fresh,
    Pending(socket2::Socket, Instant),
}

async fn probe_one(
    d: Arc<Dialer>,
    ad: Arc<Adaptive>,
    h: u32,
    ip: IpAddr,
    port: u16,
    round: u8,
    start: Start,
) -> Outcome {
    let timeout = if round > 0 {
        ad.opts.max_timeout
    } else {
        ad.timeout_for(ip)
    };
    let (r, since) = match start {
        Start::Fresh => {
            let since = Instant::now();
            (
                d.probe_connect(SocketAddr::new(ip, port), timeout).await,
                since,
            )
        }
        Start::Pending(sock, since) => (Dialer::finish_connect(sock, timeout).await, since),
    };
    classify(&ad, h, ip, port, r.map(close_open), since.elapsed(), true)
}

/// Closes an open port's connection with a RST: no lingering FIN exchange with the service.
pub(crate) fn close_open<S: std::os::fd::AsFd>(s: S) {
    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
}

/// The outcome of an attempt. `record`: whether its answer feeds the RTT estimate and the
/// concurrency limit (answers that came at once only do one time in [`SYNC_SAMPLE`]: they say
/// nothing the first ones did not, and the shared statistics cost a lock each).
fn classify(
    ad: &Adaptive,
    h: u32,
    ip: IpAddr,
    port: u16,
    r: Result<(), DialError>,
    rtt: Duration,
    record: bool,
) -> Outcome {
    match r {
        Ok(()) => {
            if record {
                ad.answered(ip, rtt);
            }
            (h, port, PortState::Open, Some(rtt))
        }
        Err(DialError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            if record {
                ad.answered(ip, rtt);
            }
            (h, port, PortState::Closed, Some(rtt))
        }
        Err(DialError::Timeout) => {
            ad.timed_out();
            (h, port, PortState::Filtered, None)
        }
        // unreachable host/net, reset...: no answer worth retrying
        Err(_) => (h, port, PortState::Filtered, Some(rtt)),
    }
}

/// Attempts answered without the event loop between two yields to the runtime.
const SYNC_BURST: usize = 256;
/// One answer in this many, among those that came at once, feeds the shared statistics.
const SYNC_SAMPLE: usize = 16;

/// The next attempt of a producer: its deferred attempts to addresses that may now be tried
/// first, then its share of the work.
struct Queue {
    it: std::vec::IntoIter<(u32, u16)>,
    exhausted: bool,
    /// Attempts to addresses at their cap of unanswered attempts, per address.
    deferred: HashMap<u32, VecDeque<u16>>,
}

impl Queue {
    fn next(&mut self, hosts: &Hosts, round: u8) -> Option<(u32, u16)> {
        if !self.deferred.is_empty() {
            let mut pick = None;
            self.deferred
                .retain(|h, q| match hosts.launch(*h as usize) {
                    Launch::Skip => {
                        if round == 0 {
                            hosts.skipped(*h as usize, q.len());
                        }
                        false
                    }
                    Launch::Wait => true,
                    Launch::Go => {
                        if pick.is_none() {
                            pick = q.pop_front().map(|p| (*h, p));
                        }
                        !q.is_empty()
                    }
                });
            if pick.is_some() {
                return pick;
            }
        }
        while !self.exhausted {
            let Some((h, p)) = self.it.next() else {
                self.exhausted = true;
                break;
            };
            match hosts.launch(h as usize) {
                Launch::Go => return Some((h, p)),
                Launch::Wait => self.deferred.entry(h).or_default().push_back(p),
                Launch::Skip => {
                    if round == 0 {
                        hosts.skipped(h as usize, 1);
                    }
                }
            }
        }
        None
    }

    fn finished(&self) -> bool {
        self.exhausted && self.deferred.is_empty()
    }
}

/// One producer: drives its share of the attempts, keeping at most
/// `limit / shards` of them in flight, without a task per attempt.
///
/// Without rate limits, each attempt is first tried synchronously on a reused socket
/// ([`Dialer::try_connect`]): a port that answers at once (a near network's RST or SYN-ACK) costs
/// two system calls and never reaches the event loop; only the attempts still waiting for an
/// answer go in flight.
async fn producer(
    d: Arc<Dialer>,
    ad: Arc<Adaptive>,
    hosts: Arc<Hosts>,
    work: Vec<(u32, u16)>,
    round: u8,
    shards: usize,
) -> Vec<Outcome> {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut out = Vec::with_capacity(work.len());
    let mut inflight = FuturesUnordered::new();
    let mut q = Queue {
        it: work.into_iter(),
        exhausted: false,
        deferred: HashMap::new(),
    };
    let fast = d.unpaced();
    let mut spare = Spare::default();
    let mut burst = 0usize;
    let track = |o: &Outcome| {
        if let Some(t) = hosts.list.get(o.0 as usize) {
            t.inflight.fetch_sub(1, Ordering::Relaxed);
        }
        hosts.outcome(o.0 as usize, o.2 != PortState::Filtered);
    };
    loop {
        let cap = (ad.limit.load(Ordering::Relaxed) / shards).max(1);
        while inflight.len() < cap {
            let Some((h, port)) = q.next(&hosts, round) else {
                break;
            };
            let Some(ip) = hosts.list.get(h as usize).map(|t| t.ip) else {
                continue;
            };
            if !fast {
                hosts.list[h as usize]
                    .inflight
                    .fetch_add(1, Ordering::Relaxed);
                inflight.push(probe_one(
                    d.clone(),
                    ad.clone(),
                    h,
                    ip,
                    port,
                    round,
                    Start::Fresh,
                ));
                continue;
            }
            let since = Instant::now();
            let r = match d.try_connect(&mut spare, SocketAddr::new(ip, port)) {
                Ok(Attempt::Pending(sock)) => {
                    hosts.list[h as usize]
                        .inflight
                        .fetch_add(1, Ordering::Relaxed);
                    inflight.push(probe_one(
                        d.clone(),
                        ad.clone(),
                        h,
                        ip,
                        port,
                        round,
                        Start::Pending(sock, since),
                    ));
                    continue;
                }
                Ok(Attempt::Refused) => Err(DialError::Io(std::io::Error::from(
                    std::io::ErrorKind::ConnectionRefused,
                ))),
                Ok(Attempt::Open(sock)) => {
                    close_open(sock);
                    Ok(())
                }
                Err(e) => Err(e),
            };
            let o = classify(
                &ad,
                h,
                ip,
                port,
                r,
                since.elapsed(),
                burst % SYNC_SAMPLE == 0,
            );
            hosts.outcome(h as usize, o.2 != PortState::Filtered);
            out.push(o);
            burst += 1;
            if burst >= SYNC_BURST {
                burst = 0;
                // Answers that came at once never await: let the runtime run other tasks.
                tokio::task::yield_now().await;
            }
        }
        match inflight.next().await {
            Some(o) => {
                track(&o);
                out.push(o);
            }
            None if q.finished() => break,
            // only attempts to addresses at their cap are left, and none is in flight here:
            // another producer holds them; look again shortly
            None => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    out
}

/// Connect-scans `ports` on `targets`. Targets out of scope are refused
/// (reported in the error list, never contacted).
pub async fn connect_scan(
    dialer: Arc<Dialer>,
    targets: &[IpAddr],
    ports: &[u16],
    opts: &DiscoveryOptions,
) -> (Vec<PortResult>, Vec<(IpAddr, String)>) {
    let d = connect_scan_with(dialer, targets, ports, opts, &HostHints::default()).await;
    (d.results, d.refused)
}

/// [`connect_scan`], knowing what liveness learnt (round trips, addresses that answered TCP),
/// and saying which addresses it gave up early.
pub async fn connect_scan_with(
    dialer: Arc<Dialer>,
    targets: &[IpAddr],
    ports: &[u16],
    opts: &DiscoveryOptions,
    hints: &HostHints,
) -> Discovery {
    let mut refused = vec![];
    let mut ok_targets = vec![];
    for t in targets {
        match dialer.authorize(*t) {
            Ok(()) => ok_targets.push(*t),
            Err(e) => refused.push((*t, e.to_string())),
        }
    }
    let init = opts
        .initial_concurrency
        .clamp(1, opts.max_concurrency.max(1));
    let ad = Arc::new(Adaptive {
        limit: AtomicUsize::new(init),
        min: 16.min(init),
        max: opts.max_concurrency.max(1),
        rtt: Mutex::new(HashMap::new()),
        opts: opts.clone(),
    });
    for t in &ok_targets {
        if let Some(r) = hints.rtt.get(t) {
            ad.seed(*t, *r);
        }
    }
    let hosts = Arc::new(Hosts::new(&ok_targets, hints, opts.give_up_after));
    // one producer per core: the kernel work of connect() spreads over the cores
    let shards = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 16);
    let mut results = Vec::new();
    // port-major order, most common ports first: consecutive attempts go to different
    // targets, and an address that will be given up is tried on its likeliest ports
    let ports = crate::ports::probe_order(ports);
    let n_targets = ok_targets.len() as u32;
    let mut pending: Vec<(u32, u16)> = ports
        .iter()
        .flat_map(|p| (0..n_targets).map(move |h| (h, *p)))
        .collect();
    for round in 0..=opts.retries {
        let mut set = tokio::task::JoinSet::new();
        let n = pending.len();
        for shard in 0..shards {
            let work: Vec<(u32, u16)> = pending
                .iter()
                .skip(shard)
                .step_by(shards)
                .copied()
                .collect();
            if work.is_empty() && n > 0 {
                continue;
            }
            set.spawn(producer(
                dialer.clone(),
                ad.clone(),
                hosts.clone(),
                work,
                round,
                shards,
            ));
        }
        pending.clear();
        let mut timed_out = vec![];
        while let Some(r) = set.join_next().await {
            let Ok(outcomes) = r else { continue };
            for (h, port, state, rtt) in outcomes {
                let ip = hosts.list[h as usize].ip;
                if state == PortState::Filtered && rtt.is_none() && !hosts.given_up(h as usize) {
                    timed_out.push((h, port));
                } else {
                    results.push(PortResult {
                        ip,
                        port,
                        state,
                        rtt_us: rtt.map(|d| d.as_micros() as u64),
                    });
                }
            }
        }
        if timed_out.is_empty() {
            break;
        }
        if round == opts.retries {
            for (h, port) in timed_out {
                results.push(PortResult {
                    ip: hosts.list[h as usize].ip,
                    port,
                    state: PortState::Filtered,
                    rtt_us: None,
                });
            }
        } else {
            pending = timed_out;
        }
    }
    results.sort_by_key(|r| (r.ip, r.port));
    Discovery {
        results,
        refused,
        given_up: hosts.report(),
    }
}

/// A port scan stopped early for an address that answered nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenUp {
    /// Attempts that got no answer before the scan gave up on the address.
    pub silent_attempts: u32,
    /// Ports of the request never tried on it.
    pub ports_not_probed: usize,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::RateLimits;
    use crate::scope::Scope;

    /// An address that answered nothing is given up after `give_up_after` silent attempts,
    /// with at most that many in flight; one that answered once never is.
    #[test]
    fn silent_addresses_are_given_up() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        let hints = HostHints {
            answered_tcp: [c].into_iter().collect(),
            ..Default::default()
        };
        let hosts = Hosts::new(&[a, b, c], &hints, 3);
        for h in 0..2 {
            hosts.list[h].inflight.store(3, Ordering::Relaxed);
        }
        hosts.list[2].inflight.store(3, Ordering::Relaxed);
        assert!(matches!(hosts.launch(0), Launch::Wait), "at its cap");
        assert!(
            matches!(hosts.launch(2), Launch::Go),
            "answered TCP in liveness"
        );
        hosts.outcome(1, true);
        assert!(matches!(hosts.launch(1), Launch::Go), "answered: no cap");
        // one attempt came back unanswered: its place is not taken by another
        hosts.list[0].inflight.store(2, Ordering::Relaxed);
        hosts.outcome(0, false);
        assert!(
            matches!(hosts.launch(0), Launch::Wait),
            "2 in flight + 1 silent"
        );
        for _ in 0..2 {
            hosts.outcome(0, false);
        }
        for _ in 0..3 {
            hosts.outcome(1, false);
        }
        assert!(matches!(hosts.launch(0), Launch::Skip));
        assert!(!hosts.given_up(1));
        hosts.skipped(0, 40);
        let r = hosts.report();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].0, r[0].1.silent_attempts, r[0].1.ports_not_probed),
            (a, 3, 40)
        );
        // 0 = never give up
        let never = Hosts::new(&[a], &HostHints::default(), 0);
        never.list[0].inflight.store(1000, Ordering::Relaxed);
        for _ in 0..100 {
            never.outcome(0, false);
        }
        assert!(matches!(never.launch(0), Launch::Go));
    }

    #[tokio::test]
    async fn finds_open_loopback_ports() {
        let l1 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let l2 = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let p1 = l1.local_addr().unwrap().port();
        let p2 = l2.local_addr().unwrap().port();
        let scope = Arc::new(Scope::from_networks(["127.0.0.1"]).unwrap());
        let d = Arc::new(Dialer::new(
            scope,
            RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
        ));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p3 = closed.local_addr().unwrap().port();
        drop(closed);
        let targets: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "127.0.0.9".parse().unwrap()];
        let (res, refused) =
            connect_scan(d, &targets, &[p1, p2, p3], &DiscoveryOptions::default()).await;
        let open: Vec<u16> = res
            .iter()
            .filter(|r| r.state == PortState::Open)
            .map(|r| r.port)
            .collect();
        let mut want = vec![p1, p2];
        want.sort();
        assert_eq!(open, want);
        assert_eq!(refused.len(), 1);
        assert!(res.iter().all(|r| r.ip.to_string() == "127.0.0.1"));
    }

    /// 300 free loopback ports with 3 listeners among them: the unpaced scan (one socket reused
    /// from refusal to refusal) and the paced one (a socket per attempt, through the event loop)
    /// find exactly the same open and closed ports.
    #[tokio::test]
    async fn reused_sockets_report_the_same_ports_as_fresh_ones() {
        let listeners: Vec<std::net::TcpListener> = (0..3)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let open: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        // Ports that were free a moment ago: closed, answered by a RST.
        let mut ports: Vec<u16> = (0..297)
            .map(|_| {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            })
            .filter(|p| !open.contains(p))
            .collect();
        ports.insert(10, open[0]);
        ports.insert(150, open[1]);
        ports.push(open[2]);
        // a port freed twice comes back twice: the scan tries each port once
        let mut once = std::collections::HashSet::new();
        ports.retain(|p| once.insert(*p));
        let scope = Arc::new(Scope::from_networks(["127.0.0.1"]).unwrap());
        let target: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap()];
        let mut seen = Vec::new();
        for limits in [
            RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
            RateLimits {
                global_per_sec: 100_000,
                per_target_per_sec: 100_000,
            },
        ] {
            let d = Arc::new(Dialer::new(scope.clone(), limits));
            assert_eq!(d.unpaced(), limits.global_per_sec == 0);
            let (res, refused) =
                connect_scan(d.clone(), &target, &ports, &DiscoveryOptions::default()).await;
            assert!(refused.is_empty());
            assert_eq!(res.len(), ports.len(), "{limits:?}: one result per port");
            let mut got_open: Vec<u16> = res
                .iter()
                .filter(|r| r.state == PortState::Open)
                .map(|r| r.port)
                .collect();
            got_open.sort_unstable();
            let mut want = open.clone();
            want.sort_unstable();
            assert_eq!(got_open, want, "{limits:?}");
            assert_eq!(
                res.iter().filter(|r| r.state == PortState::Closed).count(),
                ports.len() - 3,
                "{limits:?}: every other port closed, none filtered"
            );
            assert_eq!(d.attempts.load(Ordering::Relaxed), ports.len() as u64);
            seen.push(res);
        }
        let states = |r: &Vec<PortResult>| -> Vec<(IpAddr, u16, PortState)> {
            r.iter().map(|x| (x.ip, x.port, x.state)).collect()
        };
        assert_eq!(states(&seen[0]), states(&seen[1]));
    }
}
