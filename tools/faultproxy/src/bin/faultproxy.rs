//! `faultproxy`: the fault-injecting TCP proxy of `uppsok_faultproxy` as a command, for trying
//! the app and the field device against a bad network by hand and in the demo.
//!
//! It prints `listening on ADDR` as its first line (scripts read the port from it), a line of
//! counters every `--stats-every` seconds, and the final counters as JSON when stopped with
//! Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use uppsok_faultproxy::{ByteRange, FaultConfig, FaultProxy, ProxyOptions, ProxyStats};

#[derive(Parser, Debug)]
#[command(
    name = "faultproxy",
    about = "A TCP proxy that refuses, cuts, delays and throttles connections on purpose.",
    after_help = "Example: a 300 ms round trip on a 1 Mbit/s link that breaks 30 % of connections:\n  \
                  faultproxy --upstream 127.0.0.1:8080 --listen 127.0.0.1:8081 \
                  --fault-rate 0.3 --latency-ms 150 --bandwidth-bps 125000"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Address to forward to (host:port; a name is resolved once at start).
    #[arg(long)]
    upstream: String,
    /// Share of connections to break, split evenly between reset at accept, request cut and
    /// response cut.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Delay added in EACH direction, in milliseconds (150 gives a round trip of about 300 ms).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Throttle EACH direction to this many BYTES per second (1 Mbit/s = 125000); 0 = no limit.
    #[arg(long, default_value_t = 0)]
    bandwidth_bps: u64,
    /// Largest number of bytes forwarded before a cut (the cut point is drawn from 0..=this).
    #[arg(long, default_value_t = 32)]
    cut_max_bytes: u64,
    /// Seed for the fault draws; the same seed and order of connections repeat the same faults.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the counters every this many seconds; 0 = only at the end.
    #[arg(long, default_value_t = 10)]
    stats_every: u64,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) {
        bail!(
            "--fault-rate must be between 0 and 1, got {}",
            args.fault_rate
        );
    }
    let upstream = tokio::net::lookup_host(&args.upstream)
        .await
        .with_context(|| format!("cannot resolve --upstream {}", args.upstream))?
        .next()
        .with_context(|| format!("--upstream {} resolves to no address", args.upstream))?;

    let latency = Duration::from_millis(args.latency_ms);
    let mut config = FaultConfig::clean().with_fault_rate(args.fault_rate);
    config.latency_up = latency;
    config.latency_down = latency;
    if args.bandwidth_bps > 0 {
        config = config.with_bandwidth(args.bandwidth_bps);
    }
    config.cut_request_after = ByteRange::new(0, args.cut_max_bytes);
    config.cut_response_after = ByteRange::new(0, args.cut_max_bytes);

    let proxy = FaultProxy::start_with(ProxyOptions {
        listen: args.listen,
        upstream,
        seed: args.seed,
        config,
    })
    .await
    .context("cannot start the proxy")?;
    println!("listening on {}", proxy.addr());
    println!(
        "forwarding to {upstream}; fault rate {}, latency {} ms each way, bandwidth {}",
        args.fault_rate,
        args.latency_ms,
        if args.bandwidth_bps > 0 {
            format!("{} B/s each way", args.bandwidth_bps)
        } else {
            "unlimited".to_owned()
        }
    );

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot listen for SIGTERM")?;
    let period = Duration::from_secs(args.stats_every.max(1));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = sigterm.recv() => break,
            _ = ticker.tick() => {
                if args.stats_every > 0 {
                    println!("{}", summary(&proxy.stats()));
                }
            }
        }
    }
    let stats = proxy.stats();
    println!(
        "{}",
        serde_json::to_string(&stats).context("cannot encode the counters")?
    );
    Ok(())
}

fn summary(s: &ProxyStats) -> String {
    format!(
        "connections {} (active {}, passed {}, faulted {}: refused {}, requests cut {}, \
         responses cut {}; upstream failed {}), bytes up {}, down {}",
        s.connections,
        s.active,
        s.passed,
        s.faulted,
        s.refused,
        s.requests_cut,
        s.responses_cut,
        s.upstream_failed,
        s.bytes_up,
        s.bytes_down
    )
}
