//! Certificates of completion, checkable by anyone with the code (an employer, an inspector).
//!
//! The code is 16 characters of Crockford's base32 (80 random bits from the operating
//! system's CSPRNG), shown as four groups of four. The store keeps only its SHA-256, under
//! `ORG#<org>#CERT#<sha256(code)>`, with the three things a check reveals: the person's name,
//! what they completed, and when. Nothing else about the person is reachable from a code.

use super::LearningError;
use crate::crypto;
use crate::dates;
use crate::keys;
use crate::org::OrgId;
use crate::store::record::{Record, from_item, to_item};
use crate::store::{Item, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Crockford's base32: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_CHARS: usize = 16;

#[derive(Clone, PartialEq, Eq)]
pub struct CertificateCode(String);

impl std::fmt::Debug for CertificateCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CertificateCode(..)")
    }
}

impl CertificateCode {
    /// A new random code.
    pub fn generate() -> CertificateCode {
        let bytes = crypto::random_bytes::<10>();
        let mut bits = bytes.iter().fold(0u128, |acc, b| (acc << 8) | *b as u128);
        let mut out = Vec::with_capacity(CODE_CHARS);
        for _ in 0..CODE_CHARS {
            out.push(ALPHABET[(bits & 31) as usize]);
            bits >>= 5;
        }
        CertificateCode(String::from_utf8(out).expect("ASCII"))
    }

    /// Reads a code as typed: any case, spaces and hyphens ignored, I/L read as 1 and O as 0.
    pub fn parse(input: &str) -> Option<CertificateCode> {
        let mut out = String::with_capacity(CODE_CHARS);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() >= CODE_CHARS {
                return None;
            }
            out.push(c);
        }
        (out.len() == CODE_CHARS).then_some(CertificateCode(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Four groups of four: `7K2M-9QXD-...`.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }

    pub fn hash_hex(&self) -> String {
        crypto::sha256_hex(self.0.as_bytes())
    }
}

/// What checking a certificate shows: nothing more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCertificate {
    pub name: String,
    /// The module's title and version.
    pub what: String,
    pub when: DateTime<Utc>,
}

impl VerifiedCertificate {
    /// The date in UK time, as shown.
    pub fn when_shown(&self) -> String {
        dates::show_date(self.when)
    }
}

/// A certificate by the hash of its verification code (`keys::certificate`): what the public
/// check shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateRecord {
    pub name: String,
    pub what: String,
    /// The completion's time (RFC 3339).
    pub when: String,
}

impl Record for CertificateRecord {
    const TYPE: &'static str = "certificate";
}

pub(crate) fn certificate_item(
    org: &OrgId,
    code: &CertificateCode,
    name: &str,
    what: &str,
    when: &str,
) -> Item {
    to_item(
        &keys::certificate(org, &code.hash_hex()),
        &CertificateRecord {
            name: name.to_string(),
            what: what.to_string(),
            when: when.to_string(),
        },
    )
}

/// The certificate with this code in the organisation: name, what, when. 1 read.
pub async fn verify_certificate<S: Store>(
    store: &S,
    org: &OrgId,
    code: &str,
) -> Result<VerifiedCertificate, LearningError> {
    let code = CertificateCode::parse(code).ok_or(LearningError::CertificateNotFound)?;
    let item = store
        .get(&keys::certificate(org, &code.hash_hex()))
        .await?
        .ok_or(LearningError::CertificateNotFound)?;
    let r: CertificateRecord =
        from_item(&item).map_err(|e| LearningError::Corrupt(e.to_string()))?;
    Ok(VerifiedCertificate {
        when: dates::parse(&r.when)
            .ok_or_else(|| LearningError::Corrupt("certificate `when`".into()))?,
        name: r.name,
        what: r.what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sixteen_crockford_characters_and_read_back_as_typed() {
        let a = CertificateCode::generate();
        let b = CertificateCode::generate();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), CODE_CHARS);
        assert!(a.as_str().bytes().all(|c| ALPHABET.contains(&c)));
        assert_eq!(CertificateCode::parse(&a.display()), Some(a.clone()));
        assert_eq!(
            CertificateCode::parse(&a.display().to_lowercase()),
            Some(a.clone())
        );
        assert_eq!(
            CertificateCode::parse("0I2L-4567-89AB-CDEF")
                .unwrap()
                .as_str(),
            "0121456789ABCDEF"
        );
        assert_eq!(
            CertificateCode::parse("oooo oooo oooo oooo")
                .unwrap()
                .as_str(),
            "0000000000000000"
        );
        for bad in [
            "",
            "0123",
            "0123456789ABCDEFG",
            "0123456789ABCDEU",
            "0123456789ABCDE!",
        ] {
            assert_eq!(CertificateCode::parse(bad), None, "{bad}");
        }
        assert_eq!(format!("{a:?}"), "CertificateCode(..)");
    }
}
