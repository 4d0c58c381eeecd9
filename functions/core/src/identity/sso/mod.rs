//! Single sign-on with OpenID Connect (Microsoft Entra ID, Google Workspace, or any provider
//! by issuer): the authorization code flow with PKCE, state and nonce.
//!
//! 1. [`start`] makes a random state, nonce and PKCE verifier, stores them (hashed key, 10
//!    minute TTL) and returns the provider's sign-in address. The caller also puts the state in
//!    a cookie, which ties the callback to this browser (so nobody can sign a victim in to the
//!    attacker's account by sending them a callback link).
//! 2. [`finish`] checks the callback's state against that cookie, uses the stored state once,
//!    exchanges the code (with the verifier) at the token endpoint, verifies the ID token
//!    against the provider's keys ([`id_token`]) and finds the person by email in this
//!    organisation. Single sign-on never creates people: an admin invites them first.

pub mod configured;
mod exchange;
pub mod id_token;
pub mod provider;

pub use crate::http_client::allowed_url;
pub use configured::{Configured, Offered, SsoSettings};
pub use id_token::{Identity, TokenError};
pub use provider::{ProviderCache, ProviderError};

use super::people::{self, PeopleError, Person};
use crate::crypto;
use crate::keys;
use crate::org::{OrgId, SsoKind, SsoProvider};
use crate::store::record::{Record, from_item, to_item};
use crate::store::{Condition, Store, StoreError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long someone has to finish signing in at the provider.
pub const STATE_LIFETIME_MINUTES: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the provider's configuration is wrong: {0}")]
    Config(String),
    #[error("the provider could not be used: {0}")]
    Provider(#[from] ProviderError),
    #[error("the callback's state does not match this browser's")]
    StateMismatch,
    #[error("the sign-in attempt is unknown, already used or expired")]
    StateUnknown,
    #[error("the provider refused or was cancelled: {0}")]
    Refused(String),
    #[error("the code could not be exchanged: {reason}")]
    Exchange { reason: String, transient: bool },
    #[error("the provider does not accept this platform's client id and secret: {0}")]
    ClientRejected(String),
    #[error("the provider's UserInfo endpoint could not be used: {reason}")]
    UserInfo { reason: String, transient: bool },
    #[error("the ID token was refused: {0}")]
    Token(#[from] TokenError),
    #[error("no active person has this email in the organisation")]
    NoAccount { email: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What kind of failure an [`SsoError`] is, which decides what the person is told and the
/// status of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This attempt is spent (expired, replayed, another browser's): start again.
    Attempt,
    /// Cancelled or refused at the provider.
    Cancelled,
    /// The provider (or our store) is unreachable, slow or failing: try again in a minute.
    Transient,
    /// The provider and this platform do not fit together (issuer, client secret, keys,
    /// endpoints): it stays until IT changes a configuration.
    ProviderSetup,
    /// The account is not one this organisation accepts, or the provider does not say enough
    /// about it (email missing or unverified, another tenant or Workspace): permanent.
    Account,
    /// A good account the organisation has not set up.
    NoAccount,
    /// This deployment's profile is wrong.
    Config,
}

const EMAIL_LINK: &str = "Until then you can sign in with an email link.";

impl SsoError {
    pub fn fault(&self) -> Fault {
        match self {
            SsoError::StateMismatch | SsoError::StateUnknown => Fault::Attempt,
            SsoError::Refused(_) => Fault::Cancelled,
            SsoError::Store(_) => Fault::Transient,
            SsoError::Provider(e) if e.is_transient() => Fault::Transient,
            SsoError::Provider(_) | SsoError::ClientRejected(_) => Fault::ProviderSetup,
            SsoError::Exchange { transient, .. } | SsoError::UserInfo { transient, .. } => {
                if *transient {
                    Fault::Transient
                } else {
                    Fault::ProviderSetup
                }
            }
            // The key set was just fetched without it: a rotation still on its way.
            SsoError::Token(TokenError::UnknownKey(_)) => Fault::Transient,
            SsoError::Token(
                TokenError::NoEmail
                | TokenError::EmailUnverified { .. }
                | TokenError::WrongTenant { .. }
                | TokenError::WrongHostedDomain { .. }
                | TokenError::EmailOutsideDomain { .. },
            ) => Fault::Account,
            SsoError::Token(_) => Fault::ProviderSetup,
            SsoError::NoAccount { .. } => Fault::NoAccount,
            SsoError::Config(_) => Fault::Config,
        }
    }

    /// A plain message for the person, saying what went wrong and what to do: transient
    /// faults say to try again in a minute; permanent ones say what to tell IT, never to try
    /// again.
    pub fn user_message(&self, provider_label: &str) -> String {
        let tell_it = |what: String| {
            format!(
                "Single sign-on cannot work as it is set up: {what}. Please tell your IT team (or whoever looks after this platform) exactly this. {EMAIL_LINK}"
            )
        };
        match self {
            SsoError::StateMismatch | SsoError::StateUnknown => {
                "This sign-in attempt has expired or was already used. Please start again.".into()
            }
            SsoError::Refused(_) => {
                "Signing in was cancelled or refused at your account provider. You can start again, or sign in with an email link.".into()
            }
            SsoError::NoAccount { email } => format!(
                "You signed in as {email}, but nobody with that email is set up here. Please ask your administrator to add you, or sign in with an email link."
            ),
            SsoError::Token(TokenError::NoEmail) => format!(
                "Your account provider did not tell us your email address, so we cannot tell who you are. Please tell your IT team: the single sign-on app must release the email claim (in the ID token or from the UserInfo endpoint). {EMAIL_LINK}"
            ),
            SsoError::Token(TokenError::EmailUnverified { email }) => format!(
                "Your account provider says your email address ({email}) is not verified, so it cannot be used to sign in. Please ask your IT team to verify the address on your account. {EMAIL_LINK}"
            ),
            SsoError::Token(TokenError::WrongTenant { found, .. }) => format!(
                "That Microsoft account belongs to another organisation's directory (tenant {}), not the one set up here. Sign in with your organisation's account ({provider_label}); if that is the account you used, tell your IT team that the tenant set up for single sign-on does not match. {EMAIL_LINK}",
                found.as_deref().unwrap_or("unknown")
            ),
            SsoError::Token(TokenError::WrongHostedDomain { expected, found }) => format!(
                "That Google account is not part of the {expected} Google Workspace ({}). Sign in with your {expected} account; if that is the account you used, tell your IT team that its Workspace domain does not match the one set up here. {EMAIL_LINK}",
                match found {
                    Some(d) => format!("it belongs to {d}"),
                    None => "it is a personal account".into(),
                }
            ),
            SsoError::Token(TokenError::EmailOutsideDomain { email, domain }) => format!(
                "Your account's email address ({email}) is not at {domain}, the domain set up here. Sign in with your {domain} account, or tell your IT team. {EMAIL_LINK}"
            ),
            SsoError::Token(TokenError::SubjectMismatch { .. }) => tell_it(
                "the account provider's UserInfo endpoint answered for a different person than its ID token".into(),
            ),
            SsoError::Token(TokenError::IssuerMismatch { expected, found }) => tell_it(format!(
                "the account provider's ID token says it comes from {found}, but the provider publishes {expected}"
            )),
            SsoError::Provider(ProviderError::IssuerMismatch {
                configured,
                published,
            }) => tell_it(format!(
                "the account provider publishes its issuer as {published}, but {configured} is set up here"
            )),
            SsoError::ClientRejected(_) => tell_it(
                "the account provider does not accept this platform's client id or secret".into(),
            ),
            SsoError::Provider(ProviderError::NoClientAuth(_)) => tell_it(
                "the account provider offers no client authentication this platform uses (client_secret_basic or client_secret_post)".into(),
            ),
            _ => match self.fault() {
                Fault::Transient => "Sorry, we could not reach your account provider just now. Please try again in a minute, or sign in with an email link.".into(),
                Fault::Config => tell_it("this platform's single sign-on settings are incomplete".into()),
                _ => tell_it(format!("{self}")),
            },
        }
    }
}

/// A started sign-in: send the browser to `authorize_url` with `state` in a cookie.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").finish_non_exhaustive()
    }
}

fn random_token() -> String {
    B64.encode(crypto::random_bytes::<32>())
}

/// A started single sign-on, by the hash of its state (`keys::sso_state`, TTL).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsoStateRecord {
    pub provider: String,
    pub nonce: String,
    pub verifier: String,
    pub redirect_uri: String,
    #[serde(with = "crate::store::record::time")]
    pub created_at: DateTime<Utc>,
    pub expires_at: i64,
}

impl Record for SsoStateRecord {
    const TYPE: &'static str = "sso_state";
}

fn state_key(org: &OrgId, state: &str) -> crate::store::Key {
    keys::sso_state(org, &crypto::sha256_hex(state.as_bytes()))
}

/// Begins signing in with `provider`; `redirect_uri` is this site's callback for it.
pub async fn start<S: Store>(
    store: &S,
    org: &OrgId,
    provider: &SsoProvider,
    cache: &ProviderCache,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<Started, SsoError> {
    let issuer = provider.issuer().map_err(SsoError::Config)?;
    let endpoints = cache.endpoints(&issuer).await?;
    let state = random_token();
    let nonce = random_token();
    let verifier = random_token();
    let challenge = B64.encode(crypto::sha256(verifier.as_bytes()));
    let expires_at = now + Duration::minutes(STATE_LIFETIME_MINUTES);
    let item = to_item(
        &state_key(org, &state),
        &SsoStateRecord {
            provider: provider.id.clone(),
            nonce: nonce.clone(),
            verifier: verifier.clone(),
            redirect_uri: redirect_uri.to_string(),
            created_at: now,
            expires_at: expires_at.timestamp(),
        },
    );
    store.put(item, Condition::NotExists).await?;

    let mut params = vec![
        ("response_type", "code"),
        ("client_id", provider.client_id.as_str()),
        ("redirect_uri", redirect_uri),
        ("scope", "openid email profile"),
        ("state", state.as_str()),
        ("nonce", nonce.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // Google shows only the Workspace's accounts.
    if let (SsoKind::Google, Some(domain)) = (provider.kind, &provider.domain) {
        params.push(("hd", domain.as_str()));
    }
    let query = serde_urlencoded::to_string(&params).expect("string pairs always encode");
    let separator = if endpoints.authorization.contains('?') {
        '&'
    } else {
        '?'
    };
    tracing::info!(%org, provider = provider.id, "single sign-on started");
    Ok(Started {
        authorize_url: format!("{}{separator}{query}", endpoints.authorization),
        state,
    })
}

/// What the provider sent back to the callback address.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// The issuer the response says it comes from (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
}

/// Completes signing in: returns the person to start a session for.
#[allow(clippy::too_many_arguments)]
pub async fn finish<S: Store>(
    store: &S,
    org: &OrgId,
    provider: &SsoProvider,
    client_secret: &str,
    cache: &ProviderCache,
    callback: &Callback,
    cookie_state: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Person, SsoError> {
    let state = callback.state.as_deref().unwrap_or_default();
    let same_browser = cookie_state.is_some_and(|c| {
        !state.is_empty() && crypto::constant_time_eq(c.as_bytes(), state.as_bytes())
    });
    if !same_browser {
        return Err(SsoError::StateMismatch);
    }
    // The state is used once, whatever happens next.
    let key = state_key(org, state);
    let stored = store.get(&key).await?.ok_or(SsoError::StateUnknown)?;
    match store.delete(&key, Condition::Exists).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => return Err(SsoError::StateUnknown),
        Err(e) => return Err(e.into()),
    }
    let stored: SsoStateRecord = from_item(&stored).map_err(|_| SsoError::StateUnknown)?;
    if now.timestamp() >= stored.expires_at || stored.provider != provider.id {
        return Err(SsoError::StateUnknown);
    }
    if let Some(error) = &callback.error {
        return Err(SsoError::Refused(error.chars().take(100).collect()));
    }
    let code = callback
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SsoError::Refused("no code".into()))?;

    let issuer = provider.issuer().map_err(SsoError::Config)?;
    let endpoints = cache.endpoints(&issuer).await?;
    // A response naming another issuer came from another provider (a mix-up): its code is
    // not sent anywhere (RFC 9207 2.4). A multi-tenant issuer is checked on the token instead.
    if let Some(iss) = &callback.iss
        && *iss != endpoints.issuer
        && !endpoints.issuer.contains(provider::TENANT_PLACEHOLDER)
    {
        return Err(TokenError::IssuerMismatch {
            expected: endpoints.issuer.clone(),
            found: iss.chars().take(200).collect(),
        }
        .into());
    }
    let tokens = exchange::redeem_code(
        cache.http(),
        &endpoints,
        &provider.client_id,
        client_secret,
        code,
        &stored.redirect_uri,
        &stored.verifier,
    )
    .await?;

    let kid = id_token::key_id(&tokens.id_token)?;
    let key = cache
        .key(&endpoints.jwks, &kid)
        .await?
        .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
    let expected = id_token::Expected {
        kind: provider.kind,
        issuer: &endpoints.issuer,
        client_id: &provider.client_id,
        nonce: &stored.nonce,
        tenant: provider.tenant.as_deref(),
        domain: provider.domain.as_deref(),
    };
    let mut claims = id_token::check(&tokens.id_token, &key, &expected)?;
    if id_token::needs_userinfo(&claims)
        && let (Some(url), Some(access_token)) = (&endpoints.userinfo, &tokens.access_token)
    {
        let userinfo = exchange::userinfo(cache.http(), url, access_token).await?;
        claims = id_token::merge_userinfo(claims, &userinfo)?;
    }
    let identity = id_token::identity(claims, &expected)?;

    let person = match people::find_by_email(store, org, &identity.email).await {
        Ok(Some(p)) if p.active => p,
        Ok(_) => {
            tracing::info!(%org, provider = provider.id, "single sign-on for an unknown or inactive email");
            return Err(SsoError::NoAccount {
                email: identity.email,
            });
        }
        Err(PeopleError::Store(e)) => return Err(e.into()),
        Err(e) => {
            return Err(SsoError::Exchange {
                reason: e.to_string(),
                transient: false,
            });
        }
    };
    tracing::info!(%org, provider = provider.id, person_id = person.id, "signed in by single sign-on");
    Ok(person)
}

#[cfg(test)]
mod tests;
