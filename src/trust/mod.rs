//! Trust material: everything a verification takes on faith and therefore must come from the
//! caller's policy, never from the bundle.
//!
//! - [`root`]: Sigstore's `trusted_root.json` (Fulcio CAs, Rekor and CT logs, timestamp
//!   authorities), parsed and compiled once per policy;
//! - [`keys`]: public keys and the algorithms they verify with (log keys, managed keys, registry keys);
//! - [`keyset`]: registry key sets (PEM, npm's `/-/npm/v1/keys`, TUF `keys.json`) with keyids, usages and windows;
//! - [`tuf`]: TUF repositories (Sigstore's), updated through the host's network into a cache;
//! - [`publisher_map`]: an index's TUF-signed map of who publishes each project, read from that cache;
//! - [`timestamp`]: RFC 3161 timestamp authorities and the tokens they sign.
//!
//! Nothing here depends on the bundle or the policy. Imports flow one way: [`keys`] is a leaf
//! (signature algorithms only); `x509` uses it and nothing else from here (it defines
//! `CertificateAuthority` and the `CtLogs` lookup it needs); [`root`], [`timestamp`] and [`tuf`]
//! build on `x509`.

pub mod keys;
pub mod keyset;
pub mod publisher_map;
pub mod root;
pub mod timestamp;
pub mod tuf;

pub use root::TrustRoot;
