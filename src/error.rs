//! One error type for the whole library, with stable numeric codes.
//!
//! The numbers are part of the C ABI, the Python and the Node bindings. They are never renumbered
//! and never reused: a retired code keeps its number forever.

use std::fmt;

/// Outcome codes shared by Rust, C, Python and Node.
///
/// `Ok` is 0; everything else is one precise reason for refusing an artifact.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Verified, and the policy accepts the artifact.
    Ok = 0,
    /// A caller passed a NULL pointer, invalid UTF-8 or an impossible combination of arguments.
    InvalidArgument = 1,
    /// The policy JSON is malformed, has unknown keys or contradicts itself.
    PolicyInvalid = 2,
    /// The bundle is not valid JSON or a required field is missing or of the wrong type.
    BundleMalformed = 3,
    /// The bundle is well formed but of a media type, version or kind domainsig does not accept.
    BundleUnsupported = 4,
    /// The trusted root is malformed or holds unusable keys.
    TrustedRootInvalid = 5,
    /// The artifact could not be read or its digest string is malformed.
    ArtifactUnreadable = 6,
    /// A file the caller named (bundle, policy, trusted root, key, TUF metadata; not the artifact)
    /// could not be opened or read.
    InputUnreadable = 7,
    /// The signing certificate does not chain to a trusted Fulcio CA at the verified time.
    CertificateInvalid = 10,
    /// The certificate carries no valid SCT from a trusted CT log.
    SctInvalid = 11,
    /// The message signature or DSSE signature does not verify.
    SignatureInvalid = 12,
    /// The artifact's digest is not what was signed.
    ArtifactMismatch = 13,
    /// A transparency-log inclusion proof is missing or does not lead to the root hash.
    TlogInclusionProof = 14,
    /// A transparency-log checkpoint is malformed or not signed by the log.
    TlogCheckpoint = 15,
    /// A signed entry timestamp (inclusion promise) is missing or invalid.
    TlogSet = 16,
    /// A transparency-log entry body does not describe this bundle's signature.
    TlogBodyMismatch = 17,
    /// The bundle has no usable transparency-log entry, or fewer than the policy requires.
    TlogMissing = 18,
    /// An RFC 3161 timestamp is malformed, untrusted or does not cover the signature.
    TimestampInvalid = 19,
    /// No verified time could be established for the signature.
    NoVerifiedTime = 20,
    /// The certificate's subject alternative name is not one the policy accepts.
    IdentityMismatch = 30,
    /// The certificate's OIDC issuer is not the one the policy expects.
    IssuerMismatch = 31,
    /// A Fulcio claim extension differs from what the policy requires.
    ClaimMismatch = 32,
    /// The bundle was signed by a key, but not one the policy names.
    KeyMismatch = 33,
    /// The artifact's earliest verified signing time is younger than the policy's `min_age`.
    TooRecent = 34,
    /// The signed statement's subject does not name this artifact.
    SubjectMismatch = 40,
    /// The attestation's predicate type is not one domainsig can read domains from.
    PredicateUnsupported = 41,
    /// The policy requires signed domains and the bundle carries none.
    DomainMissing = 42,
    /// The artifact was signed for other indexes than the one it was fetched from.
    DomainMismatch = 43,
    /// None of the signed domains is an audience the installer accepts.
    AudienceMismatch = 44,
    /// A domain (signed, configured or given) is not a valid index location.
    DomainInvalid = 45,
    /// TUF refused a repository's metadata or target (signature, threshold, rollback, hash, length).
    TufRefused = 60,
    /// TUF metadata (fetched, or in the cache a policy reads) has expired.
    TufExpired = 61,
    /// The cache holds no verified TUF state (or no such target) for the repository.
    TufMissing = 62,
    /// The host's fetcher could not fetch a file of the repository.
    TufFetch = 63,
    /// The TUF cache cannot be read or written, or its files no longer match what was verified.
    TufCache = 64,
    /// A lockfile is malformed, of an unsupported format or version, or names an entry that
    /// cannot be read (verify-lock).
    LockInvalid = 70,
    /// A file the policy asks provenance of has no attestation (`Policy::judge_unattested`: the
    /// gates, every door and verify-lock).
    AttestationMissing = 71,
    /// An input exceeds one of domainsig's resource limits.
    LimitExceeded = 90,
    /// A bug in domainsig: a caught panic or a broken invariant.
    Internal = 99,
}

impl Status {
    /// Every status, in numeric order (the bindings are generated and checked against this).
    pub const ALL: [Status; 39] = [
        Status::Ok,
        Status::InvalidArgument,
        Status::PolicyInvalid,
        Status::BundleMalformed,
        Status::BundleUnsupported,
        Status::TrustedRootInvalid,
        Status::ArtifactUnreadable,
        Status::InputUnreadable,
        Status::CertificateInvalid,
        Status::SctInvalid,
        Status::SignatureInvalid,
        Status::ArtifactMismatch,
        Status::TlogInclusionProof,
        Status::TlogCheckpoint,
        Status::TlogSet,
        Status::TlogBodyMismatch,
        Status::TlogMissing,
        Status::TimestampInvalid,
        Status::NoVerifiedTime,
        Status::IdentityMismatch,
        Status::IssuerMismatch,
        Status::ClaimMismatch,
        Status::KeyMismatch,
        Status::TooRecent,
        Status::SubjectMismatch,
        Status::PredicateUnsupported,
        Status::DomainMissing,
        Status::DomainMismatch,
        Status::AudienceMismatch,
        Status::DomainInvalid,
        Status::TufRefused,
        Status::TufExpired,
        Status::TufMissing,
        Status::TufFetch,
        Status::TufCache,
        Status::LockInvalid,
        Status::AttestationMissing,
        Status::LimitExceeded,
        Status::Internal,
    ];

    /// The stable number of this status.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The stable upper-case name (`"DOMAIN_MISMATCH"`), as C, Python and Node spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::InvalidArgument => "INVALID_ARGUMENT",
            Status::PolicyInvalid => "POLICY_INVALID",
            Status::BundleMalformed => "BUNDLE_MALFORMED",
            Status::BundleUnsupported => "BUNDLE_UNSUPPORTED",
            Status::TrustedRootInvalid => "TRUSTED_ROOT_INVALID",
            Status::ArtifactUnreadable => "ARTIFACT_UNREADABLE",
            Status::InputUnreadable => "INPUT_UNREADABLE",
            Status::CertificateInvalid => "CERTIFICATE_INVALID",
            Status::SctInvalid => "SCT_INVALID",
            Status::SignatureInvalid => "SIGNATURE_INVALID",
            Status::ArtifactMismatch => "ARTIFACT_MISMATCH",
            Status::TlogInclusionProof => "TLOG_INCLUSION_PROOF",
            Status::TlogCheckpoint => "TLOG_CHECKPOINT",
            Status::TlogSet => "TLOG_SET",
            Status::TlogBodyMismatch => "TLOG_BODY_MISMATCH",
            Status::TlogMissing => "TLOG_MISSING",
            Status::TimestampInvalid => "TIMESTAMP_INVALID",
            Status::NoVerifiedTime => "NO_VERIFIED_TIME",
            Status::IdentityMismatch => "IDENTITY_MISMATCH",
            Status::IssuerMismatch => "ISSUER_MISMATCH",
            Status::ClaimMismatch => "CLAIM_MISMATCH",
            Status::KeyMismatch => "KEY_MISMATCH",
            Status::TooRecent => "TOO_RECENT",
            Status::SubjectMismatch => "SUBJECT_MISMATCH",
            Status::PredicateUnsupported => "PREDICATE_UNSUPPORTED",
            Status::DomainMissing => "DOMAIN_MISSING",
            Status::DomainMismatch => "DOMAIN_MISMATCH",
            Status::AudienceMismatch => "AUDIENCE_MISMATCH",
            Status::DomainInvalid => "DOMAIN_INVALID",
            Status::TufRefused => "TUF_REFUSED",
            Status::TufExpired => "TUF_EXPIRED",
            Status::TufMissing => "TUF_MISSING",
            Status::TufFetch => "TUF_FETCH",
            Status::TufCache => "TUF_CACHE",
            Status::LockInvalid => "LOCK_INVALID",
            Status::AttestationMissing => "ATTESTATION_MISSING",
            Status::LimitExceeded => "LIMIT_EXCEEDED",
            Status::Internal => "INTERNAL",
        }
    }

    /// The status with this number, if any.
    pub fn from_code(code: u32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The family a status belongs to, used by the bindings' exception classes.
    pub const fn family(self) -> Family {
        match self as u32 {
            0 => Family::Ok,
            1..=9 => Family::Input,
            10..=29 => Family::Crypto,
            30..=39 => Family::Identity,
            40..=49 => Family::Domain,
            60..=70 => Family::Input,
            // Nobody is proven to have signed the artifact: the signer is not who the policy expects.
            71 => Family::Identity,
            _ => Family::Internal,
        }
    }
}

/// Groups of statuses: what kind of "no" an error is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Success.
    Ok,
    /// The inputs (arguments, policy, bundle, trust root, artifact) are unusable.
    Input,
    /// A cryptographic or transparency proof failed.
    Crypto,
    /// The signer is not who the policy expects.
    Identity,
    /// The artifact was not signed for this index or this package.
    Domain,
    /// A limit or a bug.
    Internal,
}

impl Family {
    /// Lower-case family name as used in result JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Family::Ok => "ok",
            Family::Input => "input",
            Family::Crypto => "crypto",
            Family::Identity => "identity",
            Family::Domain => "domain",
            Family::Internal => "internal",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A refusal: a status plus a message a person can act on (what was expected, what was found).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The stable code.
    pub status: Status,
    /// What was expected and what was found, in one sentence.
    pub message: String,
    /// The input field the error is about (`"verificationMaterial.tlogEntries[0].inclusionProof"`).
    pub field: Option<String>,
}

impl Error {
    /// An error with a status and message.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Error { status, message: message.into(), field: None }
    }

    /// Attaches the input field this error is about.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        if self.field.is_none() {
            self.field = Some(field.into());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {} (at {})", self.status, self.message, field),
            None => write!(f, "{}: {}", self.status, self.message),
        }
    }
}

impl std::error::Error for Error {}

/// Library-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand constructors, one per status, so call sites read `err::bundle("...")`.
macro_rules! ctor {
    ($($fn:ident => $st:ident),* $(,)?) => {
        $(
            #[doc = concat!("An [`Error`] with status `", stringify!($st), "`.")]
            pub fn $fn(msg: impl Into<String>) -> Error { Error::new(Status::$st, msg) }
        )*
    };
}

ctor! {
    invalid_argument => InvalidArgument,
    policy_invalid => PolicyInvalid,
    malformed => BundleMalformed,
    unsupported => BundleUnsupported,
    trust_root => TrustedRootInvalid,
    artifact_unreadable => ArtifactUnreadable,
    input_unreadable => InputUnreadable,
    certificate => CertificateInvalid,
    sct => SctInvalid,
    signature => SignatureInvalid,
    artifact_mismatch => ArtifactMismatch,
    inclusion_proof => TlogInclusionProof,
    checkpoint => TlogCheckpoint,
    set => TlogSet,
    body_mismatch => TlogBodyMismatch,
    tlog_missing => TlogMissing,
    timestamp => TimestampInvalid,
    no_verified_time => NoVerifiedTime,
    identity => IdentityMismatch,
    issuer => IssuerMismatch,
    claim => ClaimMismatch,
    key_mismatch => KeyMismatch,
    too_recent => TooRecent,
    subject => SubjectMismatch,
    predicate => PredicateUnsupported,
    domain_missing => DomainMissing,
    domain_mismatch => DomainMismatch,
    audience => AudienceMismatch,
    domain_invalid => DomainInvalid,
    tuf_refused => TufRefused,
    tuf_expired => TufExpired,
    tuf_missing => TufMissing,
    tuf_fetch => TufFetch,
    tuf_cache => TufCache,
    lock_invalid => LockInvalid,
    attestation_missing => AttestationMissing,
    limit => LimitExceeded,
    internal => Internal,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let pairs: Vec<(u32, &str)> = Status::ALL.iter().map(|s| (s.code(), s.name())).collect();
        assert!(pairs.contains(&(43, "DOMAIN_MISMATCH")));
        assert!(pairs.contains(&(99, "INTERNAL")));
        assert!(pairs.contains(&(90, "LIMIT_EXCEEDED")));
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert!(pairs.contains(&(7, "INPUT_UNREADABLE")));
        assert!(pairs.contains(&(34, "TOO_RECENT")));
        assert_eq!(Status::TooRecent.family(), Family::Identity);
        assert_eq!(Status::from_code(8), None);
    }
}
