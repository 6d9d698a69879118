//! RFC 3161 timestamps from the trusted root's timestamp authorities.
//!
//! A bundle's `rfc3161Timestamps[].signedTimestamp` is a DER `TimeStampResp` (RFC 3161 §2.4.2,
//! as protobuf-specs says) whose token is a CMS `SignedData` (RFC 5652) over a `TSTInfo`. A token
//! proves a time only when all of this holds:
//!
//! - the response status is granted, the content is `SignedData` with exactly one `SignerInfo`,
//!   and the encapsulated content is an `id-ct-TSTInfo` (version 1, no unknown critical extension);
//! - `messageImprint` is SHA-256/384/512 of the bundle's signature bytes;
//! - the signed attributes hold one content-type (`id-ct-TSTInfo`), one message-digest equal to
//!   the hash of the `TSTInfo`, and an ESS signing-certificate attribute naming the signer;
//! - the signer is a TSA of the trusted root: the root's own signing certificate for that TSA,
//!   or (when the root lists only the TSA's issuing CA) a certificate embedded in the token and
//!   issued by that CA. Embedded certificates are never trust anchors;
//! - `genTime` lies in the TSA's `validFor` window (both ends inclusive) and in the validity of
//!   every certificate from the signer up to the root at that moment (a chain that has expired
//!   since is fine), the signer has EKU timeStamping, and the CMS signature verifies.
//!
//! Trust chains are checked once, when the trusted root loads ([`Authorities::build`]).

mod authority;
mod check;
#[cfg(test)]
mod tests;
mod token;

pub use authority::{Authorities, Authority};
pub use check::{Checked, check_all, verify_all};
