//! Tests of the fault-injecting proxy over real loopback TCP, against a tiny echo server and a
//! tiny HTTP server, so that other end-to-end tests can trust what the proxy claims to do.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uppsok_faultproxy::{ByteRange, FaultConfig, FaultProxy, ProxyOptions};

const SETTLE: Duration = Duration::from_secs(5);

/// Echoes every byte back until the client half-closes, then closes.
async fn echo_server() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// Reads everything until the client half-closes, then answers with the byte count (8 bytes BE).
async fn sink_server() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut total: u64 = 0;
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                }
                let _ = s.write_all(&total.to_be_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// Answers `GET /bytes/N` with N bytes of body and `Connection: close`.
async fn http_server() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let n: usize = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|path| path.strip_prefix("/bytes/"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let body = vec![b'x'; n];
                let reply =
                    format!("HTTP/1.1 200 OK\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n");
                let _ = s.write_all(reply.as_bytes()).await;
                let _ = s.write_all(&body).await;
                let _ = s.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// One HTTP/1.1 request on a fresh connection; `Ok(body length)` only for a complete response.
async fn http_get(addr: SocketAddr, n: usize) -> Result<usize> {
    let mut s = TcpStream::connect(addr).await?;
    let req = format!("GET /bytes/{n} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await?;
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await?;
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("response head incomplete")?;
    let head = String::from_utf8_lossy(&reply[..split]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .context("no content-length")?
        .trim()
        .parse()?;
    let body = reply.len() - split - 4;
    if body != length {
        bail!("body cut: {body} of {length} bytes");
    }
    Ok(body)
}

#[tokio::test]
async fn pass_through_is_byte_exact_for_one_megabyte() -> Result<()> {
    let proxy = FaultProxy::start(echo_server().await?, FaultConfig::clean()).await?;
    let mut payload = vec![0u8; 1024 * 1024];
    rand::rngs::StdRng::seed_from_u64(7).fill(&mut payload[..]);

    let stream = TcpStream::connect(proxy.addr()).await?;
    let (mut r, mut w) = stream.into_split();
    let sent = payload.clone();
    // Write and read at once: echoing 1 MB through fixed-size socket buffers would deadlock if
    // the client wrote everything before reading.
    let writer = tokio::spawn(async move {
        w.write_all(&sent).await?;
        w.shutdown().await?;
        anyhow::Ok(())
    });
    let mut echoed = Vec::with_capacity(payload.len());
    r.read_to_end(&mut echoed).await?;
    writer.await??;

    assert_eq!(echoed.len(), payload.len());
    assert!(echoed == payload, "echoed bytes differ from the payload");
    let stats = proxy.settled(SETTLE).await;
    assert_eq!(stats.bytes_up, payload.len() as u64);
    assert_eq!(stats.bytes_down, payload.len() as u64);
    assert_eq!((stats.connections, stats.passed, stats.faulted), (1, 1, 0));
    Ok(())
}

#[tokio::test]
async fn latency_delays_each_direction() -> Result<()> {
    let config = FaultConfig::clean().with_round_trip(Duration::from_millis(300));
    assert_eq!(config.latency_up, Duration::from_millis(150));
    assert_eq!(config.latency_down, Duration::from_millis(150));
    let proxy = FaultProxy::start(echo_server().await?, config).await?;

    let mut s = TcpStream::connect(proxy.addr()).await?;
    for _ in 0..3 {
        let started = Instant::now();
        s.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        s.read_exact(&mut buf).await?;
        let rtt = started.elapsed();
        assert_eq!(&buf, b"ping");
        assert!(rtt >= Duration::from_millis(300), "round trip {rtt:?}");
        assert!(rtt < Duration::from_secs(3), "round trip {rtt:?}");
    }

    // Latency is read per chunk, so lowering it takes effect on the open connection.
    proxy.update(|c| {
        c.latency_up = Duration::ZERO;
        c.latency_down = Duration::from_millis(50);
    })?;
    let started = Instant::now();
    s.write_all(b"pong").await?;
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).await?;
    let rtt = started.elapsed();
    assert!(
        rtt >= Duration::from_millis(50) && rtt < Duration::from_millis(290),
        "round trip {rtt:?}"
    );
    Ok(())
}

#[tokio::test]
async fn latency_does_not_limit_throughput() -> Result<()> {
    // 100 ms each way must delay a 1 MB echo by about 200 ms, not by 200 ms per chunk.
    let config = FaultConfig::clean().with_round_trip(Duration::from_millis(200));
    let proxy = FaultProxy::start(echo_server().await?, config).await?;
    let stream = TcpStream::connect(proxy.addr()).await?;
    let (mut r, mut w) = stream.into_split();
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        w.write_all(&vec![1u8; 1024 * 1024]).await?;
        w.shutdown().await?;
        anyhow::Ok(())
    });
    let mut echoed = Vec::new();
    r.read_to_end(&mut echoed).await?;
    writer.await??;
    let took = started.elapsed();
    assert_eq!(echoed.len(), 1024 * 1024);
    assert!(took >= Duration::from_millis(200), "took {took:?}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    Ok(())
}

#[tokio::test]
async fn throttle_down_takes_about_size_over_rate() -> Result<()> {
    let mut config = FaultConfig::clean();
    config.bandwidth_down = Some(125_000);
    let proxy = FaultProxy::start(http_server().await?, config).await?;

    let started = Instant::now();
    let body = http_get(proxy.addr(), 250_000).await?;
    let took = started.elapsed();
    assert_eq!(body, 250_000);
    // 250 KB at 125 kB/s is 2 s, less a 50 ms burst. Wide bounds: a loaded 2-core CI machine.
    assert!(
        took >= Duration::from_millis(1700) && took <= Duration::from_secs(5),
        "took {took:?}"
    );
    Ok(())
}

#[tokio::test]
async fn throttle_up_takes_about_size_over_rate() -> Result<()> {
    let mut config = FaultConfig::clean();
    config.bandwidth_up = Some(125_000);
    let proxy = FaultProxy::start(sink_server().await?, config).await?;

    let mut s = TcpStream::connect(proxy.addr()).await?;
    let started = Instant::now();
    s.write_all(&vec![0u8; 250_000]).await?;
    s.shutdown().await?;
    let mut count = [0u8; 8];
    s.read_exact(&mut count).await?;
    let took = started.elapsed();
    assert_eq!(u64::from_be_bytes(count), 250_000);
    assert!(
        took >= Duration::from_millis(1700) && took <= Duration::from_secs(5),
        "took {took:?}"
    );
    let stats = proxy.settled(SETTLE).await;
    assert_eq!((stats.bytes_up, stats.bytes_down), (250_000, 8));
    Ok(())
}

#[tokio::test]
async fn fault_rate_one_breaks_every_connection() -> Result<()> {
    let config = FaultConfig::clean().with_fault_rate(1.0);
    let proxy = FaultProxy::start(http_server().await?, config).await?;
    for i in 0..30 {
        let result = http_get(proxy.addr(), 10_000).await;
        assert!(result.is_err(), "connection {i} got through: {result:?}");
    }
    let stats = proxy.settled(SETTLE).await;
    assert_eq!(stats.connections, 30);
    assert_eq!(stats.faulted, 30);
    assert_eq!(stats.passed, 0);
    // With 30 draws split three ways, each kind of fault shows up.
    assert!(stats.refused > 0 && stats.requests_cut > 0 && stats.responses_cut > 0);
    Ok(())
}

#[tokio::test]
async fn response_cut_inside_the_body() -> Result<()> {
    let mut config = FaultConfig::clean();
    config.cut_response = 1.0;
    config.cut_response_after = ByteRange::exactly(5_000);
    let proxy = FaultProxy::start(http_server().await?, config).await?;
    let err = http_get(proxy.addr(), 100_000)
        .await
        .expect_err("response was not cut");
    assert!(err.to_string().contains("body cut"), "{err:#}");
    // A response shorter than the cut point passes whole.
    assert_eq!(http_get(proxy.addr(), 1_000).await?, 1_000);
    let stats = proxy.settled(SETTLE).await;
    assert_eq!((stats.responses_cut, stats.passed), (1, 1));
    // The cut connection delivered exactly the cut point.
    let second_response = stats.bytes_down - 5_000;
    assert!(second_response > 1_000, "{stats:?}");
    Ok(())
}

/// Outcome of `n` sequential requests: `true` for each that got a complete response.
async fn outcomes(addr: SocketAddr, n: usize) -> Vec<bool> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(http_get(addr, 2_000).await.is_ok());
    }
    out
}

#[tokio::test]
async fn counters_add_up_and_a_seed_repeats_the_faults() -> Result<()> {
    let upstream = http_server().await?;
    let options = ProxyOptions {
        seed: 42,
        config: FaultConfig::clean().with_fault_rate(0.5),
        ..ProxyOptions::new(upstream)
    };
    let proxy = FaultProxy::start_with(options.clone()).await?;
    let first = outcomes(proxy.addr(), 60).await;
    let stats = proxy.settled(SETTLE).await;

    let ok = first.iter().filter(|ok| **ok).count() as u64;
    assert_eq!(stats.connections, 60);
    assert_eq!(stats.active, 0);
    assert_eq!(
        stats.faulted,
        stats.refused + stats.requests_cut + stats.responses_cut
    );
    assert_eq!(stats.faulted + stats.passed + stats.upstream_failed, 60);
    // Every cut point (0..=32) is shorter than the request and the response, so the client saw
    // exactly the faults the proxy counted.
    assert_eq!(stats.passed, ok, "{stats:?}");
    assert!(
        (15..=45).contains(&ok),
        "{ok} of 60 passed at fault rate 0.5"
    );
    // Each passed request went up whole; each cut response came down short.
    let request_len = format!(
        "GET /bytes/2000 HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
        proxy.addr()
    )
    .len() as u64;
    assert!(stats.bytes_up >= ok * request_len, "{stats:?}");
    assert!(stats.bytes_up <= 60 * request_len, "{stats:?}");
    assert!(stats.bytes_down >= ok * 2_000, "{stats:?}");
    assert!(
        stats.bytes_down <= ok * 2_100 + stats.responses_cut * 32,
        "{stats:?}"
    );

    // The same seed and order of connections give the same faults.
    let again = FaultProxy::start_with(options.clone()).await?;
    assert_eq!(outcomes(again.addr(), 60).await, first);
    let other = FaultProxy::start_with(ProxyOptions {
        seed: 43,
        ..options
    })
    .await?;
    assert_ne!(outcomes(other.addr(), 60).await, first);
    Ok(())
}

#[tokio::test]
async fn settings_change_at_run_time() -> Result<()> {
    let proxy = FaultProxy::start(http_server().await?, FaultConfig::clean()).await?;
    assert_eq!(http_get(proxy.addr(), 100).await?, 100);

    // A task holding only the control handle takes the link down, as a dead zone would.
    let control = proxy.control();
    tokio::spawn(async move { control.update(|c| c.refuse = 1.0) }).await??;
    for _ in 0..5 {
        assert!(http_get(proxy.addr(), 100).await.is_err());
    }
    proxy.set_config(FaultConfig::clean())?;
    assert_eq!(http_get(proxy.addr(), 100).await?, 100);

    let stats = proxy.settled(SETTLE).await;
    assert_eq!((stats.connections, stats.refused, stats.passed), (7, 5, 2));
    Ok(())
}

#[tokio::test]
async fn unreachable_upstream_is_counted_apart() -> Result<()> {
    // Bind then drop a listener to get a port where nothing listens.
    let dead = TcpListener::bind("127.0.0.1:0").await?.local_addr()?;
    let proxy = FaultProxy::start(dead, FaultConfig::clean()).await?;
    assert!(http_get(proxy.addr(), 10).await.is_err());
    let stats = proxy.settled(SETTLE).await;
    assert_eq!(
        (stats.upstream_failed, stats.faulted, stats.passed),
        (1, 0, 0)
    );
    Ok(())
}

#[tokio::test]
async fn invalid_settings_are_rejected() -> Result<()> {
    let upstream = echo_server().await?;
    let mut too_much = FaultConfig::clean();
    too_much.refuse = 0.6;
    too_much.cut_request = 0.6;
    assert!(FaultProxy::start(upstream, too_much).await.is_err());

    let proxy = FaultProxy::start(upstream, FaultConfig::clean()).await?;
    assert!(proxy.update(|c| c.cut_response = 1.5).is_err());
    assert!(proxy.update(|c| c.bandwidth_down = Some(0)).is_err());
    assert!(
        proxy
            .update(|c| c.cut_request_after = ByteRange::new(10, 5))
            .is_err()
    );
    // A rejected change leaves the settings as they were.
    assert_eq!(proxy.config(), FaultConfig::clean());
    Ok(())
}

#[tokio::test]
async fn dropping_the_proxy_closes_its_connections() -> Result<()> {
    let proxy = FaultProxy::start(echo_server().await?, FaultConfig::clean()).await?;
    let addr = proxy.addr();
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(b"hi").await?;
    let mut buf = [0u8; 2];
    s.read_exact(&mut buf).await?;
    drop(proxy);
    let mut rest = Vec::new();
    let read = tokio::time::timeout(SETTLE, s.read_to_end(&mut rest)).await;
    assert!(
        read.is_ok(),
        "connection stayed open after the proxy was dropped"
    );
    Ok(())
}
