//! Secrets, MACs, hashes and random values. One place, so every token in the platform is made
//! the same careful way.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The server's signing secret (from configuration, never from the repository).
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the secret must be at least 32 characters (it is {0})")]
pub struct SecretTooShort(pub usize);

impl Secret {
    pub const MIN_LEN: usize = 32;

    pub fn new(value: &str) -> Result<Secret, SecretTooShort> {
        let value = value.trim();
        if value.len() < Self::MIN_LEN {
            return Err(SecretTooShort(value.len()));
        }
        Ok(Secret(value.as_bytes().to_vec()))
    }

    /// A new random secret, hex encoded (for a local run's first start).
    pub fn generate_hex() -> String {
        hex(&random_bytes::<32>())
    }

    /// HMAC-SHA-256 over the parts, separated by purpose so a MAC made for one use is never
    /// valid for another.
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
        m.update(purpose.as_bytes());
        for part in parts {
            m.update(&(part.len() as u64).to_be_bytes());
            m.update(part);
        }
        m.finalize().into_bytes().into()
    }
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("the operating system provides randomness");
    out
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// SHA-256 in standard base64 (with padding): the form a Content-Security-Policy's
/// `'sha256-...'` source takes.
pub fn sha256_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(sha256(data))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without leaking where the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(Secret::new("short").unwrap_err(), SecretTooShort(5));
        assert!(Secret::new(&Secret::generate_hex()).is_ok());
    }

    #[test]
    fn macs_depend_on_purpose_and_part_boundaries() {
        let s = Secret::new(&"k".repeat(32)).unwrap();
        assert_ne!(s.mac("a", &[b"x"]), s.mac("b", &[b"x"]));
        assert_ne!(s.mac("a", &[b"ab", b"c"]), s.mac("a", &[b"a", b"bc"]));
        assert_eq!(s.mac("a", &[b"x"]), s.mac("a", &[b"x"]));
    }
}
