//! The signatures of the JSON web tokens (the session cookie, HS256; a provider's ID token, RS256),
//! made and checked with `ring`, the cryptography the TLS stack already brings, instead of
//! jsonwebtoken's RustCrypto provider (its RSA, elliptic-curve and Ed25519 crates: about
//! 0.3 MB of the web function's binary, issue 23).
//!
//! The HMAC and RSA families: HS256/384/512, RS256/384/512 and PS256/384/512. The elliptic-curve
//! and Ed25519 algorithms are refused (`InvalidAlgorithm`): nothing here issues or accepts them
//! (the session accepts HS256 only, a provider's ID token RS256 only). As with jsonwebtoken's
//! own providers, a key of the other family is refused (`InvalidKeyFormat`), so an RSA public
//! key can never be used as an HMAC secret. RSA keys are 2048 to 8192 bits (ring's limits; the
//! identity providers' keys are 2048).
//!
//! [`install`] puts the provider in place for the process; the session and ID-token code calls
//! it before each use of jsonwebtoken (cheap after the first time).

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use ring::{hmac, rand, signature as ring_sig};

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    // Only the JWK helpers (a JWK made from a private key, thumbprints) use these; nothing here
    // calls them.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this module jsonwebtoken's provider for the process, if none is yet.
pub fn install() {
    // Err only when it is already installed (by an earlier call): nothing to do.
    let _ = PROVIDER.install_default();
}

fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HS256 => Some(hmac::HMAC_SHA256),
        Algorithm::HS384 => Some(hmac::HMAC_SHA384),
        Algorithm::HS512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

fn rsa_signing(alg: Algorithm) -> Option<&'static dyn ring_sig::RsaEncoding> {
    match alg {
        Algorithm::RS256 => Some(&ring_sig::RSA_PKCS1_SHA256),
        Algorithm::RS384 => Some(&ring_sig::RSA_PKCS1_SHA384),
        Algorithm::RS512 => Some(&ring_sig::RSA_PKCS1_SHA512),
        Algorithm::PS256 => Some(&ring_sig::RSA_PSS_SHA256),
        Algorithm::PS384 => Some(&ring_sig::RSA_PSS_SHA384),
        Algorithm::PS512 => Some(&ring_sig::RSA_PSS_SHA512),
        _ => None,
    }
}

fn rsa_verifying(alg: Algorithm) -> Option<&'static ring_sig::RsaParameters> {
    match alg {
        Algorithm::RS256 => Some(&ring_sig::RSA_PKCS1_2048_8192_SHA256),
        Algorithm::RS384 => Some(&ring_sig::RSA_PKCS1_2048_8192_SHA384),
        Algorithm::RS512 => Some(&ring_sig::RSA_PKCS1_2048_8192_SHA512),
        Algorithm::PS256 => Some(&ring_sig::RSA_PSS_2048_8192_SHA256),
        Algorithm::PS384 => Some(&ring_sig::RSA_PSS_2048_8192_SHA384),
        Algorithm::PS512 => Some(&ring_sig::RSA_PSS_2048_8192_SHA512),
        _ => None,
    }
}

fn new_signer(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    let alg = *alg;
    if let Some(h) = hmac_algorithm(alg) {
        if key.family() != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        return Ok(Box::new(Hmac {
            alg,
            key: hmac::Key::new(h, key.as_bytes()),
        }));
    }
    if let Some(encoding) = rsa_signing(alg) {
        if key.family() != AlgorithmFamily::Rsa {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        // EncodingKey::from_rsa_der / from_rsa_pem hold a PKCS#1 RSAPrivateKey.
        let pair = ring_sig::RsaKeyPair::from_der(key.as_bytes())
            .map_err(|e| ErrorKind::InvalidRsaKey(e.to_string()))?;
        return Ok(Box::new(RsaSigner {
            alg,
            pair,
            encoding,
        }));
    }
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn new_verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let alg = *alg;
    if let Some(h) = hmac_algorithm(alg) {
        if key.family() != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let secret = key.try_get_as_bytes()?;
        return Ok(Box::new(Hmac {
            alg,
            key: hmac::Key::new(h, secret),
        }));
    }
    if let Some(params) = rsa_verifying(alg) {
        if key.family() != AlgorithmFamily::Rsa {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        let public = match key.kind() {
            // A PKCS#1 RSAPublicKey (DecodingKey::from_rsa_der / from_rsa_pem).
            DecodingKeyKind::SecretOrDer(der) => RsaPublic::Der(der.clone()),
            // A JWK's `n` and `e` (DecodingKey::from_rsa_components): ring wants them without
            // leading zero bytes, which a JWK may carry.
            DecodingKeyKind::RsaModulusExponent { n, e } => RsaPublic::Components {
                n: without_leading_zeros(n),
                e: without_leading_zeros(e),
            },
        };
        return Ok(Box::new(RsaVerifier {
            alg,
            public,
            params,
        }));
    }
    Err(ErrorKind::InvalidAlgorithm.into())
}

fn without_leading_zeros(bytes: &[u8]) -> Vec<u8> {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes[start..].to_vec()
}

struct Hmac {
    alg: Algorithm,
    key: hmac::Key,
}

impl signature::Signer<Vec<u8>> for Hmac {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.key, msg).as_ref().to_vec())
    }
}

impl signature::Verifier<Vec<u8>> for Hmac {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> Result<(), signature::Error> {
        // constant time
        hmac::verify(&self.key, msg, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

impl JwtVerifier for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

struct RsaSigner {
    alg: Algorithm,
    pair: ring_sig::RsaKeyPair,
    encoding: &'static dyn ring_sig::RsaEncoding,
}

impl signature::Signer<Vec<u8>> for RsaSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let mut out = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(self.encoding, &rand::SystemRandom::new(), msg, &mut out)
            .map_err(|_| signature::Error::new())?;
        Ok(out)
    }
}

impl JwtSigner for RsaSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

enum RsaPublic {
    Der(Vec<u8>),
    Components { n: Vec<u8>, e: Vec<u8> },
}

struct RsaVerifier {
    alg: Algorithm,
    public: RsaPublic,
    params: &'static ring_sig::RsaParameters,
}

impl signature::Verifier<Vec<u8>> for RsaVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let checked = match &self.public {
            RsaPublic::Der(der) => {
                ring_sig::UnparsedPublicKey::new(self.params, der).verify(msg, sig)
            }
            RsaPublic::Components { n, e } => {
                ring_sig::RsaPublicKeyComponents { n, e }.verify(self.params, msg, sig)
            }
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RsaVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

#[cfg(test)]
mod tests {
    use super::install;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
    use rsa::Pkcs1v15Sign;
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    use sha2::{Digest, Sha256};

    /// RFC 7515, appendix A.1: an HS256 JWS and its key, made elsewhere.
    #[test]
    fn the_rfc_7515_hs256_example_verifies_and_a_changed_one_does_not() {
        install();
        let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let k = B64
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims::<&str>(&[]);
        let claims: serde_json::Value =
            jsonwebtoken::decode(token, &DecodingKey::from_secret(&k), &validation)
                .unwrap()
                .claims;
        assert_eq!(claims["iss"], "joe");
        // one bit of the signature changed
        let bad = token.replace(".dBjf", ".dBjg");
        let e = jsonwebtoken::decode::<serde_json::Value>(
            &bad,
            &DecodingKey::from_secret(&k),
            &validation,
        )
        .unwrap_err();
        assert_eq!(*e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature);
        // and signing the same input with the same key gives the RFC's signature
        let (input, sig) = token.rsplit_once('.').unwrap();
        let made = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(&k),
            Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(made, sig);
    }

    /// RS256 against an independent implementation (the `rsa` crate, PKCS#1 v1.5 over SHA-256
    /// with its DigestInfo prefix), both ways; the JWK's modulus with a leading zero byte.
    #[test]
    fn rs256_signatures_agree_with_the_rsa_crate_both_ways() {
        install();
        const SHA256_PREFIX: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = private.to_public_key();
        let der = private.to_pkcs1_der().unwrap();
        let digest_info = |msg: &[u8]| [&SHA256_PREFIX[..], &Sha256::digest(msg)[..]].concat();

        // ours signs, the rsa crate verifies
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::RS256),
            &serde_json::json!({"sub": "a"}),
            &EncodingKey::from_rsa_der(der.as_bytes()),
        )
        .unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = B64.decode(sig).unwrap();
        public
            .verify(
                Pkcs1v15Sign::new_unprefixed(),
                &digest_info(input.as_bytes()),
                &sig,
            )
            .unwrap();

        // the rsa crate signs, ours verifies (n given with a leading zero byte, as a JWK may)
        let input = format!(
            "{}.{}",
            B64.encode(br#"{"alg":"RS256"}"#),
            B64.encode(br#"{"sub":"b"}"#)
        );
        let sig = private
            .sign(
                Pkcs1v15Sign::new_unprefixed(),
                &digest_info(input.as_bytes()),
            )
            .unwrap();
        let n = [&[0u8][..], &public.n().to_bytes_be()].concat();
        let key =
            DecodingKey::from_rsa_components(&B64.encode(n), &B64.encode(public.e().to_bytes_be()))
                .unwrap();
        let verify = |token: &str| {
            let mut v = Validation::new(Algorithm::RS256);
            v.validate_exp = false;
            v.set_required_spec_claims::<&str>(&[]);
            jsonwebtoken::decode::<serde_json::Value>(token, &key, &v)
        };
        let good = format!("{input}.{}", B64.encode(&sig));
        assert_eq!(verify(&good).unwrap().claims["sub"], "b");
        let mut forged = sig.clone();
        forged[10] ^= 1;
        assert!(verify(&format!("{input}.{}", B64.encode(&forged))).is_err());
    }

    /// A key of the other family is refused: an RSA public key is never an HMAC secret, and an
    /// HMAC secret never an RSA key; the elliptic-curve algorithms are not offered.
    #[test]
    fn keys_of_the_other_family_and_other_algorithms_are_refused() {
        use jsonwebtoken::errors::ErrorKind;
        install();
        let hmac_key = DecodingKey::from_secret(b"secret");
        let rsa_key = DecodingKey::from_rsa_components("AQAB", "AQAB").unwrap();
        let verify =
            |alg, key: &DecodingKey| jsonwebtoken::crypto::verify("c2ln", b"x.y", key, alg);
        assert!(matches!(
            verify(Algorithm::HS256, &rsa_key).unwrap_err().kind(),
            ErrorKind::InvalidKeyFormat
        ));
        assert!(matches!(
            verify(Algorithm::RS256, &hmac_key).unwrap_err().kind(),
            ErrorKind::InvalidKeyFormat
        ));
        assert!(matches!(
            verify(Algorithm::ES256, &hmac_key).unwrap_err().kind(),
            ErrorKind::InvalidAlgorithm
        ));
        assert!(matches!(
            jsonwebtoken::crypto::sign(b"x.y", &EncodingKey::from_secret(b"s"), Algorithm::EdDSA)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidAlgorithm
        ));
        // an HMAC tag of the wrong secret is a failed check, not an error
        assert!(!verify(Algorithm::HS256, &hmac_key).unwrap());
    }
}
