//! Follow-up codes (how an anonymous sender reads their worry's status later) and form tokens
//! (the idempotency key and forgery check on the worry form).

use crate::crypto::{self, Secret};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// 25 characters of 5 bits: 125 bits of entropy, far beyond guessing.
const CODE_CHARS: usize = 25;

/// A follow-up code, shown once to the sender, stored only as a hash.
#[derive(Clone, PartialEq, Eq)]
pub struct FollowUpCode(String);

impl std::fmt::Debug for FollowUpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never in logs
        f.write_str("FollowUpCode(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("a follow-up code has 25 letters and numbers; this one has {0}")]
    WrongLength(usize),
    #[error(
        "a follow-up code only uses the letters and numbers it was given with; `{0}` is not one of them"
    )]
    BadCharacter(char),
}

impl FollowUpCode {
    /// Derives the code from the form token's nonce and what was sent: a retried submission of
    /// the same form gets the same code back, although the code itself is never stored.
    pub fn derive(secret: &Secret, org: &str, submission: &[u8]) -> FollowUpCode {
        let mac = secret.mac("follow-up-code", &[org.as_bytes(), submission]);
        let mut bits: u128 = u128::from_be_bytes(mac[..16].try_into().expect("16 bytes"));
        let mut chars = Vec::with_capacity(CODE_CHARS);
        for _ in 0..CODE_CHARS {
            chars.push(ALPHABET[(bits & 31) as usize]);
            bits >>= 5;
        }
        FollowUpCode(String::from_utf8(chars).expect("ASCII"))
    }

    /// Reads a code as a person typed it: any case, with or without spaces and hyphens, and the
    /// look-alikes I/L (for 1) and O (for 0).
    pub fn parse(input: &str) -> Result<FollowUpCode, CodeError> {
        let mut out = String::with_capacity(CODE_CHARS);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(CodeError::BadCharacter(c));
            }
            out.push(c);
        }
        if out.len() != CODE_CHARS {
            return Err(CodeError::WrongLength(out.len()));
        }
        Ok(FollowUpCode(out))
    }

    /// The code as shown: five groups of five.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(5)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What is stored: the SHA-256 of the canonical code.
    pub fn hash_hex(&self) -> String {
        crypto::sha256_hex(self.0.as_bytes())
    }
}

/// A token the server puts in the worry form: a random nonce and the time it was issued, signed.
/// It is the submission's idempotency key (a double click or a browser retry sends the same
/// token, and gets the same worry back) and proves the form came from this server.
pub struct FormToken;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the form token is malformed")]
    Malformed,
    #[error("the form token's signature does not match")]
    BadSignature,
    #[error("the form is too old")]
    Expired,
}

/// A token that verified: its nonce and issue time (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub nonce: [u8; 16],
    pub issued_at: i64,
}

impl FormToken {
    /// A form may take a long time to write; a week is generous and still bounds replay.
    pub const MAX_AGE_SECS: i64 = 7 * 24 * 3600;

    pub fn issue(secret: &Secret, purpose: &str, now_unix: i64) -> String {
        Self::issue_with_nonce(secret, purpose, now_unix, crypto::random_bytes::<16>())
    }

    fn issue_with_nonce(secret: &Secret, purpose: &str, now_unix: i64, nonce: [u8; 16]) -> String {
        let issued = now_unix.to_string();
        let mac = secret.mac(
            "form-token",
            &[purpose.as_bytes(), &nonce, issued.as_bytes()],
        );
        format!("{}.{issued}.{}", B64.encode(nonce), B64.encode(&mac[..16]))
    }

    pub fn verify(
        secret: &Secret,
        purpose: &str,
        token: &str,
        now_unix: i64,
    ) -> Result<VerifiedToken, TokenError> {
        if token.len() > 100 {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(nonce), Some(issued), Some(mac), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let nonce: [u8; 16] = B64
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or(TokenError::Malformed)?;
        let issued_at: i64 = issued.parse().map_err(|_| TokenError::Malformed)?;
        let mac = B64.decode(mac).map_err(|_| TokenError::Malformed)?;
        let expected = secret.mac(
            "form-token",
            &[purpose.as_bytes(), &nonce, issued.as_bytes()],
        );
        if !crypto::constant_time_eq(&mac, &expected[..16]) {
            return Err(TokenError::BadSignature);
        }
        if now_unix - issued_at > Self::MAX_AGE_SECS || issued_at - now_unix > 300 {
            return Err(TokenError::Expired);
        }
        Ok(VerifiedToken { nonce, issued_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret {
        Secret::new("test-secret-test-secret-test-secret").unwrap()
    }

    #[test]
    fn codes_are_25_characters_in_five_groups_and_parse_back_forgivingly() {
        let code = FollowUpCode::derive(&secret(), "demo", b"nonce");
        let shown = code.display();
        assert_eq!(shown.len(), 29);
        assert_eq!(shown.matches('-').count(), 4);
        let typed = format!("  {} ", shown.to_lowercase().replace('-', " "));
        assert_eq!(FollowUpCode::parse(&typed).unwrap(), code);
        assert_eq!(
            FollowUpCode::parse(&shown).unwrap().hash_hex(),
            code.hash_hex()
        );
    }

    #[test]
    fn codes_depend_on_the_form_and_the_organisation() {
        let a = FollowUpCode::derive(&secret(), "demo", b"one");
        assert_eq!(a, FollowUpCode::derive(&secret(), "demo", b"one"));
        assert_ne!(a, FollowUpCode::derive(&secret(), "demo", b"two"));
        assert_ne!(a, FollowUpCode::derive(&secret(), "other", b"one"));
    }

    #[test]
    fn malformed_codes_are_refused_with_a_reason() {
        assert_eq!(
            FollowUpCode::parse("ABC").unwrap_err(),
            CodeError::WrongLength(3)
        );
        assert_eq!(
            FollowUpCode::parse(&"U".repeat(25)).unwrap_err(),
            CodeError::BadCharacter('U')
        );
        assert_eq!(
            FollowUpCode::parse("ÅAAAA").unwrap_err(),
            CodeError::BadCharacter('Å')
        );
        assert_eq!(
            FollowUpCode::parse("").unwrap_err(),
            CodeError::WrongLength(0)
        );
    }

    #[test]
    fn form_tokens_verify_and_refuse_tampering_age_and_other_purposes() {
        let s = secret();
        let t = FormToken::issue(&s, "worry", 1_000_000);
        let v = FormToken::verify(&s, "worry", &t, 1_000_100).unwrap();
        assert_eq!(v.issued_at, 1_000_000);
        assert_eq!(
            FormToken::verify(&s, "other", &t, 1_000_100),
            Err(TokenError::BadSignature)
        );
        let tampered = t.replacen("1000000", "1000001", 1);
        assert_eq!(
            FormToken::verify(&s, "worry", &tampered, 1_000_100),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            FormToken::verify(&s, "worry", &t, 1_000_000 + FormToken::MAX_AGE_SECS + 1),
            Err(TokenError::Expired)
        );
        for bad in ["", "a.b", "a.b.c.d", "!!.1.x", &"x".repeat(200)] {
            assert_eq!(
                FormToken::verify(&s, "worry", bad, 1_000_100),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
        let other = Secret::new("another-secret-another-secret-xx").unwrap();
        assert_eq!(
            FormToken::verify(&other, "worry", &t, 1_000_100),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn same_nonce_gives_same_token() {
        let s = secret();
        assert_eq!(
            FormToken::issue_with_nonce(&s, "worry", 5, [1; 16]),
            FormToken::issue_with_nonce(&s, "worry", 5, [1; 16])
        );
    }
}
