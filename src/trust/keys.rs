//! Public keys: parsing SubjectPublicKeyInfo and verifying signatures with aws-lc-rs.
//!
//! Sigstore uses ECDSA P-256/P-384/P-521, Ed25519 and RSA. A key is parsed once (trust roots and
//! policies are compiled up front) and then verifies either a message or a precomputed digest;
//! the digest form is what lets `sha256:<hex>` inputs and huge artifacts verify without
//! re-reading the bytes.

use crate::error::{Error, Result};
use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};
use der::asn1::ObjectIdentifier as Oid;
use der::{Decode, Encode};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

const OID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const OID_P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const OID_P521: Oid = Oid::new_unwrap("1.3.132.0.35");
const OID_ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const OID_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");

/// Hash functions used by Sigstore signatures and digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The aws-lc-rs algorithm.
    pub fn aws(self) -> &'static digest::Algorithm {
        match self {
            HashAlgorithm::Sha256 => &digest::SHA256,
            HashAlgorithm::Sha384 => &digest::SHA384,
            HashAlgorithm::Sha512 => &digest::SHA512,
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        self.aws().output_len
    }

    /// Lower-case name as used in in-toto digests and `sha256:<hex>` strings.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// Parses `sha256`, `SHA2_256` and friends.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sha256" | "SHA2_256" | "SHA256" => Some(HashAlgorithm::Sha256),
            "sha384" | "SHA2_384" | "SHA384" => Some(HashAlgorithm::Sha384),
            "sha512" | "SHA2_512" | "SHA512" => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    /// One-shot digest.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        digest::digest(self.aws(), data).as_ref().to_vec()
    }
}

/// The signature scheme a key verifies with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// ECDSA on the given curve with the given hash.
    Ecdsa(Curve, HashAlgorithm),
    /// Ed25519 (message only; cannot verify a precomputed digest).
    Ed25519,
    /// RSA PKCS#1 v1.5 with the given hash.
    RsaPkcs1(HashAlgorithm),
    /// RSA PSS with the given hash.
    RsaPss(HashAlgorithm),
}

/// NIST curves Sigstore uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// P-256.
    P256,
    /// P-384.
    P384,
    /// P-521.
    P521,
}

impl Curve {
    fn default_hash(self) -> HashAlgorithm {
        match self {
            Curve::P256 => HashAlgorithm::Sha256,
            Curve::P384 => HashAlgorithm::Sha384,
            Curve::P521 => HashAlgorithm::Sha512,
        }
    }
}

fn algorithm(scheme: Scheme) -> &'static dyn VerificationAlgorithm {
    use Curve::*;
    use HashAlgorithm::*;
    match scheme {
        Scheme::Ecdsa(P256, Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
        Scheme::Ecdsa(P256, Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
        Scheme::Ecdsa(P256, Sha512) => &signature::ECDSA_P256_SHA512_ASN1,
        Scheme::Ecdsa(P384, Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
        Scheme::Ecdsa(P384, Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
        Scheme::Ecdsa(P384, Sha512) => &signature::ECDSA_P384_SHA512_ASN1,
        Scheme::Ecdsa(P521, Sha256) => &signature::ECDSA_P521_SHA256_ASN1,
        Scheme::Ecdsa(P521, Sha384) => &signature::ECDSA_P521_SHA384_ASN1,
        Scheme::Ecdsa(P521, Sha512) => &signature::ECDSA_P521_SHA512_ASN1,
        Scheme::Ed25519 => &signature::ED25519,
        Scheme::RsaPkcs1(Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        Scheme::RsaPkcs1(Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        Scheme::RsaPkcs1(Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
        Scheme::RsaPss(Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        Scheme::RsaPss(Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        Scheme::RsaPss(Sha512) => &signature::RSA_PSS_2048_8192_SHA512,
    }
}

/// A parsed, usable public key.
#[derive(Clone, Debug)]
pub struct PublicKey {
    spki: Vec<u8>,
    scheme: Scheme,
    key: ParsedPublicKey,
}

fn bad_key(msg: String) -> Error {
    Error::new(crate::error::Status::InvalidArgument, msg)
}

impl PublicKey {
    /// Parses a DER SubjectPublicKeyInfo; `details` is the trust root's `keyDetails` if any,
    /// which chooses the hash (e.g. `PKIX_ECDSA_P384_SHA_256`) and must agree with the key.
    pub fn from_spki(spki_der: &[u8], details: Option<&str>) -> Result<Self> {
        // Legacy CT log keys are PKCS#1 RSAPublicKey, not SPKI: wrap them so one parser serves.
        if details.is_some_and(|d| d.starts_with("PKCS1_")) {
            let wrapped = wrap_pkcs1_rsa(spki_der)?;
            return Self::build(&wrapped, Some(HashAlgorithm::Sha256), false);
        }
        let hash = details.and_then(details_hash);
        let pss = details.is_some_and(|d| d.starts_with("PKIX_RSA_PSS"));
        let key = Self::build(spki_der, hash, pss)?;
        if let Some(d) = details {
            check_details(d, key.scheme)?;
        }
        Ok(key)
    }

    /// Parses an SPKI for verifying signatures made with the X.509/CMS signature algorithm
    /// `sig_alg` (an OID in dotted form, e.g. `1.2.840.10045.4.3.3` for ecdsa-with-SHA384).
    pub fn for_signature_algorithm(spki_der: &[u8], sig_alg: &str) -> Result<Self> {
        use HashAlgorithm::*;
        let (hash, pss) = match sig_alg {
            "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => (Some(Sha256), false),
            "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => (Some(Sha384), false),
            "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => (Some(Sha512), false),
            "1.3.101.112" | "1.2.840.10045.2.1" | "1.2.840.113549.1.1.1" => (None, false),
            other => return Err(bad_key(format!("unsupported signature algorithm {other}"))),
        };
        Self::build(spki_der, hash, pss)
    }

    fn build(spki_der: &[u8], hash: Option<HashAlgorithm>, pss: bool) -> Result<Self> {
        let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)
            .map_err(|e| bad_key(format!("public key is not a DER SubjectPublicKeyInfo: {e}")))?;
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<Oid>().ok());
        let scheme = match (spki.algorithm.oid, curve) {
            (OID_EC_PUBLIC_KEY, Some(c)) => {
                let curve = match c {
                    OID_P256 => Curve::P256,
                    OID_P384 => Curve::P384,
                    OID_P521 => Curve::P521,
                    other => return Err(bad_key(format!("unsupported elliptic curve {other}"))),
                };
                Scheme::Ecdsa(curve, hash.unwrap_or(curve.default_hash()))
            }
            (OID_ED25519, _) => Scheme::Ed25519,
            (OID_RSA, _) if pss => Scheme::RsaPss(hash.unwrap_or(HashAlgorithm::Sha256)),
            (OID_RSA, _) => Scheme::RsaPkcs1(hash.unwrap_or(HashAlgorithm::Sha256)),
            (oid, _) => return Err(bad_key(format!("unsupported public key algorithm {oid}"))),
        };
        // aws-lc-rs takes Ed25519 keys as the raw 32 bytes and the others as SPKI DER.
        let material: &[u8] = if scheme == Scheme::Ed25519 { spki.subject_public_key.raw_bytes() } else { spki_der };
        let key = ParsedPublicKey::new(algorithm(scheme), material)
            .map_err(|e| bad_key(format!("public key rejected: {e}")))?;
        let spki = spki.to_der().unwrap_or_else(|_| spki_der.to_vec());
        Ok(PublicKey { spki, scheme, key })
    }

    /// Parses a PEM `PUBLIC KEY` block (or bare base64 DER).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).flat_map(|l| l.trim().chars()).collect();
        let der = crate::json::b64decode(&body).ok_or_else(|| bad_key("public key PEM is not base64".into()))?;
        Self::from_spki(&der, None)
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The hash the scheme signs with (`None` for Ed25519, which hashes internally).
    pub fn hash(&self) -> Option<HashAlgorithm> {
        match self.scheme {
            Scheme::Ecdsa(_, h) | Scheme::RsaPkcs1(h) | Scheme::RsaPss(h) => Some(h),
            Scheme::Ed25519 => None,
        }
    }

    /// SHA-256 of the DER SPKI: the Sigstore key ID / log ID.
    pub fn key_id(&self) -> [u8; 32] {
        let d = digest::digest(&digest::SHA256, &self.spki);
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    /// Verifies `sig` over `message`.
    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.key.verify_sig(message, sig).is_ok()
    }

    /// Verifies `sig` over a message whose digest under `alg` is `digest_bytes`.
    ///
    /// ECDSA and RSA sign a digest, so any SHA-2 function works whatever the key's default
    /// (sigstore-python signs SHA-256 digests with P-384 keys). `false` when the digest has the
    /// wrong length or the scheme cannot verify a prehash (Ed25519).
    pub fn verify_prehashed(&self, alg: HashAlgorithm, digest_bytes: &[u8], sig: &[u8]) -> bool {
        let Ok(d) = digest::Digest::import_less_safe(digest_bytes, alg.aws()) else {
            return false;
        };
        let scheme = match self.scheme {
            Scheme::Ed25519 => return false,
            _ if self.hash() == Some(alg) => return self.key.verify_digest_sig(&d, sig).is_ok(),
            Scheme::Ecdsa(c, _) => Scheme::Ecdsa(c, alg),
            Scheme::RsaPkcs1(_) => Scheme::RsaPkcs1(alg),
            Scheme::RsaPss(_) => Scheme::RsaPss(alg),
        };
        signature::UnparsedPublicKey::new(algorithm(scheme), self.key.as_ref()).verify_digest(&d, sig).is_ok()
    }
}

fn wrap_pkcs1_rsa(pkcs1: &[u8]) -> Result<Vec<u8>> {
    use x509_cert::spki::AlgorithmIdentifierOwned;
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned { oid: OID_RSA, parameters: Some(der::asn1::Null.into()) },
        subject_public_key: der::asn1::BitString::from_bytes(pkcs1)
            .map_err(|e| bad_key(format!("PKCS#1 key cannot be wrapped: {e}")))?,
    };
    spki.to_der().map_err(|e| bad_key(format!("PKCS#1 key cannot be wrapped: {e}")))
}

fn details_hash(d: &str) -> Option<HashAlgorithm> {
    if d.ends_with("SHA_256") || d.ends_with("SHA256") {
        Some(HashAlgorithm::Sha256)
    } else if d.ends_with("SHA_384") || d.ends_with("SHA384") {
        Some(HashAlgorithm::Sha384)
    } else if d.ends_with("SHA_512") || d.ends_with("SHA512") {
        Some(HashAlgorithm::Sha512)
    } else {
        None
    }
}

/// Rejects a `keyDetails` that contradicts the key itself (a P-256 key labelled P-384, say).
fn check_details(details: &str, scheme: Scheme) -> Result<()> {
    let ok = match scheme {
        Scheme::Ecdsa(c, _) => {
            let tag = match c {
                Curve::P256 => "PKIX_ECDSA_P256_",
                Curve::P384 => "PKIX_ECDSA_P384_",
                Curve::P521 => "PKIX_ECDSA_P521_",
            };
            details.starts_with(tag) || details == "KEY_DETAILS_UNSPECIFIED"
        }
        Scheme::Ed25519 => details == "PKIX_ED25519" || details == "KEY_DETAILS_UNSPECIFIED",
        Scheme::RsaPkcs1(_) | Scheme::RsaPss(_) => details.contains("RSA") || details == "KEY_DETAILS_UNSPECIFIED",
    };
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            crate::error::Status::InvalidArgument,
            format!("keyDetails {details} does not describe a {scheme:?} key"),
        ))
    }
}
