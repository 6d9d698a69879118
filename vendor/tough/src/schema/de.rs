use crate::schema::decoded::{Decoded, Hex};
use crate::schema::error;
use crate::schema::key::Key;
use serde::{de::Error as _, Deserialize, Deserializer};
use snafu::ensure;
use std::collections::HashMap;
use std::fmt;

// PATCHED for domainsig (see vendor/tough/PATCHES.md): the only change from tough 0.24.0, with
// the `DuplicateKey` error variant it returns (schema/error.rs).
//
// Upstream refuses a key whose keyid is not the SHA-256 of its canonical JSON. TUF's TAP 12
// ("Improving keyid flexibility", theupdateframework/taps tap12.md) drops that rule: a keyid is
// an identifier chosen by the metadata owner, unique within the file, and python-tuf and go-tuf
// accept such roots. Sigstore's public-good roots v10 and v11 list one key under a keyid that is
// not its hash (sigstore/root-signing#1431), so upstream cannot walk the real chain from v5.
//
// What replaces the hash check: TAP 12 also requires that each key count once towards a
// threshold, and `Root::verify_role` / `Delegations::verify_role` count valid signatures per
// keyid. With keyids no longer tied to their keys, one key listed under two keyids would let one
// signature count twice (go-tuf GHSA-3633-5h82-39pq, theupdateframework/go-tuf#733). So a keys
// map that lists the same public key (the decoded key material `Key::verify` uses) under two
// keyids is refused here, where both maps (root keys and delegation keys) are parsed.
// The duplicate-keyid check is unchanged.

/// Validates the keys map during deserialization: fails on a duplicate key ID or on one public key
/// listed under two key IDs. A key ID need not be the hash of its key (TAP 12).
pub(super) fn deserialize_keys<'de, D>(
    deserializer: D,
) -> Result<HashMap<Decoded<Hex>, Key>, D::Error>
where
    D: Deserializer<'de>,
{
    // The key material that signatures are verified with; two entries with equal material are the
    // same signer whatever their keyids, scheme names or extra fields.
    fn public_key_bytes(key: &Key) -> &[u8] {
        match key {
            Key::Rsa { keyval, .. } => &keyval.public,
            Key::Ed25519 { keyval, .. } => &keyval.public,
            Key::Ecdsa { keyval, .. } | Key::EcdsaOld { keyval, .. } => &keyval.public,
        }
    }

    // An inner function that does actual key ID validation:
    // * fails if the same public key is already listed under another key ID (`seen` maps each
    //   key's material to the key ID it was first listed under)
    // * fails if there is a duplicate key ID
    // If this passes we insert the entry.
    fn validate_and_insert_entry(
        keyid: Decoded<Hex>,
        key: Key,
        map: &mut HashMap<Decoded<Hex>, Key>,
        seen: &mut HashMap<Vec<u8>, String>,
    ) -> Result<(), error::Error> {
        let keyid_hex = hex::encode(&keyid);
        if let Some(other) = seen.get(public_key_bytes(&key)) {
            return error::DuplicateKeySnafu {
                keyid: keyid_hex,
                other: other.clone(),
            }
            .fail();
        }
        seen.insert(public_key_bytes(&key).to_vec(), keyid_hex.clone());
        ensure!(
            map.insert(keyid, key).is_none(),
            error::DuplicateKeyIdSnafu { keyid: keyid_hex }
        );
        Ok(())
    }

    // The rest of this is fitting the above function into serde and doing error type conversion.
    struct Visitor;

    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = HashMap<Decoded<Hex>, Key>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<M>(self, mut access: M) -> Result<Self::Value, M::Error>
        where
            M: serde::de::MapAccess<'de>,
        {
            let mut map = HashMap::new();
            let mut seen = HashMap::new();
            while let Some((keyid, key)) = access.next_entry()? {
                validate_and_insert_entry(keyid, key, &mut map, &mut seen)
                    .map_err(M::Error::custom)?;
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(Visitor)
}

/// Deserializes the `_extra` field on roles, skipping the `_type` tag.
pub(super) fn extra_skip_type<'de, D>(
    deserializer: D,
) -> Result<HashMap<String, serde_json::Value>, D::Error>
where
    D: Deserializer<'de>,
{
    let mut map = HashMap::deserialize(deserializer)?;
    map.remove("_type");
    Ok(map)
}

#[cfg(test)]
mod tests {
    use crate::schema::{Root, Signed};

    #[test]
    fn duplicate_keyid() {
        assert!(serde_json::from_str::<Signed<Root>>(include_str!(
            "../../tests/data/duplicate-keyid/root.json"
        ))
        .is_err());
    }

    /// Ensure that we can deserialize a root.json file that has hex-encoded ECDSA keys. This uses
    /// sigstore's root.json file taken from here:
    /// `<https://sigstore-tuf-root.storage.googleapis.com/2.root.json>`
    #[test]
    fn ecdsa_hex_encoded_keys() {
        assert!(serde_json::from_str::<Signed<Root>>(include_str!(
            "../../tests/data/hex-encoded-ecdsa-sig-keys/root.json"
        ))
        .is_ok());
    }

    /// Ensure that we can deserialize a root.json file that has pem-encoded ECDSA keys. This uses
    /// sigstore's root.json file taken from here:
    /// `<https://github.com/sigstore/sigstore-rs/blob/8a269a3/trust_root/prod/root.json>`
    #[test]
    fn ecdsa_pem_encoded_keys() {
        assert!(serde_json::from_str::<Signed<Root>>(include_str!(
            "../../tests/data/pem-encoded-ecdsa-sig-keys/root.json"
        ))
        .is_ok());
    }
    /// Ensure that we can deserialize a root.json file that has ECDSA keys with new type ecdsa. This uses
    /// sigstore's root.json file taken from here:
    /// `<https://github.com/sigstore/root-signing/blob/d3738d62e92580b5b928d6212c927084ada2bfee/repository/repository/9.root.json>`
    #[test]
    fn ecdsa_new_type_keys() {
        assert!(serde_json::from_str::<Signed<Root>>(include_str!(
            "../../tests/data/ecdsa-new-type-sig-keys/root.json"
        ))
        .is_ok());
    }
}
