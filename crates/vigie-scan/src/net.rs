//! The only way the engine opens connections: a [`Dialer`] that checks the
//! [`Scope`] before every connect, and rate limiters.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::scope::{Scope, ScopeError};

/// A pacing limiter: at most `rate` events per second (0 = unlimited).
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn new(rate_per_sec: u32) -> Self {
        let interval = if rate_per_sec == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(1.0 / f64::from(rate_per_sec))
        };
        Self {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Reserves the next slot; returns how long to wait for it.
    fn reserve(&self) -> Duration {
        if self.interval.is_zero() {
            return Duration::ZERO;
        }
        let now = Instant::now();
        let Ok(mut next) = self.next.lock() else {
            return Duration::ZERO;
        };
        // allow a small burst of 50 ms worth of events
        let floor = now.checked_sub(Duration::from_millis(50)).unwrap_or(now);
        if *next < floor {
            *next = floor;
        }
        let slot = *next;
        *next += self.interval;
        slot.saturating_duration_since(now)
    }

    pub async fn wait(&self) {
        let d = self.reserve();
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }

    pub fn wait_blocking(&self) {
        let d = self.reserve();
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }
}

/// Rate limits: global and per target, in connection attempts (or packets) per second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateLimits {
    pub global_per_sec: u32,
    pub per_target_per_sec: u32,
}

impl Default for RateLimits {
    /// Polite default: 1,000 attempts/s overall, 200/s to any one address.
    fn default() -> Self {
        Self {
            global_per_sec: 1000,
            per_target_per_sec: 200,
        }
    }
}

/// Opens connections, only to addresses in scope, within the rate limits.
#[derive(Debug)]
pub struct Dialer {
    scope: Arc<Scope>,
    global: Pacer,
    per_target: Mutex<HashMap<IpAddr, Arc<Pacer>>>,
    per_target_rate: u32,
    /// Attempts refused because the target was out of scope.
    pub refused: AtomicU64,
    /// Connection attempts made.
    pub attempts: AtomicU64,
}

impl Dialer {
    pub fn new(scope: Arc<Scope>, limits: RateLimits) -> Self {
        Self {
            scope,
            global: Pacer::new(limits.global_per_sec),
            per_target: Mutex::new(HashMap::new()),
            per_target_rate: limits.per_target_per_sec,
            refused: AtomicU64::new(0),
            attempts: AtomicU64::new(0),
        }
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The scope check, counted. Every connect and every packet goes through it.
    pub fn authorize(&self, ip: IpAddr) -> Result<(), ScopeError> {
        let r = self.scope.check(ip);
        if r.is_err() {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    fn pacer(&self, ip: IpAddr) -> Arc<Pacer> {
        match self.per_target.lock() {
            Ok(mut m) => m
                .entry(ip)
                .or_insert_with(|| Arc::new(Pacer::new(self.per_target_rate)))
                .clone(),
            Err(_) => Arc::new(Pacer::new(self.per_target_rate)),
        }
    }

    /// Waits for both rate limits (async).
    pub async fn pace(&self, ip: IpAddr) {
        self.global.wait().await;
        self.pacer(ip).wait().await;
    }

    /// Waits for both rate limits (blocking thread).
    pub fn pace_blocking(&self, ip: IpAddr) {
        self.global.wait_blocking();
        self.pacer(ip).wait_blocking();
    }

    /// Async TCP connect with timeout, scope-checked and paced.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<tokio::net::TcpStream, DialError> {
        self.authorize(addr.ip())?;
        self.pace(addr.ip()).await;
        self.attempts.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(DialError::Io(e)),
            Err(_) => Err(DialError::Timeout),
        }
    }

    /// Port-discovery connect: scope-checked and paced like [`Dialer::connect`],
    /// but it asks the socket for its outcome right after `connect()` before
    /// involving the event loop: on a near network the answer (often a RST) is
    /// already there, which saves the epoll registration. Returns the open
    /// stream, or the error (ConnectionRefused = closed port).
    pub async fn probe_connect(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<tokio::net::TcpStream, DialError> {
        use socket2::{Domain, Protocol, Socket, Type};
        self.authorize(addr.ip())?;
        self.pace(addr.ip()).await;
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let domain = if addr.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let sock = Socket::new(domain, Type::STREAM.nonblocking(), Some(Protocol::TCP))
            .map_err(DialError::Io)?;
        match sock.connect(&addr.into()) {
            Ok(()) => {}
            Err(e)
                if e.raw_os_error() == Some(115) || e.kind() == std::io::ErrorKind::WouldBlock =>
            {
                // EINPROGRESS: did the answer already come?
                if let Ok(Some(err)) = sock.take_error() {
                    return Err(DialError::Io(err));
                }
            }
            Err(e) => return Err(DialError::Io(e)),
        }
        let std_stream: TcpStream = sock.into();
        let stream = tokio::net::TcpStream::from_std(std_stream).map_err(DialError::Io)?;
        match tokio::time::timeout(timeout, stream.writable()).await {
            Err(_) => Err(DialError::Timeout),
            Ok(Err(e)) => Err(DialError::Io(e)),
            Ok(Ok(())) => match stream.take_error() {
                Ok(Some(e)) | Err(e) => Err(DialError::Io(e)),
                Ok(None) => Ok(stream),
            },
        }
    }

    /// Blocking TCP connect (for probes run on blocking threads), scope-checked and paced.
    pub fn connect_blocking(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> Result<TcpStream, DialError> {
        self.authorize(addr.ip())?;
        self.global.wait_blocking();
        self.pacer(addr.ip()).wait_blocking();
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let s = TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                DialError::Timeout
            } else {
                DialError::Io(e)
            }
        })?;
        s.set_read_timeout(Some(timeout)).map_err(DialError::Io)?;
        s.set_write_timeout(Some(timeout)).map_err(DialError::Io)?;
        let _ = s.set_nodelay(true);
        Ok(s)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DialError {
    #[error("refused by scope: {0}")]
    Scope(#[from] ScopeError),
    #[error("timeout")]
    Timeout,
    #[error("{0}")]
    Io(std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dialer_refuses_out_of_scope_without_connecting() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let scope = Arc::new(Scope::from_networks(["127.0.0.2/32"]).unwrap());
        let d = Dialer::new(scope, RateLimits::default());
        assert!(matches!(
            d.connect(addr, Duration::from_millis(200)).await,
            Err(DialError::Scope(_))
        ));
        assert!(matches!(
            d.connect_blocking(addr, Duration::from_millis(200)),
            Err(DialError::Scope(_))
        ));
        listener.set_nonblocking(true).unwrap();
        assert!(
            listener.accept().is_err(),
            "no connection reached the listener"
        );
        assert_eq!(d.attempts.load(Ordering::Relaxed), 0);
        assert_eq!(d.refused.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn pacer_limits_rate() {
        let p = Pacer::new(200);
        let t = Instant::now();
        for _ in 0..40 {
            p.wait().await;
        }
        // 40 events at 200/s with a 50 ms burst allowance: >= ~140 ms
        assert!(
            t.elapsed() >= Duration::from_millis(120),
            "{:?}",
            t.elapsed()
        );
    }
}
