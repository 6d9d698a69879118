//! A tiny in-memory RFC 6962 Merkle tree: just enough of a log to hand out inclusion proofs.

use aws_lc_rs::digest::{SHA256, digest};

/// A 32-byte SHA-256 node.
pub type Hash = [u8; 32];

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut buf = Vec::new();
    for p in parts {
        buf.extend_from_slice(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, &buf).as_ref());
    out
}

/// `MTH({d})` for one leaf: SHA-256(0x00 || d).
pub fn leaf_hash(data: &[u8]) -> Hash {
    sha256(&[&[0], data])
}

/// An interior node: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    sha256(&[&[1], left, right])
}

/// The largest power of two strictly below `n` (n >= 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// An append-only list of leaf hashes.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    leaves: Vec<Hash>,
}

impl Tree {
    /// Appends an entry body; returns its leaf index.
    pub fn push(&mut self, body: &[u8]) -> usize {
        self.leaves.push(leaf_hash(body));
        self.leaves.len() - 1
    }

    /// The number of leaves.
    pub fn size(&self) -> usize {
        self.leaves.len()
    }

    /// RFC 6962 §2.1 `MTH(D[n])` over the first `size` leaves.
    pub fn root(&self, size: usize) -> Hash {
        mth(&self.leaves[..size])
    }

    /// RFC 6962 §2.1.1 `PATH(m, D[n])`, leaf to root, for the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: usize, size: usize) -> Vec<Hash> {
        assert!(index < size && size <= self.leaves.len(), "leaf {index} is not in a tree of {size}");
        let mut out = Vec::new();
        path(index, &self.leaves[..size], &mut out);
        out
    }
}

fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) {
    let n = leaves.len();
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < k {
        path(m, &leaves[..k], out);
        out.push(mth(&leaves[k..]));
    } else {
        path(m - k, &leaves[k..], out);
        out.push(mth(&leaves[..k]));
    }
}

/// Recomputes a root from a proof the way RFC 9162 §2.1.3.2 verifies one (used to self-check).
pub fn root_from_proof(index: usize, size: usize, leaf: &Hash, proof: &[Hash]) -> Option<Hash> {
    if index >= size {
        return None;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (snode == 0).then_some(r)
}
