//! CSRF tokens for the forms of signed-in people: a MAC of the session's `jti`, put in a hidden
//! field, so it works with JavaScript off. A page of another site cannot read it, and a token
//! taken from another session (or an old one) does not match.
//!
//! Stateless: nothing is stored; the token changes whenever the session is renewed (new `jti`),
//! so a form rendered just before a renewal is refused and shown again with what was typed.

use crate::crypto::{self, Secret};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

const PURPOSE: &str = "csrf";

/// The token for forms of the session with this `jti`.
pub fn token(secret: &Secret, session_jti: &str) -> String {
    B64.encode(secret.mac(PURPOSE, &[session_jti.as_bytes()]))
}

/// Whether the submitted token belongs to this session. Compares in constant time.
pub fn verify(secret: &Secret, session_jti: &str, submitted: &str) -> bool {
    let Ok(submitted) = B64.decode(submitted.trim()) else {
        return false;
    };
    !session_jti.is_empty()
        && crypto::constant_time_eq(&submitted, &secret.mac(PURPOSE, &[session_jti.as_bytes()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("csrf-tests-secret-csrf-tests-secret").unwrap()
    }

    #[test]
    fn a_token_verifies_only_for_its_own_session_and_secret() {
        let t = token(&secret(), "session-a");
        assert!(verify(&secret(), "session-a", &t));
        assert!(!verify(&secret(), "session-b", &t), "another session");
        let other = Secret::new("another-secret-another-secret-xx").unwrap();
        assert!(!verify(&other, "session-a", &t), "another secret");
        assert!(!verify(&secret(), "session-a", ""), "missing");
        assert!(!verify(&secret(), "session-a", "not base64!"), "garbage");
        let mut tampered = t.clone().into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        assert!(!verify(
            &secret(),
            "session-a",
            &String::from_utf8(tampered).unwrap()
        ));
    }

    #[test]
    fn a_csrf_token_is_not_another_purposes_mac() {
        // The same MAC made for another purpose does not pass.
        let other = B64.encode(secret().mac("rate-limit", &[b"session-a"]));
        assert!(!verify(&secret(), "session-a", &other));
    }
}
