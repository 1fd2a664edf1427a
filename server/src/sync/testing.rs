//! Test support for sync: gzip and gunzip through the very tower-http codecs the router uses, so
//! the HTTP tests in `tests/` can compress request bodies and check compressed replies without
//! a compression crate of their own. Not used by the server itself.

use std::convert::Infallible;

use axum::body::{Body, to_bytes};
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, Version};
use tower::{ServiceBuilder, ServiceExt, service_fn};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::DecompressionLayer;

#[derive(Debug, thiserror::Error)]
#[error("gzip test helper: {0}")]
pub struct CodecError(String);

/// `data` gzip-compressed.
pub async fn gzip(data: Vec<u8>) -> Result<Vec<u8>, CodecError> {
    let always = |_: StatusCode, _: Version, _: &HeaderMap, _: &axum::http::Extensions| true;
    let svc = ServiceBuilder::new()
        .layer(CompressionLayer::new().gzip(true).compress_when(always))
        .service(service_fn(move |_req: Request<Body>| {
            let data = data.clone();
            async move { Ok::<_, Infallible>(Response::new(Body::from(data))) }
        }));
    let req = Request::builder()
        .header(ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .map_err(|e| CodecError(e.to_string()))?;
    let res = svc
        .oneshot(req)
        .await
        .map_err(|e| CodecError(e.to_string()))?;
    let body = Body::new(res.into_body());
    to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| CodecError(e.to_string()))
}

/// `data` gunzipped.
pub async fn gunzip(data: Vec<u8>) -> Result<Vec<u8>, CodecError> {
    let svc = ServiceBuilder::new()
        .layer(DecompressionLayer::new().gzip(true))
        .service(service_fn(move |_req: Request<Body>| {
            let data = data.clone();
            async move {
                let mut res = Response::new(Body::from(data));
                res.headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                Ok::<_, Infallible>(res)
            }
        }));
    let res = svc
        .oneshot(Request::new(Body::empty()))
        .await
        .map_err(|e| CodecError(e.to_string()))?;
    let body = Body::new(res.into_body());
    to_bytes(body, usize::MAX)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| CodecError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip() {
        let data = b"{\"cursor\": 0}".repeat(100);
        let z = gzip(data.clone()).await.unwrap();
        assert_eq!(&z[..2], &[0x1f, 0x8b]);
        assert!(z.len() < data.len());
        assert_eq!(gunzip(z).await.unwrap(), data);
    }
}
