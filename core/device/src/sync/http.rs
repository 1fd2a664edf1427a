//! The HTTP side of sync: one `reqwest` client (rustls with ring's provider, docs/design.md §10),
//! gzip both ways, the protocol header and bearer token on every request, and every way the
//! server can answer mapped onto what the sync loop does next. No body, token or record ever
//! reaches an error message.

use super::error::SyncError;
use flate2::Compression;
use flate2::write::GzEncoder;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use std::io::Write;
use std::time::Duration;
use uppsok_model::protocol::directory::DeviceSelf;
use uppsok_model::protocol::enrol::{EnrolRequest, EnrolResponse};
use uppsok_model::protocol::history::HistoryResponse;
use uppsok_model::protocol::problem::Problem;
use uppsok_model::protocol::{
    DEVICE_REVOKED_TYPE, OUTDATED_CLIENT_TYPE, PROTOCOL_HEADER, PROTOCOL_VERSION, SyncRequest,
    SyncResponse,
};

/// Bodies smaller than this go uncompressed: gzip's header and trailer (18 bytes) outweigh
/// what it saves, and an idle sync should stay one small request.
const GZIP_FROM: usize = 200;

/// What a sync request came back with, beyond plain failures.
#[derive(Debug)]
pub(crate) enum SyncReply {
    Response(SyncResponse),
    /// 401 `device-revoked` with `wipe: true`: destroy the local data now.
    WipeOrdered,
    /// 413: the batch is too big for the server's limit; send fewer changes.
    TooLarge,
}

/// Timeouts for one request; a weak rural link needs patience, a dead one must not hang sync.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole exchange, upload and download included.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(20),
            request: Duration::from_secs(90),
        }
    }
}

/// Install ring as rustls' process-wide crypto provider (docs/design.md §10). Idempotent: a second
/// call, or a provider someone else installed, is fine.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub(crate) fn client(t: Timeouts, reuse: bool) -> Result<reqwest::Client, SyncError> {
    install_crypto_provider();
    let builder = if reuse {
        reqwest::Client::builder()
    } else {
        reqwest::Client::builder().pool_max_idle_per_host(0)
    };
    builder
        .connect_timeout(t.connect)
        .timeout(t.request)
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()
        .map_err(|_| SyncError::Protocol("the HTTP client could not be set up".into()))
}

fn network(e: &reqwest::Error) -> SyncError {
    SyncError::Network(if e.is_timeout() {
        "the connection timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the connection broke off"
    })
}

pub(crate) fn endpoint(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, SyncError> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4 + 64),
        Compression::default(),
    );
    enc.write_all(bytes)
        .and_then(|_| enc.finish())
        .map_err(|_| SyncError::Protocol("the request could not be compressed".into()))
}

/// The most bytes an answer may have once decompressed: `MAX_PULL` records of the largest
/// realistic size (a visit with a 4,000-character note is under 17 kB) with room to spare. A
/// hostile or broken server's gzip bomb stops here instead of filling the phone's memory.
pub(crate) const ANSWER_LIMIT: usize = 32 * 1024 * 1024;
/// A problem document is a few hundred bytes; more is not one.
const PROBLEM_LIMIT: usize = 64 * 1024;

/// The body, decompressed as it arrives, refused once it passes `limit` bytes.
async fn read_capped(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, SyncError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| network(&e))? {
        if body.len() + chunk.len() > limit {
            return Err(SyncError::Protocol(format!(
                "the server's answer is larger than {} MiB once decompressed",
                limit / (1024 * 1024)
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn problem(resp: reqwest::Response) -> Problem {
    match read_capped(resp, PROBLEM_LIMIT).await {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => Problem::default(),
    }
}

/// A problem's words, shortened; server problem texts name rules and fields, never values.
fn words(p: &Problem) -> String {
    let s = if p.detail.is_empty() {
        &p.title
    } else {
        &p.detail
    };
    s.chars().take(200).collect()
}

/// Map a non-success answer that is not specific to one route.
async fn failure(resp: reqwest::Response) -> SyncError {
    let status = resp.status();
    if status == StatusCode::UPGRADE_REQUIRED {
        let p = problem(resp).await;
        let detail = if p.kind == OUTDATED_CLIENT_TYPE || !p.detail.is_empty() {
            words(&p)
        } else {
            format!("the server requires a newer protocol than {PROTOCOL_VERSION}")
        };
        return SyncError::Outdated { detail };
    }
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        return SyncError::Server {
            status: status.as_u16(),
        };
    }
    let p = problem(resp).await;
    SyncError::Protocol(format!("HTTP {}: {}", status.as_u16(), words(&p)))
}

/// Body bytes actually sent, for the report (the wire adds headers; the proxy counts those).
pub(crate) struct Sent {
    pub body_bytes: u64,
}

/// `POST /v1/sync`.
pub(crate) async fn sync(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    req: &SyncRequest,
) -> Result<(SyncReply, Sent), SyncError> {
    let json = serde_json::to_vec(req)
        .map_err(|_| SyncError::Protocol("the request could not be encoded".into()))?;
    let mut auth =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| SyncError::Unauthorized)?;
    auth.set_sensitive(true);
    let mut rb = client
        .post(endpoint(base, "/v1/sync"))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(AUTHORIZATION, auth)
        .header(CONTENT_TYPE, "application/json");
    let body = if json.len() >= GZIP_FROM {
        rb = rb.header(CONTENT_ENCODING, "gzip");
        gzip(&json)?
    } else {
        json
    };
    let sent = Sent {
        body_bytes: body.len() as u64,
    };
    let resp = rb.body(body).send().await.map_err(|e| network(&e))?;
    let status = resp.status();
    if status.is_success() {
        let bytes = read_capped(resp, ANSWER_LIMIT).await?;
        let parsed: SyncResponse = serde_json::from_slice(&bytes).map_err(|_| {
            SyncError::Protocol("the sync answer is not in the expected form".into())
        })?;
        return Ok((SyncReply::Response(parsed), sent));
    }
    if status == StatusCode::UNAUTHORIZED {
        let p = problem(resp).await;
        return if p.kind == DEVICE_REVOKED_TYPE {
            if p.wipe == Some(true) {
                Ok((SyncReply::WipeOrdered, sent))
            } else {
                Err(SyncError::Revoked)
            }
        } else {
            Err(SyncError::Unauthorized)
        };
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Ok((SyncReply::TooLarge, sent));
    }
    Err(failure(resp).await)
}

/// `GET /v1/devices/me`: the device's user and the colleagues of the user's teams.
pub(crate) async fn device_self(
    client: &reqwest::Client,
    base: &str,
    token: &str,
) -> Result<DeviceSelf, SyncError> {
    let mut auth =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| SyncError::Unauthorized)?;
    auth.set_sensitive(true);
    let resp = client
        .get(endpoint(base, "/v1/devices/me"))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(AUTHORIZATION, auth)
        .send()
        .await
        .map_err(|e| network(&e))?;
    if !resp.status().is_success() {
        return Err(failure(resp).await);
    }
    let bytes = read_capped(resp, ANSWER_LIMIT).await?;
    serde_json::from_slice(&bytes)
        .map_err(|_| SyncError::Protocol("the device answer is not in the expected form".into()))
}

/// `GET /v1/clients/{id}/history?before=DAY`: a client's contacts and outcomes older than the
/// phone's window. A `404` is the server saying the user may not see the client (or it is
/// gone), answered as [`SyncError::NotVisible`].
pub(crate) async fn history(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    client_id: uuid::Uuid,
    before: chrono::NaiveDate,
) -> Result<HistoryResponse, SyncError> {
    let mut auth =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| SyncError::Unauthorized)?;
    auth.set_sensitive(true);
    let resp = client
        .get(endpoint(
            base,
            &format!("/v1/clients/{client_id}/history?before={before}"),
        ))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(AUTHORIZATION, auth)
        .send()
        .await
        .map_err(|e| network(&e))?;
    match resp.status() {
        s if s.is_success() => {
            let bytes = read_capped(resp, ANSWER_LIMIT).await?;
            serde_json::from_slice(&bytes).map_err(|_| {
                SyncError::Protocol("the history answer is not in the expected form".into())
            })
        }
        StatusCode::NOT_FOUND => Err(SyncError::NotVisible),
        StatusCode::UNAUTHORIZED => {
            let p = problem(resp).await;
            Err(if p.kind == DEVICE_REVOKED_TYPE {
                SyncError::Revoked
            } else {
                SyncError::Unauthorized
            })
        }
        _ => Err(failure(resp).await),
    }
}

/// `POST /v1/devices/enroll`.
pub(crate) async fn enrol(
    client: &reqwest::Client,
    base: &str,
    req: &EnrolRequest,
) -> Result<EnrolResponse, SyncError> {
    let resp = client
        .post(endpoint(base, "/v1/devices/enroll"))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .json(req)
        .send()
        .await
        .map_err(|e| network(&e))?;
    let status = resp.status();
    if status.is_success() {
        let bytes = read_capped(resp, PROBLEM_LIMIT).await?;
        return serde_json::from_slice(&bytes).map_err(|_| {
            SyncError::Protocol("the enrolment answer is not in the expected form".into())
        });
    }
    if status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND {
        let p = problem(resp).await;
        if p.slug() == Some("enrolment-refused") || status == StatusCode::BAD_REQUEST {
            return Err(SyncError::EnrolmentRefused);
        }
        return Err(SyncError::Protocol(format!(
            "HTTP {}: {}",
            status.as_u16(),
            words(&p)
        )));
    }
    Err(failure(resp).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A server that answers every request with `body`, gzip-encoded, then closes.
    fn serve_once(body: Vec<u8>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        });
        format!("http://{addr}")
    }

    #[test]
    fn a_gzip_bomb_is_refused_at_the_answer_limit() {
        // 64 MiB of zeros: about 64 KiB on the wire.
        let bomb = gzip(&vec![0u8; 64 * 1024 * 1024]).unwrap();
        assert!(bomb.len() < 256 * 1024);
        let base = serve_once(bomb);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = client(Timeouts::default(), false).unwrap();
        let err = rt
            .block_on(async {
                let resp = client.get(endpoint(&base, "/x")).send().await.unwrap();
                read_capped(resp, ANSWER_LIMIT).await
            })
            .unwrap_err();
        assert!(err.to_string().contains("larger than 32 MiB"), "{err}");
        // A small answer passes whole.
        let base = serve_once(gzip(b"{\"ok\":true}").unwrap());
        let body = rt
            .block_on(async {
                let resp = client.get(endpoint(&base, "/x")).send().await.unwrap();
                read_capped(resp, ANSWER_LIMIT).await
            })
            .unwrap();
        assert_eq!(body, b"{\"ok\":true}");
    }
}
