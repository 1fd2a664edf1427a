//! `uppsok-faultproxy`: a fault-injecting TCP proxy for end-to-end tests, the `faultproxy`
//! command (in `uppsok-tests`) and `uppsok demo`, whose simulated phones sync through it.
//!
//! Case managers sync from villages and cars with no coverage for hours and with links that drop
//! mid-request, so the sync client and server must be tested over a bad network, not just
//! loopback. [`FaultProxy`] listens on a local port in front of one upstream address and forwards
//! bytes both ways, while it can refuse connections, cut a request after some bytes went upstream,
//! cut a response after some bytes came back, delay each direction and throttle each direction with
//! a token bucket. The settings live behind a shared lock, so a test can make the network worse or
//! better while clients are connected; fault decisions come from a seeded RNG, so a failing run can
//! be repeated. Counters tell a test what actually happened to each connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Size of one read from either socket. Small enough that latency and throttling stay smooth,
/// big enough that a 1 MB body is not thousands of wake-ups.
const CHUNK: usize = 16 * 1024;

/// Chunks buffered between a direction's reader and writer. With latency, throughput is bounded
/// by buffer / latency (64 × 16 KiB / 150 ms ≈ 7 MB/s), which is far above what tests throttle to.
const QUEUE_CHUNKS: usize = 64;

/// How long a throttled direction may burst at full speed, as a fraction of one second of its
/// rate. Short, so that a transfer of a few seconds takes about size / rate.
const BURST_SECONDS: f64 = 0.05;

/// Errors from starting or configuring the proxy.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// A setting is out of range (a probability outside 0..=1, an empty byte range, …).
    #[error("invalid fault configuration: {0}")]
    InvalidConfig(String),
}

/// An inclusive range of byte counts; the proxy draws a cut point from it per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ByteRange {
    pub min: u64,
    pub max: u64,
}

impl ByteRange {
    pub const fn new(min: u64, max: u64) -> Self {
        Self { min, max }
    }

    /// Always exactly `n` bytes.
    pub const fn exactly(n: u64) -> Self {
        Self { min: n, max: n }
    }
}

/// What the proxy does to connections. Probabilities are per connection and exclusive: one draw
/// picks at most one of refuse, cut request, cut response, so their sum must be at most 1.
///
/// Latency and bandwidth are read again for every chunk, so changing them affects open
/// connections; the fault kind and cut point are decided once, when a connection is accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultConfig {
    /// Accept, then reset the connection at once (the client sees a reset on its first read or
    /// write), as when a mobile link dies during the handshake.
    pub refuse: f64,
    /// Close both sides after this many bytes went upstream: the server sees a truncated request
    /// and never answers.
    pub cut_request: f64,
    /// Close both sides after this many bytes came back: the server did the work, the client
    /// never sees the full answer. This is the case exactly-once sync must survive.
    pub cut_response: f64,
    /// Where a request is cut. The default (0..=32 bytes) is shorter than any HTTP/1.1 request head,
    /// so a chosen request cut always hits.
    pub cut_request_after: ByteRange,
    /// Where a response is cut. The default (0..=32 bytes) is shorter than any HTTP response head;
    /// widen it to cut inside larger bodies. A response that ends before the cut point passes.
    pub cut_response_after: ByteRange,
    /// Delay added to every chunk going client → upstream.
    pub latency_up: Duration,
    /// Delay added to every chunk going upstream → client.
    pub latency_down: Duration,
    /// Throttle client → upstream, in bytes per second (1 Mbit/s = 125,000 B/s); `None` = no limit.
    pub bandwidth_up: Option<u64>,
    /// Throttle upstream → client, in bytes per second; `None` = no limit.
    pub bandwidth_down: Option<u64>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            refuse: 0.0,
            cut_request: 0.0,
            cut_response: 0.0,
            cut_request_after: ByteRange::new(0, 32),
            cut_response_after: ByteRange::new(0, 32),
            latency_up: Duration::ZERO,
            latency_down: Duration::ZERO,
            bandwidth_up: None,
            bandwidth_down: None,
        }
    }
}

impl FaultConfig {
    /// A clean pipe: no faults, no delay, no throttle.
    pub fn clean() -> Self {
        Self::default()
    }

    /// Break `rate` of all connections, split evenly between refusals, request cuts and response
    /// cuts.
    pub fn with_fault_rate(mut self, rate: f64) -> Self {
        let third = rate / 3.0;
        self.refuse = third;
        self.cut_request = third;
        self.cut_response = third;
        self
    }

    /// Simulate a round-trip time by delaying each direction by half of it.
    pub fn with_round_trip(mut self, rtt: Duration) -> Self {
        self.latency_up = rtt / 2;
        self.latency_down = rtt - rtt / 2;
        self
    }

    /// Throttle both directions to `bytes_per_second`.
    pub fn with_bandwidth(mut self, bytes_per_second: u64) -> Self {
        self.bandwidth_up = Some(bytes_per_second);
        self.bandwidth_down = Some(bytes_per_second);
        self
    }

    /// Checks ranges, so that a typo in a test fails loudly instead of silently faulting nothing.
    pub fn validate(&self) -> Result<(), ProxyError> {
        for (name, p) in [
            ("refuse", self.refuse),
            ("cut_request", self.cut_request),
            ("cut_response", self.cut_response),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(ProxyError::InvalidConfig(format!(
                    "{name} = {p} is not a probability in 0..=1"
                )));
            }
        }
        // A little slack, so that `with_fault_rate(1.0)` (three thirds) is accepted.
        let sum = self.refuse + self.cut_request + self.cut_response;
        if sum > 1.0 + 1e-9 {
            return Err(ProxyError::InvalidConfig(format!(
                "fault probabilities add up to {sum}, more than 1"
            )));
        }
        for (name, r) in [
            ("cut_request_after", self.cut_request_after),
            ("cut_response_after", self.cut_response_after),
        ] {
            if r.min > r.max {
                return Err(ProxyError::InvalidConfig(format!(
                    "{name} is empty ({}..={})",
                    r.min, r.max
                )));
            }
        }
        for (name, b) in [
            ("bandwidth_up", self.bandwidth_up),
            ("bandwidth_down", self.bandwidth_down),
        ] {
            if b == Some(0) {
                return Err(ProxyError::InvalidConfig(format!(
                    "{name} = 0 would stall forever; use refuse = 1.0 to take the link down"
                )));
            }
        }
        Ok(())
    }
}

/// Where the proxy listens, what it forwards to, and how it starts.
#[derive(Clone, Debug)]
pub struct ProxyOptions {
    /// Usually `127.0.0.1:0`, so the OS picks a free port.
    pub listen: SocketAddr,
    pub upstream: SocketAddr,
    /// Seed for the per-connection fault draws; the same seed and the same order of connections
    /// give the same faults.
    pub seed: u64,
    pub config: FaultConfig,
}

impl ProxyOptions {
    pub fn new(upstream: SocketAddr) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream,
            seed: 0,
            config: FaultConfig::default(),
        }
    }
}

/// A snapshot of the counters. Every accepted connection ends in exactly one of `refused`,
/// `requests_cut`, `responses_cut`, `upstream_failed` or `passed`, or is still `active`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: u64,
    /// Connections still open.
    pub active: u64,
    /// Connections broken on purpose: `refused + requests_cut + responses_cut`.
    pub faulted: u64,
    pub refused: u64,
    pub requests_cut: u64,
    pub responses_cut: u64,
    /// The upstream could not be reached; the client connection was reset.
    pub upstream_failed: u64,
    /// Ended without an injected fault (including a planned cut whose point was never reached).
    pub passed: u64,
    /// Bytes written to the upstream.
    pub bytes_up: u64,
    /// Bytes written to clients.
    pub bytes_down: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    active: AtomicU64,
    refused: AtomicU64,
    requests_cut: AtomicU64,
    responses_cut: AtomicU64,
    upstream_failed: AtomicU64,
    passed: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

struct Shared {
    upstream: SocketAddr,
    config: Mutex<FaultConfig>,
    rng: Mutex<StdRng>,
    counters: Counters,
}

impl Shared {
    fn config(&self) -> MutexGuard<'_, FaultConfig> {
        // A panic while holding this lock can only come from a bug in this module; the config is
        // plain data that is never left half-written, so the poisoned value is still good.
        self.config.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Decides a connection's fate.
    fn plan(&self) -> Plan {
        let config = self.config().clone();
        let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        let draw: f64 = rng.random();
        let mut pick = |r: ByteRange| rng.random_range(r.min..=r.max);
        if draw < config.refuse {
            Plan::Refuse
        } else if draw < config.refuse + config.cut_request {
            Plan::CutRequest(pick(config.cut_request_after))
        } else if draw < config.refuse + config.cut_request + config.cut_response {
            Plan::CutResponse(pick(config.cut_response_after))
        } else {
            Plan::Pass
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Plan {
    Pass,
    Refuse,
    CutRequest(u64),
    CutResponse(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

/// How one direction of a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PumpEnd {
    /// The source said end-of-stream and the end was passed on.
    Eof,
    /// The planned cut point was reached.
    Cut,
    /// A socket failed; the peers did that, not the proxy.
    Failed,
}

/// A cloneable handle to change settings and read counters from anywhere, e.g. a task that
/// degrades the network halfway through a test.
#[derive(Clone)]
pub struct ProxyControl {
    shared: Arc<Shared>,
}

impl ProxyControl {
    /// The current settings.
    pub fn config(&self) -> FaultConfig {
        self.shared.config().clone()
    }

    /// Replaces the settings; affects new connections, and latency/bandwidth of open ones.
    pub fn set_config(&self, config: FaultConfig) -> Result<(), ProxyError> {
        config.validate()?;
        *self.shared.config() = config;
        Ok(())
    }

    /// Changes some settings in place, e.g. `control.update(|c| c.refuse = 1.0)`.
    pub fn update(&self, change: impl FnOnce(&mut FaultConfig)) -> Result<(), ProxyError> {
        let mut next = self.config();
        change(&mut next);
        self.set_config(next)
    }

    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::SeqCst);
        let (refused, requests_cut, responses_cut) =
            (get(&c.refused), get(&c.requests_cut), get(&c.responses_cut));
        ProxyStats {
            connections: get(&c.connections),
            active: get(&c.active),
            faulted: refused + requests_cut + responses_cut,
            refused,
            requests_cut,
            responses_cut,
            upstream_failed: get(&c.upstream_failed),
            passed: get(&c.passed),
            bytes_up: get(&c.bytes_up),
            bytes_down: get(&c.bytes_down),
        }
    }

    /// Waits until no connection is open (or `timeout` passes) and returns the counters then.
    /// A client sees a connection end a moment before the proxy has counted it, so tests that
    /// check counters should read them through this.
    pub async fn settled(&self, timeout: Duration) -> ProxyStats {
        let deadline = Instant::now() + timeout;
        loop {
            let stats = self.stats();
            if stats.active == 0 || Instant::now() >= deadline {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A running proxy. Dropping it stops accepting and closes every connection it holds.
pub struct FaultProxy {
    addr: SocketAddr,
    control: ProxyControl,
    shutdown: watch::Sender<bool>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:<free port>` in front of `upstream`, with seed 0.
    pub async fn start(upstream: SocketAddr, config: FaultConfig) -> Result<Self, ProxyError> {
        Self::start_with(ProxyOptions {
            config,
            ..ProxyOptions::new(upstream)
        })
        .await
    }

    /// Starts a proxy with explicit listen address and seed. Must be called inside a tokio
    /// runtime; the proxy's tasks run on it.
    pub async fn start_with(options: ProxyOptions) -> Result<Self, ProxyError> {
        options.config.validate()?;
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| ProxyError::Bind {
                    addr: options.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| ProxyError::Bind {
            addr: options.listen,
            source,
        })?;
        let shared = Arc::new(Shared {
            upstream: options.upstream,
            config: Mutex::new(options.config),
            rng: Mutex::new(StdRng::seed_from_u64(options.seed)),
            counters: Counters::default(),
        });
        let (shutdown, stop) = watch::channel(false);
        tokio::spawn(accept_loop(listener, Arc::clone(&shared), stop));
        Ok(Self {
            addr,
            control: ProxyControl { shared },
            shutdown,
        })
    }

    /// Where clients should connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for HTTP clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn control(&self) -> ProxyControl {
        self.control.clone()
    }

    pub fn config(&self) -> FaultConfig {
        self.control.config()
    }

    pub fn set_config(&self, config: FaultConfig) -> Result<(), ProxyError> {
        self.control.set_config(config)
    }

    pub fn update(&self, change: impl FnOnce(&mut FaultConfig)) -> Result<(), ProxyError> {
        self.control.update(change)
    }

    pub fn stats(&self) -> ProxyStats {
        self.control.stats()
    }

    pub async fn settled(&self, timeout: Duration) -> ProxyStats {
        self.control.settled(timeout).await
    }

    /// Stops the proxy and closes its connections (the same as dropping it, made explicit).
    pub fn shutdown(self) {}
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Receivers may all be gone already (runtime shut down); nothing then needs telling.
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            accepted = listener.accept() => accepted,
        };
        let client = match accepted {
            Ok((client, _)) => client,
            // Out of file descriptors and the like: the listener itself is still fine, so back
            // off briefly instead of ending the proxy under a test.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let counters = &shared.counters;
        counters.connections.fetch_add(1, Ordering::SeqCst);
        counters.active.fetch_add(1, Ordering::SeqCst);
        // Drawn here, not in the spawned task, so that the draws follow accept order and a seed
        // repeats the same faults.
        let plan = shared.plan();
        let shared = Arc::clone(&shared);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let outcome = tokio::select! {
                _ = stop.wait_for(|s| *s) => Outcome::Passed,
                outcome = handle(client, plan, &shared) => outcome,
            };
            let c = &shared.counters;
            let counter = match outcome {
                Outcome::Refused => &c.refused,
                Outcome::RequestCut => &c.requests_cut,
                Outcome::ResponseCut => &c.responses_cut,
                Outcome::UpstreamFailed => &c.upstream_failed,
                Outcome::Passed => &c.passed,
            };
            counter.fetch_add(1, Ordering::SeqCst);
            c.active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

enum Outcome {
    Refused,
    RequestCut,
    ResponseCut,
    UpstreamFailed,
    Passed,
}

async fn handle(client: TcpStream, plan: Plan, shared: &Shared) -> Outcome {
    if let Plan::Refuse = plan {
        // SO_LINGER 0 turns the close into a reset; if it cannot be set, a plain close still
        // breaks the connection.
        let _ = client.set_zero_linger();
        drop(client);
        return Outcome::Refused;
    }
    let upstream = match TcpStream::connect(shared.upstream).await {
        Ok(s) => s,
        Err(_) => {
            let _ = client.set_zero_linger();
            return Outcome::UpstreamFailed;
        }
    };
    // Small writes (HTTP heads, sync acks) must not wait for Nagle; the proxy adds delay only on
    // purpose. Failure to set it changes timing only.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (cut_up, cut_down) = match plan {
        Plan::CutRequest(n) => (Some(n), None),
        Plan::CutResponse(n) => (None, Some(n)),
        Plan::Pass | Plan::Refuse => (None, None),
    };
    let (client_r, client_w) = client.into_split();
    let (upstream_r, upstream_w) = upstream.into_split();
    let up = pump(client_r, upstream_w, Direction::Up, shared, cut_up);
    let down = pump(upstream_r, client_w, Direction::Down, shared, cut_down);
    tokio::pin!(up, down);

    // Each direction ends on its own (a half-close is passed on), but a cut or a socket failure
    // in either ends both: returning drops all four halves.
    let (first, up_done) = tokio::select! {
        end = &mut up => (end, true),
        end = &mut down => (end, false),
    };
    let outcome_of = |end: PumpEnd, dir: Direction| match (end, dir) {
        (PumpEnd::Cut, Direction::Up) => Some(Outcome::RequestCut),
        (PumpEnd::Cut, Direction::Down) => Some(Outcome::ResponseCut),
        (PumpEnd::Failed, _) => Some(Outcome::Passed),
        (PumpEnd::Eof, _) => None,
    };
    let first_dir = if up_done {
        Direction::Up
    } else {
        Direction::Down
    };
    if let Some(outcome) = outcome_of(first, first_dir) {
        return outcome;
    }
    let (second, second_dir) = if up_done {
        ((&mut down).await, Direction::Down)
    } else {
        ((&mut up).await, Direction::Up)
    };
    outcome_of(second, second_dir).unwrap_or(Outcome::Passed)
}

/// Moves bytes one way: a reader stamps each chunk with its arrival time, a writer releases it
/// after the configured latency and as fast as the token bucket allows. Splitting the two keeps
/// latency a delay (like a long cable), not a throughput limit.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    dir: Direction,
    shared: &Shared,
    cut_after: Option<u64>,
) -> PumpEnd {
    let (tx, mut rx) = mpsc::channel::<(Instant, Vec<u8>)>(QUEUE_CHUNKS);
    let reader = async move {
        let mut buf = vec![0u8; CHUNK];
        let end = loop {
            match from.read(&mut buf).await {
                Ok(0) => break PumpEnd::Eof,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).await.is_err() {
                        // The writer has finished (cut or failed); its result is the one that
                        // counts.
                        break PumpEnd::Eof;
                    }
                }
                Err(_) => break PumpEnd::Failed,
            }
        };
        // Closing the channel is how the writer learns that the stream ended.
        drop(tx);
        end
    };
    let counter = match dir {
        Direction::Up => &shared.counters.bytes_up,
        Direction::Down => &shared.counters.bytes_down,
    };
    let writer = async {
        let mut bucket = TokenBucket::default();
        let mut sent: u64 = 0;
        while let Some((arrived, chunk)) = rx.recv().await {
            let latency = match dir {
                Direction::Up => shared.config().latency_up,
                Direction::Down => shared.config().latency_down,
            };
            tokio::time::sleep_until(arrived + latency).await;
            let mut rest = &chunk[..];
            let mut cut_now = false;
            if let Some(limit) = cut_after {
                let room = usize::try_from(limit.saturating_sub(sent)).unwrap_or(usize::MAX);
                if rest.len() >= room {
                    rest = &rest[..room];
                    cut_now = true;
                }
            }
            while !rest.is_empty() {
                let rate = match dir {
                    Direction::Up => shared.config().bandwidth_up,
                    Direction::Down => shared.config().bandwidth_down,
                };
                let n = bucket.take(rate, rest.len()).await;
                if to.write_all(&rest[..n]).await.is_err() {
                    return PumpEnd::Failed;
                }
                sent += n as u64;
                counter.fetch_add(n as u64, Ordering::SeqCst);
                rest = &rest[n..];
            }
            if cut_now {
                return PumpEnd::Cut;
            }
        }
        // The reader is done; pass the end-of-stream on so the peer sees a half-close.
        let _ = to.shutdown().await;
        PumpEnd::Eof
    };
    tokio::pin!(reader, writer);
    let mut reader_end = None;
    loop {
        tokio::select! {
            end = &mut reader, if reader_end.is_none() => {
                if end == PumpEnd::Failed {
                    return PumpEnd::Failed;
                }
                reader_end = Some(end);
            }
            end = &mut writer => return end,
        }
    }
}

/// A token bucket for one direction of one connection. The rate is passed on every call so that
/// a test can change bandwidth while a transfer runs.
#[derive(Default)]
struct TokenBucket {
    tokens: f64,
    refilled: Option<Instant>,
}

impl TokenBucket {
    /// Waits until some bytes may be sent and returns how many (at most `want`, at least 1).
    async fn take(&mut self, rate: Option<u64>, want: usize) -> usize {
        let Some(rate) = rate else {
            self.refilled = None;
            return want;
        };
        let rate = rate.max(1) as f64;
        let capacity = (rate * BURST_SECONDS).max(1.0);
        let now = Instant::now();
        match self.refilled {
            // The first use starts full: a connection may burst as a fresh link does.
            None => self.tokens = capacity,
            Some(then) => {
                let earned = now.duration_since(then).as_secs_f64() * rate;
                self.tokens = (self.tokens + earned).min(capacity);
            }
        }
        self.refilled = Some(now);
        // Never ask for more than the bucket can hold, or the wait would never end.
        let n = (want as f64).min(capacity).max(1.0);
        if self.tokens < n {
            let wait = (n - self.tokens) / rate;
            tokio::time::sleep(Duration::from_secs_f64(wait)).await;
            let after = Instant::now();
            if let Some(then) = self.refilled {
                self.tokens += after.duration_since(then).as_secs_f64() * rate;
            }
            self.refilled = Some(after);
        }
        self.tokens = (self.tokens - n).max(0.0);
        n as usize
    }
}
