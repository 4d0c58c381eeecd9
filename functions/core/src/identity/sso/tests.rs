//! ID token checks with tokens signed here by an RSA key of our own; the whole flow against a
//! real provider over HTTP is in `tests/sso.rs`.

use super::exchange::token_request;
use super::id_token::{self, Expected, TokenError};
use super::provider::{
    ClientAuth, ProviderError, choose_client_auth, discovery_url, issuer_matches, parse_discovery,
    rsa_signing_keys,
};
use super::{Fault, SsoError};
use crate::org::{SsoKind, SsoProvider};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::sync::OnceLock;

const ISSUER: &str = "https://idp.example.org";
const CLIENT: &str = "web-client";
const NONCE: &str = "nonce-of-this-sign-in";

struct TestKey {
    private: rsa::RsaPrivateKey,
    jwk: Value,
}

/// One key for the whole module: generating RSA keys is slow in debug builds.
fn key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = private.to_public_key();
        let jwk = json!({
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1",
            "n": B64.encode(public.n().to_bytes_be()),
            "e": B64.encode(public.e().to_bytes_be()),
        });
        TestKey { private, jwk }
    })
}

fn decoding_key() -> DecodingKey {
    let keys = rsa_signing_keys(std::slice::from_ref(&key().jwk));
    (*keys["k1"]).clone()
}

fn sign(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("k1".into());
    let der = key().private.to_pkcs1_der().unwrap();
    crate::identity::jwt_crypto::install();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).unwrap()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": CLIENT, "sub": "subject-1",
        "iat": now(), "exp": now() + 300, "nonce": NONCE,
        "email": "Learner@Example.org", "email_verified": true, "name": "A Learner",
    })
}

fn with(mut c: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

fn expected() -> Expected<'static> {
    Expected {
        kind: SsoKind::Oidc,
        issuer: ISSUER,
        client_id: CLIENT,
        nonce: NONCE,
        tenant: None,
        domain: None,
    }
}

fn check(token: &str, expected: &Expected) -> Result<id_token::Identity, TokenError> {
    id_token::verify(token, &decoding_key(), expected)
}

#[test]
fn a_good_token_gives_the_lowercased_email() {
    let identity = check(&sign(&claims()), &expected()).unwrap();
    assert_eq!(identity.email, "learner@example.org");
    assert_eq!(identity.subject, "subject-1");
    assert_eq!(identity.name.as_deref(), Some("A Learner"));
    assert_eq!(id_token::key_id(&sign(&claims())).unwrap(), "k1");
}

#[test]
fn a_tampered_token_is_refused() {
    let token = sign(&claims());
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let forged = with(claims(), json!({"email": "dsl@example.org"}));
    parts[1] = B64.encode(serde_json::to_vec(&forged).unwrap());
    let tampered = parts.join(".");
    assert!(matches!(
        check(&tampered, &expected()),
        Err(TokenError::Invalid(_))
    ));
}

#[test]
fn expired_wrong_audience_and_wrong_issuer_tokens_are_refused() {
    let cases = [
        json!({"exp": now() - 3600, "iat": now() - 7200}),
        json!({"aud": "another-client"}),
        json!({"aud": ["another-client"]}),
        json!({"sub": null}),
        json!({"exp": null}),
        json!({"nbf": now() + 3600}),
    ];
    for changes in cases {
        let token = sign(&with(claims(), changes.clone()));
        assert!(
            matches!(check(&token, &expected()), Err(TokenError::Invalid(_))),
            "{changes}"
        );
    }
}

#[test]
fn a_token_from_a_few_seconds_in_the_future_is_accepted_within_the_leeway() {
    let token = sign(&with(
        claims(),
        json!({"iat": now() + 20, "nbf": now() + 20}),
    ));
    assert!(check(&token, &expected()).is_ok());
}

#[test]
fn several_audiences_need_the_authorised_party_to_be_us() {
    let token = sign(&with(claims(), json!({"aud": [CLIENT, "other"]})));
    assert!(matches!(
        check(&token, &expected()),
        Err(TokenError::Invalid(_))
    ));
    let token = sign(&with(
        claims(),
        json!({"aud": [CLIENT, "other"], "azp": CLIENT}),
    ));
    assert!(check(&token, &expected()).is_ok());
}

#[test]
fn the_nonce_must_be_this_sign_ins() {
    for changes in [json!({"nonce": "another"}), json!({"nonce": null})] {
        let token = sign(&with(claims(), changes));
        assert_eq!(check(&token, &expected()), Err(TokenError::Nonce));
    }
}

#[test]
fn alg_none_is_refused() {
    let header = B64.encode(br#"{"alg":"none","kid":"k1"}"#);
    let payload = B64.encode(serde_json::to_vec(&claims()).unwrap());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(
            check(&token, &expected()),
            Err(TokenError::Algorithm("none".into()))
        );
    }
}

#[test]
fn a_token_signed_with_hs256_using_the_public_key_as_secret_is_refused() {
    // The classic RS/HS confusion: the attacker knows the public key and uses it as an HMAC key.
    let public_pem = key()
        .private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    crate::identity::jwt_crypto::install();
    let token = jsonwebtoken::encode(
        &header,
        &claims(),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        check(&token, &expected()),
        Err(TokenError::Algorithm("HS256".into()))
    );
}

#[test]
fn a_token_without_a_key_id_or_not_a_jwt_is_refused() {
    let der = key().private.to_pkcs1_der().unwrap();
    crate::identity::jwt_crypto::install();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims(),
        &EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    assert_eq!(id_token::key_id(&token), Err(TokenError::NoKeyId));
    for junk in ["", "a.b", "not-a-token", "e30.e30.e30.e30"] {
        assert!(id_token::key_id(junk).is_err(), "{junk}");
    }
}

#[test]
fn an_unverified_or_missing_email_is_refused() {
    for changes in [
        json!({"email_verified": false}),
        json!({"email_verified": "false"}),
    ] {
        let token = sign(&with(claims(), changes.clone()));
        assert_eq!(
            check(&token, &expected()),
            Err(TokenError::EmailUnverified {
                email: "learner@example.org".into()
            }),
            "{changes}"
        );
    }
    for changes in [json!({"email": null}), json!({"email": "not-an-address"})] {
        let token = sign(&with(claims(), changes.clone()));
        assert_eq!(
            check(&token, &expected()),
            Err(TokenError::NoEmail),
            "{changes}"
        );
    }
}

#[test]
fn entra_tokens_must_come_from_the_organisations_tenant() {
    let entra = Expected {
        kind: SsoKind::Entra,
        tenant: Some("tenant-a"),
        ..expected()
    };
    let base = with(claims(), json!({"email": null, "email_verified": null}));
    let token = sign(&with(
        base.clone(),
        json!({"tid": "tenant-a", "preferred_username": "Staff@College.example"}),
    ));
    assert_eq!(
        check(&token, &entra).unwrap().email,
        "staff@college.example"
    );
    let token = sign(&with(
        base,
        json!({"tid": "tenant-b", "preferred_username": "staff@college.example"}),
    ));
    assert_eq!(
        check(&token, &entra),
        Err(TokenError::WrongTenant {
            expected: Some("tenant-a".into()),
            found: Some("tenant-b".into())
        })
    );
}

#[test]
fn google_tokens_must_come_from_the_workspace_domain() {
    let google = Expected {
        kind: SsoKind::Google,
        domain: Some("school.example"),
        ..expected()
    };
    let ok = sign(&with(
        claims(),
        json!({"hd": "school.example", "email": "pupil@school.example"}),
    ));
    assert!(check(&ok, &google).is_ok());
    // A personal account (no hd), another Workspace.
    for (changes, found) in [
        (json!({"email": "pupil@gmail.com"}), None),
        (
            json!({"hd": "other.example", "email": "pupil@other.example"}),
            Some("other.example"),
        ),
    ] {
        let token = sign(&with(claims(), changes.clone()));
        assert_eq!(
            check(&token, &google),
            Err(TokenError::WrongHostedDomain {
                expected: "school.example".into(),
                found: found.map(str::to_string)
            }),
            "{changes}"
        );
    }
    // The right Workspace but an address outside the domain.
    let token = sign(&with(
        claims(),
        json!({"hd": "school.example", "email": "pupil@other.example"}),
    ));
    assert!(matches!(
        check(&token, &google),
        Err(TokenError::EmailOutsideDomain { .. })
    ));
}

#[test]
fn only_rsa_signing_keys_are_taken_from_a_key_set() {
    let list = vec![
        key().jwk.clone(),
        with(key().jwk.clone(), json!({"kid": "enc", "use": "enc"})),
        with(key().jwk.clone(), json!({"kid": "ps", "alg": "PS256"})),
        json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}),
        json!({"kty": "RSA", "kid": "broken"}),
    ];
    let keys = rsa_signing_keys(&list);
    assert_eq!(keys.keys().collect::<Vec<_>>(), vec!["k1"]);
}

fn oidc_provider(issuer: &str) -> SsoProvider {
    SsoProvider {
        id: "idp".into(),
        label: "Sign in with the IdP".into(),
        kind: SsoKind::Oidc,
        issuer: Some(issuer.into()),
        tenant: None,
        domain: None,
        client_id: CLIENT.into(),
    }
}

fn discovery(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": "https://idp.example.org/auth",
        "token_endpoint": "https://idp.example.org/token",
        "jwks_uri": "https://idp.example.org/jwks",
        "userinfo_endpoint": "https://idp.example.org/me",
    })
}

#[test]
fn issuers_match_with_or_without_a_trailing_slash_and_tokens_carry_the_published_one() {
    for (configured, published) in [
        ("https://idp.example/", "https://idp.example/"),
        ("https://idp.example", "https://idp.example/"),
        ("https://idp.example/", "https://idp.example"),
        (
            "https://idp.example/tenant/v2.0",
            "https://idp.example/tenant/v2.0",
        ),
    ] {
        assert!(
            issuer_matches(configured, published),
            "{configured} {published}"
        );
        let endpoints = parse_discovery(configured, &discovery(published)).unwrap();
        assert_eq!(
            endpoints.issuer, published,
            "the issuer is kept as published"
        );
    }
    // The profile's issuer (org.rs drops a final `/`) still finds a provider publishing one.
    let provider = oidc_provider("https://idp.example.org/");
    let configured = provider.issuer().unwrap();
    assert!(issuer_matches(&configured, "https://idp.example.org/"));
    assert_eq!(
        discovery_url("https://idp.example/"),
        "https://idp.example/.well-known/openid-configuration"
    );
    assert_eq!(
        discovery_url("https://idp.example/realm"),
        "https://idp.example/realm/.well-known/openid-configuration"
    );

    for (configured, published) in [
        ("https://idp.example", "https://evil.example"),
        ("https://idp.example", "https://idp.example//"),
        ("https://idp.example/a", "https://idp.example/b"),
        ("https://idp.example", "http://idp.example"),
    ] {
        assert!(
            !issuer_matches(configured, published),
            "{configured} {published}"
        );
        assert!(matches!(
            parse_discovery(configured, &discovery(published)),
            Err(ProviderError::IssuerMismatch { .. })
        ));
    }

    // A token must carry the published issuer exactly: with the slash when it has one.
    let published = Expected {
        issuer: "https://idp.example.org/",
        ..expected()
    };
    let slash = sign(&with(claims(), json!({"iss": "https://idp.example.org/"})));
    assert!(check(&slash, &published).is_ok());
    assert_eq!(
        check(&sign(&claims()), &published),
        Err(TokenError::IssuerMismatch {
            expected: "https://idp.example.org/".into(),
            found: "https://idp.example.org".into()
        })
    );
    assert!(matches!(
        check(&slash, &expected()),
        Err(TokenError::IssuerMismatch { .. })
    ));
    let evil = sign(&with(claims(), json!({"iss": "https://evil.example.org"})));
    assert!(matches!(
        check(&evil, &expected()),
        Err(TokenError::IssuerMismatch { .. })
    ));
}

#[test]
fn the_client_auth_method_comes_from_discovery() {
    let choose = |v: Option<Value>| choose_client_auth(v.as_ref());
    assert_eq!(
        choose(None).unwrap(),
        ClientAuth::Basic,
        "the spec's default"
    );
    assert_eq!(
        choose(Some(json!(["client_secret_post", "client_secret_basic"]))).unwrap(),
        ClientAuth::Basic
    );
    assert_eq!(
        choose(Some(json!(["private_key_jwt", "client_secret_post"]))).unwrap(),
        ClientAuth::Post
    );
    assert!(matches!(
        choose(Some(json!(["private_key_jwt"]))),
        Err(ProviderError::NoClientAuth(_))
    ));
    assert!(matches!(
        choose(Some(json!("client_secret_basic"))),
        Err(ProviderError::BadDiscovery(_))
    ));
    let mut doc = discovery(ISSUER);
    doc["token_endpoint_auth_methods_supported"] = json!(["client_secret_post"]);
    assert_eq!(
        parse_discovery(ISSUER, &doc).unwrap().client_auth,
        ClientAuth::Post
    );

    // Basic: the form-encoded id and secret (RFC 6749 2.3.1), nothing secret in the form.
    let (body, header) = token_request(
        ClientAuth::Basic,
        "web client",
        "s3:cr+t/é",
        "c",
        "https://r",
        "v",
    );
    assert_eq!(
        header.unwrap(),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("web+client:s3%3Acr%2Bt%2F%C3%A9")
        )
    );
    assert!(
        !body.contains("client_secret") && !body.contains("client_id"),
        "{body}"
    );
    assert!(body.contains("code_verifier=v") && body.contains("grant_type=authorization_code"));
    let (body, header) = token_request(
        ClientAuth::Post,
        "web-client",
        "secret",
        "c",
        "https://r",
        "v",
    );
    assert!(header.is_none());
    assert!(body.contains("client_id=web-client") && body.contains("client_secret=secret"));
}

#[test]
fn entra_multi_tenant_issuers_take_the_tokens_tenant_which_must_be_the_configured_one() {
    let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
    assert!(issuer_matches(
        "https://login.microsoftonline.com/organizations/v2.0",
        template
    ));
    assert!(issuer_matches(
        "https://login.microsoftonline.com/tenant-a/v2.0",
        template
    ));
    assert!(!issuer_matches(
        "https://login.microsoftonline.com/a/b/v2.0",
        template
    ));
    assert!(!issuer_matches(
        "https://evil.example/tenant-a/v2.0",
        template
    ));

    let entra = Expected {
        kind: SsoKind::Entra,
        issuer: template,
        tenant: Some("tenant-a"),
        ..expected()
    };
    let good = with(
        claims(),
        json!({"iss": "https://login.microsoftonline.com/tenant-a/v2.0", "tid": "tenant-a"}),
    );
    assert_eq!(check(&sign(&good), &entra).unwrap().subject, "subject-1");
    // Another tenant, whatever its token says its issuer is.
    let other = with(
        claims(),
        json!({"iss": "https://login.microsoftonline.com/tenant-b/v2.0", "tid": "tenant-b"}),
    );
    assert_eq!(
        check(&sign(&other), &entra),
        Err(TokenError::WrongTenant {
            expected: Some("tenant-a".into()),
            found: Some("tenant-b".into())
        })
    );
    // The configured tenant's tid with another tenant's issuer, or the template itself.
    for iss in ["https://login.microsoftonline.com/tenant-b/v2.0", template] {
        let token = sign(&with(claims(), json!({"iss": iss, "tid": "tenant-a"})));
        assert!(
            matches!(
                check(&token, &entra),
                Err(TokenError::IssuerMismatch { .. })
            ),
            "{iss}"
        );
    }
    // No tid at all, or no tenant configured for a multi-tenant issuer.
    let no_tid = with(good.clone(), json!({"tid": null}));
    assert!(matches!(
        check(&sign(&no_tid), &entra),
        Err(TokenError::WrongTenant { found: None, .. })
    ));
    let unconfigured = Expected {
        kind: SsoKind::Oidc,
        tenant: None,
        ..entra.clone()
    };
    assert!(matches!(
        check(&sign(&good), &unconfigured),
        Err(TokenError::WrongTenant { expected: None, .. })
    ));
}

#[test]
fn google_tokens_may_name_the_issuer_without_the_scheme() {
    let google = Expected {
        kind: SsoKind::Google,
        issuer: "https://accounts.google.com",
        domain: Some("school.example"),
        ..expected()
    };
    for iss in ["https://accounts.google.com", "accounts.google.com"] {
        let token = sign(&with(
            claims(),
            json!({"iss": iss, "hd": "School.Example", "email": "pupil@school.example"}),
        ));
        assert!(check(&token, &google).is_ok(), "{iss}");
    }
    // Only for Google.
    let bare = sign(&with(claims(), json!({"iss": "idp.example.org"})));
    assert!(matches!(
        check(&bare, &expected()),
        Err(TokenError::IssuerMismatch { .. })
    ));
}

fn claims_only_in_userinfo() -> id_token::TokenClaims {
    let token = sign(&with(
        claims(),
        json!({"email": null, "email_verified": null, "name": null}),
    ));
    let claims = id_token::check(&token, &decoding_key(), &expected()).unwrap();
    assert!(id_token::needs_userinfo(&claims));
    claims
}

#[test]
fn claims_missing_from_the_token_come_from_userinfo_about_the_same_subject() {
    let only = claims_only_in_userinfo();
    assert_eq!(
        id_token::identity(only.clone(), &expected()),
        Err(TokenError::NoEmail),
        "without UserInfo there is no address"
    );
    let userinfo = json!({
        "sub": "subject-1", "email": "Learner@Example.org", "email_verified": true, "name": "A Learner",
    });
    let merged = id_token::merge_userinfo(only.clone(), &userinfo).unwrap();
    let identity = id_token::identity(merged, &expected()).unwrap();
    assert_eq!(identity.email, "learner@example.org");
    assert_eq!(identity.name.as_deref(), Some("A Learner"));

    // UserInfo about someone else, or about nobody: refused (OpenID Connect Core 5.3.2).
    for other in [
        json!({"sub": "subject-2", "email": "dsl@example.org", "email_verified": true}),
        json!({"email": "dsl@example.org", "email_verified": true}),
        json!({"sub": 1, "email": "dsl@example.org"}),
    ] {
        assert!(
            matches!(
                id_token::merge_userinfo(only.clone(), &other),
                Err(TokenError::SubjectMismatch { .. })
            ),
            "{other}"
        );
    }
    // UserInfo's address not verified, or no address there either.
    let unverified =
        json!({"sub": "subject-1", "email": "learner@example.org", "email_verified": false});
    let merged = id_token::merge_userinfo(only.clone(), &unverified).unwrap();
    assert_eq!(
        id_token::identity(merged, &expected()),
        Err(TokenError::EmailUnverified {
            email: "learner@example.org".into()
        })
    );
    let bare = id_token::merge_userinfo(only, &json!({"sub": "subject-1"})).unwrap();
    assert_eq!(
        id_token::identity(bare, &expected()),
        Err(TokenError::NoEmail)
    );

    // A token with its own address does not need UserInfo, and keeps its own claims.
    let full = id_token::check(&sign(&claims()), &decoding_key(), &expected()).unwrap();
    assert!(!id_token::needs_userinfo(&full));
}

#[test]
fn permanent_faults_say_what_to_tell_it_and_transient_ones_say_try_again() {
    use crate::http_client::FetchError;
    let label = "Sign in with the IdP";
    let permanent = [
        SsoError::Token(TokenError::NoEmail),
        SsoError::Token(TokenError::EmailUnverified {
            email: "a@b.example".into(),
        }),
        SsoError::Token(TokenError::IssuerMismatch {
            expected: "https://a.example".into(),
            found: "https://b.example".into(),
        }),
        SsoError::Provider(ProviderError::IssuerMismatch {
            configured: "https://a.example".into(),
            published: "https://a.example/x".into(),
        }),
        SsoError::Token(TokenError::WrongTenant {
            expected: Some("t-a".into()),
            found: Some("t-b".into()),
        }),
        SsoError::Token(TokenError::WrongHostedDomain {
            expected: "school.example".into(),
            found: None,
        }),
        SsoError::Token(TokenError::SubjectMismatch { found: None }),
        SsoError::ClientRejected("status 401: invalid_client".into()),
        SsoError::Provider(ProviderError::NoClientAuth("private_key_jwt".into())),
        SsoError::Provider(ProviderError::Status {
            what: "discovery document",
            status: 404,
        }),
        SsoError::Token(TokenError::Invalid("InvalidSignature".into())),
    ];
    let mut messages = std::collections::HashSet::new();
    for e in &permanent {
        let m = e.user_message(label);
        assert!(
            matches!(e.fault(), Fault::Account | Fault::ProviderSetup),
            "{e}: {:?}",
            e.fault()
        );
        assert!(!m.to_lowercase().contains("try again"), "{e}: {m}");
        assert!(m.contains("IT team"), "{e}: {m}");
        assert!(
            messages.insert(m.clone()),
            "each fault has its own message: {m}"
        );
    }
    assert!(permanent[0].user_message(label).contains("email claim"));
    assert!(permanent[1].user_message(label).contains("not verified"));
    assert!(
        permanent[2]
            .user_message(label)
            .contains("https://b.example")
    );
    assert!(permanent[4].user_message(label).contains("t-b"));
    assert!(
        permanent[5]
            .user_message(label)
            .contains("personal account")
    );

    let url = "https://idp.example/token".to_string();
    let transient = [
        SsoError::Provider(ProviderError::Fetch(FetchError::Timeout {
            url: url.clone(),
        })),
        SsoError::Provider(ProviderError::Fetch(FetchError::Unreachable {
            url: url.clone(),
            reason: "connection refused".into(),
        })),
        SsoError::Provider(ProviderError::Fetch(FetchError::NotJson {
            url: url.clone(),
            status: 502,
        })),
        SsoError::Provider(ProviderError::Status {
            what: "key set (JWKS)",
            status: 503,
        }),
        SsoError::Exchange {
            reason: "timeout".into(),
            transient: true,
        },
        SsoError::UserInfo {
            reason: "status 500".into(),
            transient: true,
        },
        SsoError::Token(TokenError::UnknownKey("k9".into())),
    ];
    for e in &transient {
        assert_eq!(e.fault(), Fault::Transient, "{e}");
        assert!(
            e.user_message(label).contains("try again in a minute"),
            "{e}"
        );
    }
}
