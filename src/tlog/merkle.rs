//! RFC 6962 / RFC 9162 Merkle tree hashing and inclusion proofs.
//!
//! Leaves and interior nodes are hashed with distinct one-byte prefixes so a leaf can never be
//! passed off as a node (second-preimage resistance across tree levels).

use crate::error::{self, Result};
use aws_lc_rs::digest;

/// SHA-256 output length: every hash in a proof must have it.
pub const HASH_LEN: usize = 32;

/// `SHA-256(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> [u8; HASH_LEN] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0x00]);
    ctx.update(leaf);
    to_array(ctx.finish())
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &[u8], right: &[u8]) -> [u8; HASH_LEN] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0x01]);
    ctx.update(left);
    ctx.update(right);
    to_array(ctx.finish())
}

fn to_array(d: digest::Digest) -> [u8; HASH_LEN] {
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(d.as_ref());
    out
}

/// How many hashes an inclusion proof for `index` in a tree of `size` leaves has
/// (RFC 9162 §2.1.3.2): one per level below the point where the paths to `index` and to the
/// last leaf split, plus one per left-hand subtree above it. Requires `index < size`.
pub fn proof_len(index: u64, size: u64) -> usize {
    let inner = (u64::BITS - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    inner + border
}

/// Verifies that `leaf` (the entry body, not yet hashed) is at `index` in the tree of `size`
/// leaves with root `root`, using the audit path `proof` (leaf to root).
pub fn verify_inclusion(leaf: &[u8], index: i64, size: i64, proof: &[Vec<u8>], root: &[u8]) -> Result<()> {
    let (Ok(index), Ok(size)) = (u64::try_from(index), u64::try_from(size)) else {
        return Err(error::inclusion_proof(format!(
            "inclusion proof index {index} and tree size {size} must not be negative"
        )));
    };
    if index >= size {
        return Err(error::inclusion_proof(format!(
            "inclusion proof index {index} is not inside the tree of size {size}"
        )));
    }
    if root.len() != HASH_LEN {
        return Err(error::inclusion_proof(format!(
            "inclusion proof root hash is {} bytes, SHA-256 needs {HASH_LEN}",
            root.len()
        )));
    }
    if let Some((i, h)) = proof.iter().enumerate().find(|(_, h)| h.len() != HASH_LEN) {
        return Err(error::inclusion_proof(format!(
            "inclusion proof hash {i} is {} bytes, SHA-256 needs {HASH_LEN}",
            h.len()
        )));
    }
    let want = proof_len(index, size);
    if proof.len() != want {
        return Err(error::inclusion_proof(format!(
            "an inclusion proof for index {index} in a tree of size {size} has {want} hashes, found {}",
            proof.len()
        )));
    }
    let computed = root_from_path(leaf_hash(leaf), index, size, proof);
    if computed.as_slice() != root {
        return Err(error::inclusion_proof(format!(
            "the inclusion proof leads to root {}, the proof's root hash is {}",
            crate::json::hex(&computed),
            crate::json::hex(root)
        )));
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2, with the path length already checked against `proof_len`.
fn root_from_path(leaf: [u8; HASH_LEN], index: u64, size: u64, proof: &[Vec<u8>]) -> [u8; HASH_LEN] {
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf;
    for p in proof {
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            // Skip levels where this node is the only (rightmost) child: no sibling to hash.
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    /// The RFC 6962 Merkle Tree Hash of `leaves`, computed recursively (test oracle).
    fn mth(leaves: &[Vec<u8>]) -> [u8; HASH_LEN] {
        match leaves.len() {
            0 => to_array(digest::digest(&digest::SHA256, b"")),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n);
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    /// Largest power of two strictly smaller than `n`.
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// The RFC 6962 audit path for leaf `m` (test oracle).
    fn path(m: usize, leaves: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split(n);
        if m < k {
            let mut p = path(m, &leaves[..k]);
            p.push(mth(&leaves[k..]).to_vec());
            p
        } else {
            let mut p = path(m - k, &leaves[k..]);
            p.push(mth(&leaves[..k]).to_vec());
            p
        }
    }

    fn leaves(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("leaf {i}").into_bytes()).collect()
    }

    #[test]
    fn every_leaf_of_every_small_tree_verifies() {
        for n in 1..=33usize {
            let ls = leaves(n);
            let root = mth(&ls);
            for m in 0..n {
                let p = path(m, &ls);
                assert_eq!(proof_len(m as u64, n as u64), p.len(), "n={n} m={m}");
                verify_inclusion(&ls[m], m as i64, n as i64, &p, &root).unwrap_or_else(|e| panic!("n={n} m={m}: {e}"));
            }
        }
    }

    #[test]
    fn single_leaf_tree_has_an_empty_path_and_the_leaf_hash_as_root() {
        let root = leaf_hash(b"only");
        assert!(verify_inclusion(b"only", 0, 1, &[], &root).is_ok());
        assert_eq!(verify_inclusion(b"other", 0, 1, &[], &root).unwrap_err().status, Status::TlogInclusionProof);
    }

    #[test]
    fn hand_built_seven_leaf_tree() {
        // Leaf 6 of 7 is a right-edge leaf whose parent has no right sibling: its path is
        // [hash(4..6), hash(0..4)], the case that needs the "skip lone levels" loop.
        let ls = leaves(7);
        let h: Vec<_> = ls.iter().map(|l| leaf_hash(l)).collect();
        let n01 = node_hash(&h[0], &h[1]);
        let n23 = node_hash(&h[2], &h[3]);
        let n45 = node_hash(&h[4], &h[5]);
        let n0_4 = node_hash(&n01, &n23);
        let n4_7 = node_hash(&n45, &h[6]);
        let root = node_hash(&n0_4, &n4_7);
        assert_eq!(root, mth(&ls));
        verify_inclusion(&ls[6], 6, 7, &[n45.to_vec(), n0_4.to_vec()], &root).unwrap();
        verify_inclusion(&ls[5], 5, 7, &[h[4].to_vec(), h[6].to_vec(), n0_4.to_vec()], &root).unwrap();
        verify_inclusion(&ls[0], 0, 7, &[h[1].to_vec(), n23.to_vec(), n4_7.to_vec()], &root).unwrap();
        // The same hashes in the wrong order do not verify.
        let e = verify_inclusion(&ls[6], 6, 7, &[n0_4.to_vec(), n45.to_vec()], &root).unwrap_err();
        assert_eq!(e.status, Status::TlogInclusionProof);
    }

    #[test]
    fn rejects_index_outside_the_tree() {
        let ls = leaves(4);
        let root = mth(&ls);
        let p = path(3, &ls);
        for (index, size) in [(4, 4), (5, 4), (0, 0), (-1, 4), (0, -1)] {
            let e = verify_inclusion(&ls[3], index, size, &p, &root).unwrap_err();
            assert_eq!(e.status, Status::TlogInclusionProof, "{index}/{size}");
        }
    }

    #[test]
    fn rejects_wrong_number_of_hashes() {
        let ls = leaves(8);
        let root = mth(&ls);
        let mut p = path(2, &ls);
        p.push(p[0].clone());
        let e = verify_inclusion(&ls[2], 2, 8, &p, &root).unwrap_err();
        assert!(e.message.contains("has 3 hashes, found 4"), "{}", e.message);
        p.truncate(2);
        assert!(verify_inclusion(&ls[2], 2, 8, &p, &root).is_err());
    }

    #[test]
    fn rejects_wrong_hash_lengths() {
        let ls = leaves(8);
        let root = mth(&ls);
        let mut p = path(2, &ls);
        p[1].push(0);
        let e = verify_inclusion(&ls[2], 2, 8, &p, &root).unwrap_err();
        assert!(e.message.contains("hash 1 is 33 bytes"), "{}", e.message);
        let p = path(2, &ls);
        let e = verify_inclusion(&ls[2], 2, 8, &p, &root[..31]).unwrap_err();
        assert!(e.message.contains("root hash is 31 bytes"), "{}", e.message);
    }

    #[test]
    fn rejects_wrong_index_wrong_leaf_and_corrupted_hash() {
        let ls = leaves(11);
        let root = mth(&ls);
        let p = path(9, &ls);
        assert!(verify_inclusion(&ls[9], 9, 11, &p, &root).is_ok());
        assert!(verify_inclusion(&ls[9], 8, 11, &p, &root).is_err());
        assert!(verify_inclusion(&ls[8], 9, 11, &p, &root).is_err());
        assert!(verify_inclusion(&ls[9], 9, 13, &p, &root).is_err());
        // Sizes 11 and 12 share this path shape and root computation: only the signed
        // checkpoint pins the size, which is why the checkpoint must match the proof.
        assert!(verify_inclusion(&ls[9], 9, 12, &p, &root).is_ok());
        let mut bad = p.clone();
        bad[0][0] ^= 1;
        assert!(verify_inclusion(&ls[9], 9, 11, &bad, &root).is_err());
        let mut bad_root = root;
        bad_root[31] ^= 0x80;
        assert!(verify_inclusion(&ls[9], 9, 11, &p, &bad_root).is_err());
    }

    #[test]
    fn leaf_and_node_hashes_are_domain_separated() {
        // A node hash presented as a leaf must not verify as that node.
        let ls = leaves(2);
        let root = mth(&ls);
        let mut concat = leaf_hash(&ls[0]).to_vec();
        concat.extend_from_slice(&leaf_hash(&ls[1]));
        assert!(verify_inclusion(&concat, 0, 1, &[], &root).is_err());
    }
}
