use super::*;
use crate::identity::people::deactivate;
use crate::identity::session::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::Duration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

const SECRET_1: &str = "session-key-one-session-key-one-0000";
const SECRET_0: &str = "session-key-zero-session-key-zero-000";

fn keys() -> SessionKeys {
    SessionKeys::from_config(&format!("k1:{SECRET_1}, k0:{SECRET_0}")).unwrap()
}

fn claims_json(p: &Person, iat: i64) -> serde_json::Value {
    json!({
        "sub": p.id, "org": p.org.as_str(), "roles": ["learner"], "epoch": p.session_epoch,
        "iat": iat, "exp": iat + 3600, "iss": ISSUER, "aud": AUDIENCE, "jti": "j1",
    })
}

/// A token made outside `issue`, signed with HS256 and one of our secrets.
fn hs256(kid: Option<&str>, secret: &str, claims: &serde_json::Value) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = kid.map(str::to_string);
    crate::identity::jwt_crypto::install();
    jsonwebtoken::encode(&h, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn b64(v: &serde_json::Value) -> String {
    B64.encode(serde_json::to_vec(v).unwrap())
}

#[test]
fn key_configuration_is_checked() {
    let k = keys();
    assert_eq!(k.current.kid(), "k1");
    assert_eq!(k.previous.len(), 1);
    assert_eq!(k.previous[0].kid(), "k0");
    // A secret may contain `:`.
    assert!(SessionKeys::from_config(&format!("a:{SECRET_1}:x")).is_ok());
    assert_eq!(
        SessionKeys::from_config(" , ").unwrap_err(),
        KeyConfigError::Empty
    );
    assert_eq!(
        SessionKeys::from_config(SECRET_1).unwrap_err(),
        KeyConfigError::NotKidAndSecret { position: 1 }
    );
    assert_eq!(
        SessionKeys::from_config("k1:short").unwrap_err(),
        KeyConfigError::SecretTooShort {
            kid: "k1".into(),
            len: 5,
            min: 32
        }
    );
    assert_eq!(
        SessionKeys::from_config(&format!("k1:{SECRET_1},k 2:{SECRET_0}")).unwrap_err(),
        KeyConfigError::BadKid { position: 2 }
    );
    assert_eq!(
        SessionKeys::from_config(&format!("k1:{SECRET_1},k1:{SECRET_0}")).unwrap_err(),
        KeyConfigError::DuplicateKid("k1".into())
    );
    // Neither the error nor the debug output shows a secret.
    assert!(!format!("{k:?}").contains(SECRET_1));
}

#[tokio::test]
async fn an_issued_token_verifies_and_renews_after_half_its_life() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let token = issue(&keys(), &p, now(), Duration::minutes(60)).unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(
        (header.alg, header.kid.as_deref()),
        (Algorithm::HS256, Some("k1"))
    );
    let claims = verify(&keys(), &token, now() + Duration::minutes(1)).unwrap();
    assert_eq!(claims.sub, p.id);
    assert_eq!(claims.org, "college-a");
    assert_eq!(claims.roles, vec![Role::Learner]);
    assert_eq!(
        (claims.iss.as_str(), claims.aud.as_str()),
        (ISSUER, AUDIENCE)
    );
    assert_eq!(claims.exp - claims.iat, 3600);
    assert!(!needs_renewal(&claims, now() + Duration::minutes(30)));
    assert!(needs_renewal(&claims, now() + Duration::minutes(31)));
    assert_eq!(check_live(&store, &claims).await.unwrap(), p);
    // Two sessions never share a jti (CSRF tokens are bound to it).
    let other = verify(
        &keys(),
        &issue(&keys(), &p, now(), DEFAULT_TTL).unwrap(),
        now(),
    )
    .unwrap();
    assert_ne!(other.jti, claims.jti);
    assert!(issue(&keys(), &p, now(), Duration::hours(13)).is_err());
}

#[tokio::test]
async fn tampered_expired_and_misdirected_tokens_are_refused() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let token = issue(&keys(), &p, now(), Duration::minutes(60)).unwrap();
    let parts: Vec<&str> = token.split('.').collect();

    // Payload changed to make the learner an admin, signature kept.
    let mut claims: serde_json::Value =
        serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    claims["roles"] = json!(["admin"]);
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_eq!(
        verify(&keys(), &tampered, now()),
        Err(SessionError::BadSignature)
    );

    // Signature changed (first character: the last one may only hold padding bits).
    let mut sig = parts[2].to_string().into_bytes();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    let bad_sig = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(sig).unwrap()
    );
    assert_eq!(
        verify(&keys(), &bad_sig, now()),
        Err(SessionError::BadSignature)
    );

    // Expired: at and after `exp`.
    assert_eq!(
        verify(&keys(), &token, now() + Duration::minutes(60)),
        Err(SessionError::Expired)
    );
    assert_eq!(
        verify(&keys(), &token, now() + Duration::days(2)),
        Err(SessionError::Expired)
    );

    let iat = now().timestamp();
    let mut wrong_aud = claims_json(&p, iat);
    wrong_aud["aud"] = json!("oidc-client");
    assert_eq!(
        verify(&keys(), &hs256(Some("k1"), SECRET_1, &wrong_aud), now()),
        Err(SessionError::WrongAudience)
    );
    let mut wrong_iss = claims_json(&p, iat);
    wrong_iss["iss"] = json!("https://login.example.com");
    assert_eq!(
        verify(&keys(), &hs256(Some("k1"), SECRET_1, &wrong_iss), now()),
        Err(SessionError::WrongIssuer)
    );
    // The right claims signed by hand verify: the refusals above are about aud and iss.
    assert!(
        verify(
            &keys(),
            &hs256(Some("k1"), SECRET_1, &claims_json(&p, iat)),
            now()
        )
        .is_ok()
    );
    // Signed by a key we do not know, under a kid we do.
    assert_eq!(
        verify(
            &keys(),
            &hs256(
                Some("k1"),
                "an-attackers-secret-an-attackers-secret",
                &claims_json(&p, iat)
            ),
            now()
        ),
        Err(SessionError::BadSignature)
    );
    // Lifetimes over the maximum are refused even when signed.
    let mut long = claims_json(&p, iat);
    long["exp"] = json!(iat + 13 * 3600);
    assert_eq!(
        verify(&keys(), &hs256(Some("k1"), SECRET_1, &long), now()),
        Err(SessionError::Malformed)
    );
    for garbage in ["", "a.b", "a.b.c", "....", &"x".repeat(5000)] {
        assert_eq!(
            verify(&keys(), garbage, now()),
            Err(SessionError::Malformed),
            "{garbage}"
        );
    }
}

#[tokio::test]
async fn unknown_or_missing_kids_are_refused_and_rotation_works() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let claims = claims_json(&p, now().timestamp());
    assert_eq!(
        verify(&keys(), &hs256(Some("k9"), SECRET_1, &claims), now()),
        Err(SessionError::UnknownKey)
    );
    assert_eq!(
        verify(&keys(), &hs256(None, SECRET_1, &claims), now()),
        Err(SessionError::UnknownKey)
    );

    // Rotation: a token signed with the key that is now previous still verifies...
    let before = SessionKeys::from_config(&format!("k0:{SECRET_0}")).unwrap();
    let old = issue(&before, &p, now(), DEFAULT_TTL).unwrap();
    assert!(verify(&keys(), &old, now()).is_ok());
    // ...and once that key is removed from the configuration, it does not.
    let after = SessionKeys::from_config(&format!("k1:{SECRET_1}")).unwrap();
    assert_eq!(verify(&after, &old, now()), Err(SessionError::UnknownKey));
    // A kid is bound to its own secret: k0's token relabelled as k1 fails.
    assert_eq!(
        verify(&keys(), &hs256(Some("k1"), SECRET_0, &claims), now()),
        Err(SessionError::BadSignature)
    );
}

#[tokio::test]
async fn alg_none_rs256_and_hs_rs_confusion_are_refused() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let claims = claims_json(&p, now().timestamp());

    // `alg: none`, built by hand, with and without a signature part.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "k1", "typ": "JWT"})),
        b64(&claims)
    );
    assert_eq!(verify(&keys(), &none, now()), Err(SessionError::Malformed));
    let none_upper = format!(
        "{}.{}.",
        b64(&json!({"alg": "None", "kid": "k1"})),
        b64(&claims)
    );
    assert_eq!(
        verify(&keys(), &none_upper, now()),
        Err(SessionError::Malformed)
    );
    assert_eq!(
        verify(
            &keys(),
            &format!(
                "{}.{}",
                b64(&json!({"alg": "none", "kid": "k1"})),
                b64(&claims)
            ),
            now()
        ),
        Err(SessionError::Malformed)
    );

    // A real RS256 token from a key generated now, under a kid we know.
    use rsa::pkcs1::EncodeRsaPrivateKey;
    let rsa_key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let der = rsa_key.to_pkcs1_der().unwrap();
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("k1".into());
    crate::identity::jwt_crypto::install();
    let rs256 =
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_rsa_der(der.as_bytes())).unwrap();
    assert_eq!(
        verify(&keys(), &rs256, now()),
        Err(SessionError::WrongAlgorithm)
    );

    // HS/RS confusion: header says RS256, signature is an HMAC with our own secret.
    let signing_input = format!(
        "{}.{}",
        b64(&json!({"alg": "RS256", "kid": "k1", "typ": "JWT"})),
        b64(&claims)
    );
    let mac = {
        use hmac::{Hmac, Mac};
        let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SECRET_1.as_bytes()).unwrap();
        m.update(signing_input.as_bytes());
        m.finalize().into_bytes()
    };
    let confused = format!("{signing_input}.{}", B64.encode(mac));
    assert_eq!(
        verify(&keys(), &confused, now()),
        Err(SessionError::WrongAlgorithm)
    );

    // Other HMAC strengths and ES256 headers are refused too: exactly one algorithm.
    let mut h512 = Header::new(Algorithm::HS512);
    h512.kid = Some("k1".into());
    crate::identity::jwt_crypto::install();
    let hs512 = jsonwebtoken::encode(
        &h512,
        &claims,
        &EncodingKey::from_secret(SECRET_1.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        verify(&keys(), &hs512, now()),
        Err(SessionError::WrongAlgorithm)
    );
    let es = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "ES256", "kid": "k1"})),
        b64(&claims),
        B64.encode([0u8; 64])
    );
    assert_eq!(
        verify(&keys(), &es, now()),
        Err(SessionError::WrongAlgorithm)
    );
}

#[tokio::test]
async fn a_deactivated_persons_session_fails_the_live_check() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let token = issue(&keys(), &p, now(), DEFAULT_TTL).unwrap();
    let claims = verify(&keys(), &token, now()).unwrap();
    assert!(check_live(&store, &claims).await.is_ok());
    let off = deactivate(&store, &org_a(), &p.id).await.unwrap();
    // The token itself is still well signed; the server refuses it.
    let claims = verify(&keys(), &token, now()).unwrap();
    assert_eq!(
        check_live(&store, &claims).await,
        Err(SessionError::Revoked)
    );
    // And no new session is issued for them.
    assert_eq!(
        issue(&keys(), &off, now(), DEFAULT_TTL),
        Err(SessionError::Revoked)
    );
    // A session naming a person of another organisation finds nobody.
    let mut moved = claims.clone();
    moved.org = org_b().as_str().into();
    assert_eq!(check_live(&store, &moved).await, Err(SessionError::Revoked));
}

/// Not an assertion: prints how long verification takes (build profile as compiled).
#[tokio::test]
async fn token_verification_time() {
    let (_d, store) = store();
    let p = ada(&store, &org_a()).await;
    let keys = keys();
    let token = issue(&keys, &p, now(), DEFAULT_TTL).unwrap();
    let n = 20_000u32;
    let started = std::time::Instant::now();
    for _ in 0..n {
        verify(&keys, &token, now()).unwrap();
    }
    let per = started.elapsed() / n;
    let started = std::time::Instant::now();
    for _ in 0..1000 {
        check_live(&store, &verify(&keys, &token, now()).unwrap())
            .await
            .unwrap();
    }
    let live = started.elapsed() / 1000;
    eprintln!(
        "FIGURE token verification: {per:?} per verify ({n} runs); verify + check_live on the embedded store: {live:?}; token is {} bytes",
        token.len()
    );
}
