//! Port discovery by asynchronous TCP connect, with adaptive concurrency
//! (additive increase while answers come back, multiplicative decrease on
//! timeouts) and a per-target adaptive timeout derived from measured RTTs.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
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
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        Self {
            max_concurrency: 1024,
            initial_concurrency: 128,
            max_timeout: Duration::from_millis(1500),
            min_timeout: Duration::from_millis(150),
            retries: 1,
        }
    }
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

type Outcome = (IpAddr, u16, PortState, Option<Duration>);

/// Where an attempt starts: from nothing (paced, through the event loop), or from a connect that
/// [`Dialer::try_connect`] left pending at `since`.
enum Start {
    Fresh,
    Pending(socket2::Socket, Instant),
}

async fn probe_one(
    d: Arc<Dialer>,
    ad: Arc<Adaptive>,
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
    classify(&ad, ip, port, r.map(close_open), since.elapsed(), true)
}

/// Closes an open port's connection with a RST: no lingering FIN exchange with the service.
fn close_open<S: std::os::fd::AsFd>(s: S) {
    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
}

/// The outcome of an attempt. `record`: whether its answer feeds the RTT estimate and the
/// concurrency limit (answers that came at once only do one time in [`SYNC_SAMPLE`]: they say
/// nothing the first ones did not, and the shared statistics cost a lock each).
fn classify(
    ad: &Adaptive,
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
            (ip, port, PortState::Open, Some(rtt))
        }
        Err(DialError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            if record {
                ad.answered(ip, rtt);
            }
            (ip, port, PortState::Closed, Some(rtt))
        }
        Err(DialError::Timeout) => {
            ad.timed_out();
            (ip, port, PortState::Filtered, None)
        }
        // unreachable host/net, reset...: no answer worth retrying
        Err(_) => (ip, port, PortState::Filtered, Some(rtt)),
    }
}

/// Attempts answered without the event loop between two yields to the runtime.
const SYNC_BURST: usize = 256;
/// One answer in this many, among those that came at once, feeds the shared statistics.
const SYNC_SAMPLE: usize = 16;

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
    work: Vec<(IpAddr, u16)>,
    round: u8,
    shards: usize,
) -> Vec<Outcome> {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut out = Vec::with_capacity(work.len());
    let mut inflight = FuturesUnordered::new();
    let mut it = work.into_iter();
    let mut exhausted = false;
    let fast = d.unpaced();
    let mut spare = Spare::default();
    let mut burst = 0usize;
    loop {
        let cap = (ad.limit.load(Ordering::Relaxed) / shards).max(1);
        while !exhausted && inflight.len() < cap {
            let Some((ip, port)) = it.next() else {
                exhausted = true;
                break;
            };
            if !fast {
                inflight.push(probe_one(
                    d.clone(),
                    ad.clone(),
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
                    inflight.push(probe_one(
                        d.clone(),
                        ad.clone(),
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
            out.push(classify(
                &ad,
                ip,
                port,
                r,
                since.elapsed(),
                burst % SYNC_SAMPLE == 0,
            ));
            burst += 1;
            if burst >= SYNC_BURST {
                burst = 0;
                // Answers that came at once never await: let the runtime run other tasks.
                tokio::task::yield_now().await;
            }
        }
        match inflight.next().await {
            Some(o) => out.push(o),
            None if exhausted => break,
            None => {}
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
    // one producer per core: the kernel work of connect() spreads over the cores
    let shards = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 16);
    let mut results = Vec::new();
    // port-major order: consecutive attempts go to different targets
    let mut pending: Vec<(IpAddr, u16)> = ports
        .iter()
        .flat_map(|p| ok_targets.iter().map(move |t| (*t, *p)))
        .collect();
    for round in 0..=opts.retries {
        let mut set = tokio::task::JoinSet::new();
        let n = pending.len();
        for shard in 0..shards {
            let work: Vec<(IpAddr, u16)> = pending
                .iter()
                .skip(shard)
                .step_by(shards)
                .copied()
                .collect();
            if work.is_empty() && n > 0 {
                continue;
            }
            set.spawn(producer(dialer.clone(), ad.clone(), work, round, shards));
        }
        pending.clear();
        let mut timed_out = vec![];
        while let Some(r) = set.join_next().await {
            let Ok(outcomes) = r else { continue };
            for (ip, port, state, rtt) in outcomes {
                collect(&mut results, &mut timed_out, ip, port, state, rtt);
            }
        }
        if timed_out.is_empty() {
            break;
        }
        if round == opts.retries {
            for (ip, port) in timed_out {
                results.push(PortResult {
                    ip,
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
    (results, refused)
}

fn collect(
    results: &mut Vec<PortResult>,
    timed_out: &mut Vec<(IpAddr, u16)>,
    ip: IpAddr,
    port: u16,
    state: PortState,
    rtt: Option<Duration>,
) {
    if state == PortState::Filtered && rtt.is_none() {
        timed_out.push((ip, port));
    } else {
        results.push(PortResult {
            ip,
            port,
            state,
            rtt_us: rtt.map(|d| d.as_micros() as u64),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::RateLimits;
    use crate::scope::Scope;

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
