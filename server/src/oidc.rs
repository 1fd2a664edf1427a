//! Logging in with the organisation's own identity provider (OpenID Connect: SITHS through
//! Inera's IdP, Freja eID+, Entra ID …): the authorization code flow with PKCE, `state` and
//! `nonce`, for the dashboard and for a phone's enrolment.
//!
//! [`begin`] makes the provider's authorization URL and keeps the login's `nonce` and PKCE
//! verifier server-side under the hash of its `state` (single use, [`PENDING_TTL`]); the
//! browser also carries the `state` in a cookie, so a callback from another browser is refused.
//! [`finish`] takes that login out (a second callback with the same `state` finds nothing),
//! redeems the code with the verifier, and has the `openidconnect` crate check the ID token:
//! its signature against the provider's JWKS, its issuer, audience, expiry and nonce — no JWT
//! check is written here. It then checks the `acr` against the organisation's accepted values
//! and maps the configured claim to an account. The session itself is opened by
//! `auth::login::open_session`, the same path as a password login's.
//!
//! The same login serves a phone: [`begin`] with [`OidcPurpose::Phone`] (where the
//! organisation turned phone enrolment on) keeps the purpose with the pending login, and the
//! one callback hands the app an enrolment code instead of opening a session
//! (`dashboard::phone_enrol`). A subject no account has is refused, or, where the organisation
//! turned provisioning on, comes back as [`Account::New`] for the caller to create.
//!
//! The provider's discovery document (with its keys) is cached per organisation for an hour;
//! a token signed with a key the cache does not know makes one fresh fetch of the JWKS before it
//! is refused, so a key rotated at the provider works at once. Nothing of a token, a code, the
//! client secret or a subject reaches a log or an error message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKeySet,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AdditionalClaims, AuthenticationContextClass, AuthorizationCode, ClaimsVerificationError,
    ClientId, ClientSecret, CsrfToken, IdToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use uppsok_model::OrgId;
use zeroize::Zeroizing;

use crate::auth;
use crate::store::{OidcConfig, OidcPending, OidcPurpose, StaffRow, Store, StoreError, now_ms};

/// How long a login may take at the provider before its `state` is worthless.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a provider's discovery document and keys are trusted before they are fetched anew.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The largest answer read from a provider (discovery, JWKS, token).
const RESPONSE_MAX: usize = 1024 * 1024;
/// The path the provider sends the browser back to.
pub const CALLBACK_PATH: &str = "/login/oidc/callback";

/// Why a login through the provider was refused. The messages are for logs and name no token,
/// code, secret or subject; the dashboard words each kind itself.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the organisation has no identity provider configured")]
    NotConfigured,
    #[error("the identity provider could not be reached or answered unusably: {0}")]
    Provider(&'static str),
    #[error("the callback's state does not belong to this browser")]
    StateMismatch,
    #[error("the callback's state is unknown or already used")]
    StateUnknown,
    #[error("the login took too long at the identity provider")]
    Expired,
    #[error("the identity provider refused or cancelled the login")]
    Denied,
    #[error("the identity provider did not accept the authorization code")]
    CodeRefused,
    #[error("the ID token is not valid: {0}")]
    Token(TokenProblem),
    #[error("the login's authentication context (acr) is not one the organisation accepts")]
    AcrTooLow,
    #[error("the ID token lacks the claim that names the account")]
    NoSubject,
    #[error("no account of the organisation has this subject")]
    UnknownSubject,
    #[error("the account is not active")]
    Inactive,
    #[error("the account was created at a first login and awaits an admin")]
    AwaitingAdmin,
    #[error("the organisation has not turned on phone enrolment through its identity provider")]
    PhoneEnrolmentOff,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which check of the ID token failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    #[error("missing from the token response")]
    Missing,
    #[error("malformed")]
    Malformed,
    #[error("bad signature or unknown signing key")]
    Signature,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("wrong nonce")]
    Nonce,
    #[error("rejected")]
    Other,
}

/// Every claim of the ID token beyond the standard ones, so the organisation can name any
/// claim (an HSA-id, an employee number) as the one that maps to an account.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type UppsokIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

struct Cached {
    issuer: String,
    metadata: ProviderMetadataWithLogout,
    fetched: Instant,
}

/// Our reqwest client as `openidconnect` calls it. A type of its own with a boxed `Send` future
/// (not a closure): the handlers' futures must be `Send` for axum, which the compiler cannot
/// prove through a closure's higher-ranked lifetimes.
#[derive(Clone)]
struct Http(reqwest::Client);

type HttpFuture<'c> = std::pin::Pin<
    Box<dyn Future<Output = Result<openidconnect::HttpResponse, HttpFailed>> + Send + 'c>,
>;

impl<'c> openidconnect::AsyncHttpClient<'c> for Http {
    type Error = HttpFailed;
    type Future = HttpFuture<'c>;

    fn call(&'c self, request: openidconnect::HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// The HTTP client for providers and the per-organisation cache of their metadata.
pub struct Providers {
    http: Option<Http>,
    cache: Mutex<HashMap<OrgId, Cached>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Providers").finish_non_exhaustive()
    }
}

impl Default for Providers {
    fn default() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send the server elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(20))
            .build()
            .ok()
            .map(Http);
        Self {
            http,
            cache: Mutex::new(HashMap::new()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct HttpFailed(&'static str);

/// One request to a provider through our reqwest client (what `openidconnect` calls through).
async fn send(
    http: &reqwest::Client,
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpFailed> {
    let (parts, body) = req.into_parts();
    let mut res = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|_| HttpFailed("the request failed"))?;
    let mut out = http::Response::builder().status(res.status());
    for (k, v) in res.headers() {
        out = out.header(k, v);
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|_| HttpFailed("the answer broke off"))?
    {
        if body.len() + chunk.len() > RESPONSE_MAX {
            return Err(HttpFailed("the answer is too large"));
        }
        body.extend_from_slice(&chunk);
    }
    out.body(body)
        .map_err(|_| HttpFailed("the answer is malformed"))
}

/// What [`begin`] hands the browser: where to go, and the `state` for its cookie.
#[derive(Debug)]
pub struct Begun {
    pub url: String,
    pub state: String,
}

/// A login the provider vouched for: what it was for, and its account.
#[derive(Debug)]
pub struct Verified {
    pub org: OrgId,
    pub purpose: OidcPurpose,
    pub account: Account,
    pub acr: Option<String>,
}

/// Whom the login is for.
#[derive(Debug)]
pub enum Account {
    /// An active account of the organisation.
    Known(StaffRow),
    /// A subject no account has, at an organisation that provisions accounts at first login.
    New(NewSubject),
}

/// What the ID token said of someone Uppsök does not know yet. `Debug` leaves the subject out.
pub struct NewSubject {
    pub subject: String,
    /// The `name` claim, when the provider sent one.
    pub name: Option<String>,
    /// The `preferred_username` claim, when the provider sent one.
    pub preferred_username: Option<String>,
}

impl std::fmt::Debug for NewSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSubject").finish_non_exhaustive()
    }
}

impl Providers {
    fn http(&self) -> Result<&Http, OidcError> {
        self.http
            .as_ref()
            .ok_or(OidcError::Provider("no HTTP client"))
    }

    /// The provider's metadata, from the cache unless missing, stale or for another issuer.
    async fn metadata(
        &self,
        cfg: &OidcConfig,
        fresh: bool,
    ) -> Result<ProviderMetadataWithLogout, OidcError> {
        if !fresh {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(c) = cache
                .get(&cfg.org)
                .filter(|c| c.issuer == cfg.issuer && c.fetched.elapsed() < METADATA_TTL)
            {
                return Ok(c.metadata.clone());
            }
        }
        let http = self.http()?;
        let issuer = IssuerUrl::new(cfg.issuer.clone())
            .map_err(|_| OidcError::Provider("the issuer URL is not a URL"))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, http)
            .await
            .map_err(|_| OidcError::Provider("discovery failed"))?;
        self.remember(cfg, metadata.clone());
        Ok(metadata)
    }

    fn remember(&self, cfg: &OidcConfig, metadata: ProviderMetadataWithLogout) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(
            cfg.org,
            Cached {
                issuer: cfg.issuer.clone(),
                metadata,
                fetched: Instant::now(),
            },
        );
    }

    /// The cached metadata with the provider's current keys (after a rotation).
    async fn refetch_keys(
        &self,
        cfg: &OidcConfig,
        mut metadata: ProviderMetadataWithLogout,
    ) -> Result<ProviderMetadataWithLogout, OidcError> {
        let http = self.http()?;
        let jwks = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
            .await
            .map_err(|_| OidcError::Provider("fetching the signing keys failed"))?;
        metadata = metadata.set_jwks(jwks);
        self.remember(cfg, metadata.clone());
        Ok(metadata)
    }

    /// The provider's end-session endpoint, when it has one (offered after logging out).
    pub async fn end_session_url(&self, store: &Store, org: OrgId) -> Option<String> {
        let cfg = store.oidc_config(org).await.ok()??;
        let metadata = self.metadata(&cfg, false).await.ok()?;
        let end = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        Some(
            openidconnect::LogoutRequest::from(end)
                .set_client_id(ClientId::new(cfg.client_id.clone()))
                .http_get_url()
                .to_string(),
        )
    }
}

fn client_for(
    cfg: &OidcConfig,
    metadata: ProviderMetadataWithLogout,
    redirect: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    OidcError,
> {
    let redirect = RedirectUrl::new(redirect.to_owned())
        .map_err(|_| OidcError::Provider("the callback address is not a URL"))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.to_string())),
    )
    .set_redirect_uri(redirect))
}

/// Starts a login at `org`'s provider; `redirect` is this server's [`CALLBACK_PATH`] as the
/// browser reaches it.
pub async fn begin(
    store: &Store,
    providers: &Providers,
    org: OrgId,
    redirect: &str,
    purpose: OidcPurpose,
) -> Result<Begun, OidcError> {
    let cfg = store
        .oidc_config(org)
        .await?
        .ok_or(OidcError::NotConfigured)?;
    if purpose == OidcPurpose::Phone && !cfg.phone_enrolment {
        return Err(OidcError::PhoneEnrolmentOff);
    }
    let metadata = providers.metadata(&cfg, false).await?;
    let client = client_for(&cfg, metadata, redirect)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge);
    // The accepted levels are asked for too, so the provider can step up (or say it cannot)
    // before the person gets as far as Uppsök's refusal.
    for acr in &cfg.acr_values {
        request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
    }
    let (url, state, nonce) = request.url();
    store
        .put_oidc_pending(
            &auth::hash_secret(state.secret()),
            &OidcPending {
                org,
                purpose,
                nonce: Zeroizing::new(nonce.secret().clone()),
                pkce_verifier: Zeroizing::new(verifier.secret().clone()),
                expires_ms: now_ms().saturating_add(PENDING_TTL.as_millis() as i64),
            },
        )
        .await?;
    Ok(Begun {
        url: url.to_string(),
        state: state.secret().clone(),
    })
}

/// What came back to [`CALLBACK_PATH`].
#[derive(Debug, Default, serde::Deserialize)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    /// The provider's name for itself (RFC 9207), when it sends one: an answer from another
    /// provider than the organisation's is refused before its code goes anywhere.
    pub iss: Option<String>,
}

/// Checks the provider's answer and maps it to an account. `cookie_state` is the `state` the
/// browser was given by [`begin`].
pub async fn finish(
    store: &Store,
    providers: &Providers,
    cb: &Callback,
    cookie_state: Option<&str>,
    redirect: &str,
) -> Result<Verified, OidcError> {
    let state = cb.state.as_deref().unwrap_or_default();
    match cookie_state {
        Some(c) if !state.is_empty() && crate::dashboard::same_secret(c, state) => {}
        _ => return Err(OidcError::StateMismatch),
    }
    let pending = store
        .take_oidc_pending(&auth::hash_secret(state))
        .await?
        .ok_or(OidcError::StateUnknown)?;
    if pending.expires_ms <= now_ms() {
        return Err(OidcError::Expired);
    }
    if cb.error.is_some() {
        return Err(OidcError::Denied);
    }
    let code = cb.code.clone().ok_or(OidcError::Denied)?;
    let cfg = store
        .oidc_config(pending.org)
        .await?
        .ok_or(OidcError::NotConfigured)?;
    // Turned off while the login was at the provider: no code is handed out.
    if pending.purpose == OidcPurpose::Phone && !cfg.phone_enrolment {
        return Err(OidcError::PhoneEnrolmentOff);
    }
    if cb.iss.as_deref().is_some_and(|iss| iss != cfg.issuer) {
        return Err(OidcError::Token(TokenProblem::Issuer));
    }
    let metadata = providers.metadata(&cfg, false).await?;
    let client = client_for(&cfg, metadata.clone(), redirect)?;
    let http = providers.http()?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| OidcError::Provider("the provider has no token endpoint"))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.to_string()))
        .request_async(http)
        .await
        .map_err(|_| OidcError::CodeRefused)?;
    let raw = Zeroizing::new(
        tokens
            .id_token()
            .ok_or(OidcError::Token(TokenProblem::Missing))?
            .to_string(),
    );
    let id_token: UppsokIdToken = raw
        .parse()
        .map_err(|_| OidcError::Token(TokenProblem::Malformed))?;
    let nonce = Nonce::new(pending.nonce.to_string());
    let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Ok(c) => c.clone(),
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // A key the cache does not know: the provider may have rotated. One fresh fetch.
            let metadata = providers.refetch_keys(&cfg, metadata).await?;
            let client = client_for(&cfg, metadata, redirect)?;
            id_token
                .claims(&client.id_token_verifier(), &nonce)
                .map_err(|e| OidcError::Token(problem(&e)))?
                .clone()
        }
        Err(e) => return Err(OidcError::Token(problem(&e))),
    };
    let acr = claims.auth_context_ref().map(|a| a.as_str().to_owned());
    if !cfg.acr_values.is_empty()
        && !acr
            .as_deref()
            .is_some_and(|a| cfg.acr_values.iter().any(|ok| ok == a))
    {
        return Err(OidcError::AcrTooLow);
    }
    let subject = if cfg.subject_claim == "sub" {
        Some(claims.subject().as_str().to_owned())
    } else {
        claims
            .additional_claims()
            .claims
            .get(&cfg.subject_claim)
            .and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    }
    .filter(|s| crate::store::oidc_subject_ok(s))
    .ok_or(OidcError::NoSubject)?;
    let account = match store.staff_by_oidc_subject(cfg.org, &subject).await? {
        Some(staff) if staff.active => Account::Known(staff),
        Some(staff) if store.awaiting_role(staff.id).await? => {
            return Err(OidcError::AwaitingAdmin);
        }
        Some(_) => return Err(OidcError::Inactive),
        None if cfg.provision => {
            let text = |claim: &str| {
                claims
                    .additional_claims()
                    .claims
                    .get(claim)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            Account::New(NewSubject {
                subject,
                name: claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned())
                    .or_else(|| text("name")),
                preferred_username: claims
                    .preferred_username()
                    .map(|u| u.as_str().to_owned())
                    .or_else(|| text("preferred_username")),
            })
        }
        None => return Err(OidcError::UnknownSubject),
    };
    Ok(Verified {
        org: cfg.org,
        purpose: pending.purpose,
        account,
        acr,
    })
}

fn problem(e: &ClaimsVerificationError) -> TokenProblem {
    match e {
        ClaimsVerificationError::Expired(_) => TokenProblem::Expired,
        ClaimsVerificationError::InvalidAudience(_) => TokenProblem::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => TokenProblem::Issuer,
        ClaimsVerificationError::InvalidNonce(_) => TokenProblem::Nonce,
        ClaimsVerificationError::SignatureVerification(_) => TokenProblem::Signature,
        ClaimsVerificationError::Unsupported(_) => TokenProblem::Malformed,
        _ => TokenProblem::Other,
    }
}

/// Whether an issuer URL will do: `https`, or `http` on the loopback only (a provider on the
/// same machine, as in the tests); no query or fragment, which discovery cannot carry.
pub fn issuer_problem(issuer: &str) -> Option<&'static str> {
    let Ok(url) = openidconnect::url::Url::parse(issuer) else {
        return Some("must be an absolute URL");
    };
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
        Some(openidconnect::url::Host::Ipv4(a)) => a.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(a)) => a.is_loopback(),
        None => return Some("must name a host"),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Some("must use https (http only on the loopback)"),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Some("must not have a query or fragment");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_must_be_https_except_on_the_loopback() {
        assert_eq!(issuer_problem("https://idp.example.se/oidc"), None);
        assert_eq!(issuer_problem("http://127.0.0.1:4000"), None);
        assert_eq!(issuer_problem("http://localhost:4000/x"), None);
        assert_eq!(
            issuer_problem("http://idp.example.se"),
            Some("must use https (http only on the loopback)")
        );
        assert_eq!(
            issuer_problem("idp.example.se"),
            Some("must be an absolute URL")
        );
        assert_eq!(
            issuer_problem("https://idp.example.se/?tenant=x"),
            Some("must not have a query or fragment")
        );
    }
}
