//! Test support for Uppsök's end-to-end tests: helpers that the integration tests under `tests/`
//! and the tools under `src/bin/` share, such as the fault-injecting proxy and where to find
//! PostgreSQL.

pub mod accuracy;
pub mod gzip;
pub mod late_trip;
pub mod pdf;
pub mod postgres_env;
pub mod routes;
/// The fault-injecting proxy, now its own crate (`uppsok-faultproxy`) so that `uppsok demo` can
/// use it too; re-exported under its old path for the tests and benches that import it.
pub use uppsok_faultproxy as proxy;

/// The workspace's root folder (this crate sits in `tests/`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_owned()
}

/// The `uppsok` binary of this workspace, built once per test process with `cargo build -p
/// uppsok --bin uppsok` (quick when fresh): `CARGO_BIN_EXE_uppsok` exists only inside the
/// `uppsok` package, and the tests here run it as a real process.
pub fn uppsok_bin() -> &'static std::path::Path {
    static BIN: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let root = workspace_root();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .current_dir(&root)
            .args(["build", "-q", "-p", "uppsok", "--bin", "uppsok"])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the uppsok binary failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), std::path::PathBuf::from);
        let bin = target.join("debug").join("uppsok");
        assert!(bin.exists(), "no binary at {}", bin.display());
        bin
    })
}

/// The real router served on a free loopback port, exactly as `uppsok serve` serves it (the
/// same accept loop and limits), until the returned task is aborted. Every in-process test
/// server starts here.
pub async fn serve_on_loopback(
    router: axum::Router,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let task = tokio::spawn(uppsok_server::serve::serve(
        listener,
        router,
        uppsok_server::serve::Limits::default(),
        std::future::pending(),
    ));
    (addr, task)
}
