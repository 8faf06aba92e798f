//! Port discovery by asynchronous TCP connect, with adaptive concurrency
//! (additive increase while answers come back, multiplicative decrease on
//! timeouts) and a per-target adaptive timeout derived from measured RTTs.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::net::{DialError, Dialer};

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

async fn probe_one(d: Arc<Dialer>, ad: Arc<Adaptive>, ip: IpAddr, port: u16, round: u8) -> Outcome {
    let timeout = if round > 0 {
        ad.opts.max_timeout
    } else {
        ad.timeout_for(ip)
    };
    let start = Instant::now();
    let r = d.probe_connect(SocketAddr::new(ip, port), timeout).await;
    let rtt = start.elapsed();
    match r {
        Ok(s) => {
            // close with RST: no lingering FIN exchange with the service
            let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
            drop(s);
            ad.answered(ip, rtt);
            (ip, port, PortState::Open, Some(rtt))
        }
        Err(DialError::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            ad.answered(ip, rtt);
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

/// One producer: drives its share of the attempts, keeping at most
/// `limit / shards` of them in flight, without a task per attempt.
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
    loop {
        let cap = (ad.limit.load(Ordering::Relaxed) / shards).max(1);
        while !exhausted && inflight.len() < cap {
            match it.next() {
                Some((ip, port)) => {
                    inflight.push(probe_one(d.clone(), ad.clone(), ip, port, round))
                }
                None => exhausted = true,
            }
        }
        match inflight.next().await {
            Some(o) => out.push(o),
            None => break,
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
}
