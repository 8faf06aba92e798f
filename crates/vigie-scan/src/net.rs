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

    /// Whether neither rate limit is set: attempts never wait, so port discovery can try them
    /// without the event loop ([`Dialer::try_connect`]).
    pub fn unpaced(&self) -> bool {
        self.global.interval.is_zero() && self.per_target_rate == 0
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
        self.probe_connect_timed(addr, timeout, |_| {})
            .await
            .map(|(s, _)| s)
            .map_err(|(e, _)| e)
    }

    /// [`Dialer::probe_connect`] that says when the attempt left (after pacing: `on_send` is
    /// called then) and how long its answer took.
    pub async fn probe_connect_timed(
        &self,
        addr: SocketAddr,
        timeout: Duration,
        on_send: impl FnOnce(Instant),
    ) -> Result<(tokio::net::TcpStream, Duration), (DialError, Duration)> {
        if let Err(e) = self.authorize(addr.ip()) {
            return Err((e.into(), Duration::ZERO));
        }
        self.pace(addr.ip()).await;
        let since = Instant::now();
        on_send(since);
        let mut spare = Spare::default();
        let r = match self.try_connect(&mut spare, addr) {
            Err(e) => Err(e),
            Ok(Attempt::Refused) => Err(DialError::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
            Ok(Attempt::Open(s)) => {
                let std_stream: TcpStream = s.into();
                tokio::net::TcpStream::from_std(std_stream).map_err(DialError::Io)
            }
            Ok(Attempt::Pending(s)) => Self::finish_connect(s, timeout).await,
        };
        match r {
            Ok(s) => Ok((s, since.elapsed())),
            Err(e) => Err((e, since.elapsed())),
        }
    }

    /// One port-discovery attempt without waiting: scope-checked (never paced: callers use it
    /// only when [`Dialer::unpaced`], or after pacing themselves).
    ///
    /// It reuses `spare`, a socket whose previous attempt was refused: Linux lets a TCP socket
    /// whose connect failed connect again, which spares a closed port the socket's creation and
    /// its close (half of the system calls and all the allocations of an attempt). After the
    /// non-blocking `connect()` answers "in progress", a second `connect()` reads the outcome
    /// when the answer already came (a RST or SYN-ACK on a near network), and leaves the
    /// socket ready for the next port when it was a refusal.
    pub fn try_connect(&self, spare: &mut Spare, addr: SocketAddr) -> Result<Attempt, DialError> {
        use socket2::{Domain, Protocol, Socket, Type};
        self.authorize(addr.ip())?;
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let domain = if addr.is_ipv4() {
            Domain::IPV4
        } else {
            Domain::IPV6
        };
        let target: socket2::SockAddr = addr.into();
        let mut fresh = false;
        let sock = match spare.0.take() {
            // A socket of the other family cannot be reused for this address.
            Some((s, v4)) if v4 == addr.is_ipv4() => s,
            _ => {
                fresh = true;
                Socket::new(domain, Type::STREAM.nonblocking(), Some(Protocol::TCP))
                    .map_err(DialError::Io)?
            }
        };
        let in_progress = |e: &std::io::Error| {
            matches!(
                e.raw_os_error(),
                Some(libc::EINPROGRESS) | Some(libc::EALREADY)
            ) || e.kind() == std::io::ErrorKind::WouldBlock
        };
        match sock.connect(&target) {
            Ok(()) => return Ok(Attempt::Open(sock)),
            Err(e) if in_progress(&e) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                spare.0 = Some((sock, addr.is_ipv4()));
                return Ok(Attempt::Refused);
            }
            // A reused socket that kept state of its last attempt: start again on a new one.
            Err(e) if !fresh && e.raw_os_error() == Some(libc::ECONNABORTED) => {
                drop(sock);
                return self.try_connect_fresh(spare, addr);
            }
            Err(e) => return Err(DialError::Io(e)),
        }
        match sock.connect(&target) {
            Ok(()) => Ok(Attempt::Open(sock)),
            Err(e) if e.raw_os_error() == Some(libc::EISCONN) => Ok(Attempt::Open(sock)),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                spare.0 = Some((sock, addr.is_ipv4()));
                Ok(Attempt::Refused)
            }
            Err(e) if in_progress(&e) => Ok(Attempt::Pending(sock)),
            Err(e) => Err(DialError::Io(e)),
        }
    }

    /// [`Dialer::try_connect`] on a new socket (the attempt is counted once).
    fn try_connect_fresh(&self, spare: &mut Spare, addr: SocketAddr) -> Result<Attempt, DialError> {
        self.attempts.fetch_sub(1, Ordering::Relaxed);
        *spare = Spare::default();
        self.try_connect(spare, addr)
    }

    /// Waits, with a timeout, for an attempt that [`Dialer::try_connect`] left pending.
    pub async fn finish_connect(
        sock: socket2::Socket,
        timeout: Duration,
    ) -> Result<tokio::net::TcpStream, DialError> {
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

/// The socket of a refused attempt, kept for the next one, with its address family (asking the
/// socket for it would cost a system call per attempt).
#[derive(Debug, Default)]
pub struct Spare(Option<(socket2::Socket, bool)>);

impl Spare {
    /// The kept socket, if any.
    pub fn socket(&self) -> Option<&socket2::Socket> {
        self.0.as_ref().map(|(s, _)| s)
    }
}

/// The outcome of [`Dialer::try_connect`].
#[derive(Debug)]
pub enum Attempt {
    /// The port answered with a reset (closed); the socket went back to the caller's spare.
    Refused,
    /// The connection is established.
    Open(socket2::Socket),
    /// No answer yet: wait with [`Dialer::finish_connect`].
    Pending(socket2::Socket),
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

    /// A socket refused twice is reused for a third attempt that connects for real: the
    /// listener accepts the connection from the very socket the dialer kept.
    #[tokio::test]
    async fn a_refused_socket_is_reused_and_really_connects() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let open = listener.local_addr().unwrap();
        let closed: Vec<SocketAddr> = (0..2)
            .map(|_| {
                std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
            })
            .collect();
        let d = Dialer::new(
            Arc::new(Scope::from_networks(["127.0.0.1"]).unwrap()),
            RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
        );
        let mut spare = Spare::default();
        let mut fds = Vec::new();
        for addr in &closed {
            assert!(matches!(
                d.try_connect(&mut spare, *addr).unwrap(),
                Attempt::Refused
            ));
            use std::os::fd::AsRawFd;
            fds.push(spare.socket().expect("kept for the next port").as_raw_fd());
        }
        assert_eq!(fds[0], fds[1], "the same socket served both refusals");
        let sock = match d.try_connect(&mut spare, open).unwrap() {
            Attempt::Open(s) => s,
            Attempt::Pending(s) => {
                let s = Dialer::finish_connect(s, Duration::from_secs(2))
                    .await
                    .unwrap();
                socket2::Socket::from(s.into_std().unwrap())
            }
            Attempt::Refused => panic!("{open} listens"),
        };
        assert!(
            spare.socket().is_none(),
            "an open socket is never kept as spare"
        );
        let (_, peer) = listener.accept().unwrap();
        assert_eq!(
            peer,
            sock.local_addr().unwrap().as_socket().unwrap(),
            "the listener sees the reused socket"
        );
        assert_eq!(d.attempts.load(Ordering::Relaxed), 3);
        // Out of scope: refused before any socket is touched.
        assert!(matches!(
            d.try_connect(&mut spare, "127.0.0.2:80".parse().unwrap()),
            Err(DialError::Scope(_))
        ));
        assert_eq!(d.attempts.load(Ordering::Relaxed), 3);
    }

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
