//! ID token checks with tokens signed here by an RSA key of our own; the whole flow against a
//! real provider over HTTP is in `tests/sso.rs`.

use super::id_token::{self, Expected, TokenError};
use super::provider::rsa_signing_keys;
use crate::org::SsoKind;
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
        json!({"iss": "https://evil.example.org"}),
        json!({"iss": "https://idp.example.org/"}),
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
        json!({"email": null}),
        json!({"email": "not-an-address"}),
    ] {
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
    assert!(matches!(
        check(&token, &entra),
        Err(TokenError::WrongOrganisation(_))
    ));
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
    // A personal account (no hd), another Workspace, or an address outside the domain.
    for changes in [
        json!({"email": "pupil@gmail.com"}),
        json!({"hd": "other.example", "email": "pupil@other.example"}),
        json!({"hd": "school.example", "email": "pupil@other.example"}),
    ] {
        let token = sign(&with(claims(), changes.clone()));
        assert!(
            matches!(
                check(&token, &google),
                Err(TokenError::WrongOrganisation(_))
            ),
            "{changes}"
        );
    }
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
