//! An ID token signed by another library (node's `jose`, installed with the e2e packages)
//! verifies with ours, and the same token with one claim changed does not: the verifier follows
//! the standard, not just our own signer.

use safety_core::identity::sso::id_token::{self, Expected, TokenError};
use safety_core::identity::sso::provider::rsa_signing_keys;
use safety_core::org::SsoKind;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

fn sign_with_jose(claims: &Value) -> (String, Value) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = root.join("e2e/tools/jose-id-token.mjs");
    assert!(
        root.join("e2e/node_modules/jose").is_dir(),
        "the jose package is missing: run `npm ci --prefix e2e` (scripts/prerequisites.sh does)"
    );
    let output = Command::new("node")
        .arg(&script)
        .arg(claims.to_string())
        .current_dir(root.join("e2e"))
        .output()
        .expect("node runs (scripts/prerequisites.sh installs it)");
    assert!(
        output.status.success(),
        "jose failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("jose prints JSON");
    (
        out["token"].as_str().unwrap().to_string(),
        out["jwk"].clone(),
    )
}

#[test]
fn a_token_signed_by_jose_verifies_and_a_wrong_nonce_does_not() {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "https://login.example.org", "aud": "platform", "sub": "jose-subject",
        "iat": now, "exp": now + 300, "nonce": "n-123",
        "email": "Someone@Example.org", "email_verified": true,
    });
    let (token, jwk) = sign_with_jose(&claims);
    let keys = rsa_signing_keys(&[jwk]);
    let key = &keys[&id_token::key_id(&token).unwrap()];
    let expected = Expected {
        kind: SsoKind::Oidc,
        issuer: "https://login.example.org",
        client_id: "platform",
        nonce: "n-123",
        tenant: None,
        domain: None,
    };
    let identity = id_token::verify(&token, key, &expected).unwrap();
    assert_eq!(identity.email, "someone@example.org");
    assert_eq!(identity.subject, "jose-subject");

    let other_nonce = Expected {
        nonce: "n-456",
        ..expected.clone()
    };
    assert_eq!(
        id_token::verify(&token, key, &other_nonce),
        Err(TokenError::Nonce)
    );
    let other_client = Expected {
        client_id: "another",
        ..expected
    };
    assert!(matches!(
        id_token::verify(&token, key, &other_client),
        Err(TokenError::Invalid(_))
    ));
}
