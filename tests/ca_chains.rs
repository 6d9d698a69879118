//! Trusted-root CA chains in any order (issue 16, item 1).
//!
//! protobuf-specs `sigstore_trustroot.proto`, `CertificateAuthority.cert_chain`: "The last
//! certificate in the chain MUST be the trust anchor. The trust anchor MAY be a self-signed root
//! CA certificate or MAY be an intermediate CA certificate"; `sigstore_common.proto`,
//! `X509CertificateChain`: "Unless explicitly specified, there is otherwise no guaranteed order."
//! Every bundle here is minted by the virtual Sigstore's CA (or a deeper one) and verified under
//! a trusted root that lists the CA's certificates in a chosen order.

mod support;

use domainsig::{Artifact, Status};
use serde_json::{Value, json};
use support::*;

const ARTIFACT: &[u8] = b"chain order artifact\n";

/// The virtual Sigstore's policy with the CA's `certChain` replaced by `chain`, in that order.
fn policy_with_chain(vs: &VirtualSigstore, chain: &[&[u8]]) -> Value {
    let mut pj = vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]);
    pj["trusted_root"]["certificateAuthorities"][0]["certChain"]["certificates"] =
        json!(chain.iter().map(|d| json!({"rawBytes": b64(d)})).collect::<Vec<_>>());
    pj
}

/// Verifies a fresh bundle signed at `signed_at` under `chain`; the policy must load.
fn status_under(vs: &mut VirtualSigstore, chain: &[&[u8]], signed_at: i64) -> (Status, String) {
    let pj = policy_with_chain(vs, chain);
    let p = domainsig::Policy::from_json(pj.to_string().as_bytes(), None)
        .unwrap_or_else(|e| panic!("trusted root with chain of {} refused: {e}", chain.len()));
    let m = vs.message(ARTIFACT).signed_at(signed_at).mint();
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    (o.status(), o.to_json().to_string())
}

#[test]
fn both_orders_of_a_two_certificate_chain_verify() {
    let mut vs = VirtualSigstore::new();
    let (root, inter) = (vs.ca.root_der.clone(), vs.ca.intermediate_der.clone());
    // Leaf issuer first (Sigstore's own roots), then root first (the intermediate is the anchor
    // and the root lies on no path).
    for chain in [[&inter[..], &root[..]], [&root[..], &inter[..]]] {
        let (status, out) = status_under(&mut vs, &chain, DEFAULT_SIGNING_TIME);
        assert_eq!(status, Status::Ok, "{out}");
    }
}

#[test]
fn every_order_of_a_three_certificate_chain_verifies() {
    let mut vs = VirtualSigstore::new();
    vs.ca = Ca::with_shape("virtual fulcio", 1, true);
    let certs = [vs.ca.intermediate_der.clone(), vs.ca.middle_ders[0].clone(), vs.ca.root_der.clone()];
    let orders = [[0, 1, 2], [1, 0, 2], [0, 2, 1], [2, 0, 1], [1, 2, 0], [2, 1, 0]];
    for order in orders {
        let chain: Vec<&[u8]> = order.iter().map(|&i| &certs[i][..]).collect();
        let (status, out) = status_under(&mut vs, &chain, DEFAULT_SIGNING_TIME);
        assert_eq!(status, Status::Ok, "order {order:?} (0 issues the leaf, 2 is the root): {out}");
    }
}

#[test]
fn certificates_on_no_path_are_ignored() {
    let mut vs = VirtualSigstore::new();
    // Same names as the trusted CA's, other keys: path building meets the impostor intermediate
    // first, its signature does not verify, and the real one is tried next.
    let impostor = Ca::new("virtual fulcio");
    let (root, inter, other) =
        (vs.ca.root_der.clone(), vs.ca.intermediate_der.clone(), impostor.intermediate_der.clone());
    for chain in [[&other[..], &inter[..], &root[..]], [&inter[..], &other[..], &root[..]]] {
        let (status, out) = status_under(&mut vs, &chain, DEFAULT_SIGNING_TIME);
        assert_eq!(status, Status::Ok, "{out}");
    }
}

#[test]
fn a_non_ca_anchor_is_refused() {
    // The "root" says cA false but signs the intermediate, so the signatures all verify: only its
    // basicConstraints makes it unfit to be an anchor.
    let mut vs = VirtualSigstore::new();
    vs.ca = Ca::with_shape("virtual fulcio", 0, false);
    let (root, inter) = (vs.ca.root_der.clone(), vs.ca.intermediate_der.clone());
    for chain in [vec![&inter[..], &root[..]], vec![&root[..]]] {
        let pj = policy_with_chain(&vs, &chain);
        let e = domainsig::Policy::from_json(pj.to_string().as_bytes(), None)
            .expect_err("a trusted root whose CA anchor is not a CA must be refused");
        assert_eq!(e.status, Status::TrustedRootInvalid, "{e}");
        assert!(e.message.contains("trust anchor"), "{e}");
    }
}

#[test]
fn certificates_that_do_not_verify_where_they_are_used_are_refused() {
    let mut vs = VirtualSigstore::new();
    // Same names, other keys: the names chain, the signatures do not.
    let impostor = Ca::new("virtual fulcio");
    let (root, inter) = (vs.ca.root_der.clone(), vs.ca.intermediate_der.clone());
    let (other_root, other_inter) = (impostor.root_der.clone(), impostor.intermediate_der.clone());
    let chains: [&[&[u8]]; 4] = [
        &[&inter[..], &other_root[..]],
        &[&other_root[..], &inter[..], &other_root[..]],
        &[&root[..], &other_inter[..]],
        &[&other_inter[..], &root[..]],
    ];
    for chain in chains {
        let pj = policy_with_chain(&vs, chain);
        match domainsig::Policy::from_json(pj.to_string().as_bytes(), None) {
            Err(e) => assert_eq!(e.status, Status::TrustedRootInvalid, "{e}"),
            Ok(p) => {
                let m = vs.message(ARTIFACT).mint();
                let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
                assert_eq!(o.status(), Status::CertificateInvalid, "{}", o.to_json());
            }
        }
    }
}

#[test]
fn every_window_on_the_path_still_binds_in_any_order() {
    // One certificate of a three-level CA expired a day before the signing time: refused in any
    // order that puts it on the leaf's path (the anchor or an intermediate), accepted when it
    // lies on no path.
    let mut vs = VirtualSigstore::new();
    for level in 0..3 {
        vs.ca = Ca::with_expired("virtual fulcio", 1, level);
        let (root, middle, inter) =
            (vs.ca.root_der.clone(), vs.ca.middle_ders[0].clone(), vs.ca.intermediate_der.clone());
        let certs = [&root[..], &middle[..], &inter[..]];
        for order in [[2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1], [0, 1, 2], [1, 0, 2]] {
            // The anchor (last) and everything between it and the leaf are on the path.
            let on_path = level >= order[2];
            let chain: Vec<&[u8]> = order.iter().map(|&i| certs[i]).collect();
            let (status, out) = status_under(&mut vs, &chain, DEFAULT_SIGNING_TIME);
            let want = if on_path { Status::CertificateInvalid } else { Status::Ok };
            assert_eq!(status, want, "level {level} expired, order {order:?} (0 root, 2 issuer): {out}");
        }
    }
}

#[test]
fn a_path_length_constraint_on_the_path_is_kept() {
    // root -> middle -> intermediate -> leaf: the middle CA may have one CA below it, not zero.
    let mut vs = VirtualSigstore::new();
    for (len, want) in [(1, Status::Ok), (0, Status::CertificateInvalid)] {
        vs.ca = Ca::with_middle_path_len("virtual fulcio", len);
        let (root, middle, inter) =
            (vs.ca.root_der.clone(), vs.ca.middle_ders[0].clone(), vs.ca.intermediate_der.clone());
        for chain in [[&inter[..], &middle[..], &root[..]], [&middle[..], &inter[..], &root[..]]] {
            let (status, out) = status_under(&mut vs, &chain, DEFAULT_SIGNING_TIME);
            assert_eq!(status, want, "middle pathLen {len}: {out}");
        }
    }
}
