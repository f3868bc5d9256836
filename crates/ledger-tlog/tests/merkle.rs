//! Merkle tree, stored-hash tree and proof verification tests.
#![allow(clippy::unwrap_used)]

use std::cell::Cell;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_tlog::*;

fn h(hex: &str) -> Hash {
    hex::decode(hex).unwrap().try_into().unwrap()
}

fn b64(s: &str) -> Hash {
    BASE64.decode(s).unwrap().try_into().unwrap()
}

// ---------------------------------------------------------------------------
// Reference implementation: RFC 6962 section 2.1 written recursively, straight
// from the definitions of MTH, PATH and PROOF/SUBPROOF.

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { vec![] } else { vec![mth(leaves)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &leaves[..k], b);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn test_leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&h_of(i))).collect()
}

fn h_of(i: u64) -> [u8; 32] {
    let mut r = [0u8; 32];
    r[..8].copy_from_slice(&i.to_be_bytes());
    r[31] = 0xaa;
    r
}

fn store_of(n: u64) -> MemoryStore {
    let mut store = MemoryStore::new();
    for i in 0..n {
        assert_eq!(store.append(&h_of(i)).unwrap(), i);
    }
    store
}

// ---------------------------------------------------------------------------
// Known-answer vectors.

/// Leaf inputs, node hashes and roots from transparency-dev/merkle,
/// `testonly/constants.go` (LeafInputs, NodeHashes, RootHashes).
const TD_LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
const TD_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const TD_NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// Inclusion proofs from transparency-dev/merkle `proof/verify_test.go`
/// (`inclusionProofs`; the table's leaf numbers are 1-based, converted here).
const TD_INCLUSION: [(u64, u64, &[&str]); 4] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// Consistency proofs from transparency-dev/merkle `proof/verify_test.go` (`consistencyProofs`).
const TD_CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn td_store() -> MemoryStore {
    let mut store = MemoryStore::new();
    for leaf in TD_LEAVES {
        store.append_leaf_hash(leaf_hash_bytes(&hex::decode(leaf).unwrap())).unwrap();
    }
    store
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| h(s)).collect()
}

#[test]
fn empty_root_known_answer() {
    // RFC 6962: MTH({}) = SHA-256() ; value as in transparency-dev/merkle testonly.EmptyRootHash.
    assert_eq!(empty_root(), h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    assert_eq!(tree_root(0, &MemoryStore::new()).unwrap(), empty_root());
}

#[test]
fn leaf_hash_known_answer() {
    // golang/mod sumdb/tlog/note_test.go TestFormatTree: RecordHash("hello world").
    assert_eq!(leaf_hash_bytes(b"hello world"), b64("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="));
    // A 32-byte record hash is hashed as leaf data, with the 0x00 prefix.
    assert_eq!(leaf_hash(&[7; 32]), leaf_hash_bytes(&[7; 32]));
}

#[test]
fn rfc6962_roots_and_stored_nodes() {
    let store = td_store();
    for (i, root) in TD_ROOTS.iter().enumerate() {
        assert_eq!(tree_root(i as u64 + 1, &store).unwrap(), h(root), "size {}", i + 1);
    }
    // Every perfect subtree is stored under the expected (level, index).
    for (level, nodes) in TD_NODES.iter().enumerate() {
        for (index, node) in nodes.iter().enumerate() {
            assert_eq!(store.get(NodeId::new(level as u8, index as u64)), Some(h(node)));
        }
    }
}

#[test]
fn rfc6962_inclusion_vectors() {
    let store = td_store();
    for (index, size, proof) in TD_INCLUSION {
        let proof = hashes(proof);
        assert_eq!(inclusion_proof(index, size, &store).unwrap(), proof, "{index}/{size}");
        let leaf = leaf_hash_bytes(&hex::decode(TD_LEAVES[index as usize]).unwrap());
        let root = h(TD_ROOTS[size as usize - 1]);
        verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
    }
}

#[test]
fn rfc6962_consistency_vectors() {
    let store = td_store();
    for (old, new, proof) in TD_CONSISTENCY {
        let proof = hashes(proof);
        assert_eq!(consistency_proof(old, new, &store).unwrap(), proof, "{old}->{new}");
        let (r1, r2) = (h(TD_ROOTS[old as usize - 1]), h(TD_ROOTS[new as usize - 1]));
        verify_consistency(old, &r1, new, &r2, &proof).unwrap();
    }
}

/// A real Certificate Transparency log (Google Argon 2020, 961,984,013 leaves),
/// from golang/mod `sumdb/tlog/testdata/argon2020/*.json` (used by ct_test.go).
#[test]
fn certificate_transparency_argon2020() {
    let size = 961_984_013;
    let root = b64("dwlueapdd7LaOEnX2W2Wp9v2XE+KzejHRQGHwEx0oaM=");
    let leaf_input = BASE64.decode(include_str!("data/argon2020_leaf_10000.b64").trim()).unwrap();
    let audit_path: Vec<Hash> = [
        "T46AmJsuOM/gFiGlUp+IJJebp+1Z5qratFNW7U0JyOQ=",
        "9Jj1Feodn42uRYEfffkV4HF/EIPFQ5Zo9IwkxbQ2uhk=",
        "D53/1oCNebF4J59HHgioovKZxrmrKcVuCVhy3Izg8Ck=",
        "wSFDgGSrsXRPA+1c8WHoAFCsWeUv8NDyP/Q/SgsyVyY=",
        "516/RcwsgdwdzHn18v1dJHqBkgFUbNhmCIWOGjsMJaE=",
        "naTFY2ajLFgrgs5XUl+zJYZnnlJksLGsA1VYwpLfqbY=",
        "mKBRJo6qao+0Kdh/rhGkZUbHUAxMhrtrclrTpIbNjIg=",
        "Co4ueOFE7lpifLio94irxxsv1wFMMaK3tPu2ZQkHlro=",
        "yRgy800K6JMYCC05sWfqF2kvCg2riT/pVM+nEa6V5+0=",
        "n2O38XJZC8/Wpbwi9HhgVizlUyeUHVZvYyQB1607MRc=",
        "go3tAjuNfNSCj87y2Rg1xOroDknGN1eaf3cgvzObf7Q=",
        "8D0Mj3/J7ySSnFb0afIHYXv6rlOhECnsebY6XKi1IR8=",
        "6rcez46ZU8M5vPiWVMAUfJfAOV0pPP/mch/lYzZhj/M=",
        "2rtIeXrPvSdUyHc5maIgSAVB2BzaKaupWxSAiVayDE4=",
        "nniW/IMFQPN5xw8UsHFn7CRStYbm1gLu7NNa6kkRqJQ=",
        "mRPPi7sQS22MduIEyvcNzCNFqIt6kLwYPkNKrVtIcu8=",
        "JvTivzESNS9wHI8aph5a7uieVmtS/p9PciMZ5D6GyOo=",
        "UTyQd+Ym0wY4zG+qK806bBORwi1CSVvFQ/KknnqoZj8=",
        "hXODrqN+ff+U6zPqRQ+ZQKs6im1fPcxIerDSfNwflhE=",
        "II6GE+WY/DrpZzfHztLwkR46o37zVkNLCyPYlf68zA0=",
        "d609kWWcNBllbA8Jb/ad4XAVVGnScLRmtP8FYyr+Dck=",
        "rikBsP0G0gioXRpBFED2CzQdSLrGPvRd0bEcbEZw1rI=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
    ]
    .iter()
    .map(|s| b64(s))
    .collect();
    let leaf = leaf_hash_bytes(&leaf_input);
    verify_inclusion(&leaf, 10_000, size, &audit_path, &root).unwrap();
    assert!(matches!(verify_inclusion(&leaf, 10_001, size, &audit_path, &root), Err(ProofError::RootMismatch { .. })));

    let old_size = 3_654_490;
    let old_root = b64("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=");
    let consistency: Vec<Hash> = [
        "80Sfbj6UQEdVSZCSIgh9NMPj3vCBzcc1A48B2crJSWg=",
        "FZcrgAHUk6nNPviJZq8kEK6jCG1d18pJOFE45ZDc1TQ=",
        "Q67reWXmPBo1UfmwBap4Xi9PMPfFdUSSw3WGlRZdG7k=",
        "eJ7CyhR4PxzBxDIsWgrVYW1eFUb9ndgf46tFmiqVrxA=",
        "QrDwp062Grm5WY8KdrhFsBuuNjGzRox2Jb8PmVL5OYw=",
        "XM4YMjMEdLH/XJam/ZWyaP14k3cmsOtnPsOWQ54lW1s=",
        "SGiBh+jOTGccXU48ZzgQ88lRcBmtB4wz4oSDndv2QTg=",
        "WAS6txqNLYKGL1GdBdpqmV42TTfn6cJsuDsqLXuTCNI=",
        "QFmRS0rirUA7ZN3lxFjDncV+E1OCrn3NUB4RCp+5fzc=",
        "Hdbp7It2XBNZmNDBpCN/KPd7vfVqxgzwOosqVIaEA9E=",
        "mxvHL0ZiblBdD7j7pIa1jlfB0gSqfJ6oX0UGo7L0VsU=",
        "q5hjyvoW6TL/PThgcitpDcSTrnKX2p1+aqscqH2euRA=",
        "jTOWDqt3IHj2NVFeezyBz2ofpru+ztEywqKUAfFclKI=",
        "GIRn0w3HqJdvU9j1WVD//eR6lk2AaTVjyzjsJNP8U88=",
        "x52GJvxG81fnQBrgOTbll1A5tz95/LXK0Ag1NhB0r1I=",
        "6/0OqrcTgc3o5dD5PymmoC96lB9yLPFuTHVvLy8fSGk=",
        "Gf+iKLfcXO5l4JEFmsZvSdG5q1uEeWPfYLrds6pmjz0=",
        "DGuaco+McyM3AfRSF6qX7RwSetwe2ieYJmxw5e9rVx0=",
        "2tQJ9V32hnYp+fdpP6TcjmgJmLeNVOMKM0Ml1kk4cNU=",
        "3PapK+IkyJr8I9yAErAmzuZezzLMzsg+PfeRCgNW8NQ=",
        "s6xiYeejb+wtqHA+URJZ2I/SCPyIW8coP6aB00FJbMY=",
        "z9lSpmdTcr5M5ZzKlc4EPh3SrSypKFdk6JUF/UccaZU=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
    ]
    .iter()
    .map(|s| b64(s))
    .collect();
    verify_consistency(old_size, &old_root, size, &root, &consistency).unwrap();
    assert!(matches!(
        verify_consistency(old_size + 1, &old_root, size, &root, &consistency),
        Err(ProofError::WrongProofLength { .. } | ProofError::OldRootMismatch { .. } | ProofError::RootMismatch { .. })
    ));
}

// ---------------------------------------------------------------------------
// Exhaustive checks on small trees, against the reference implementation.

#[test]
fn all_proofs_up_to_64_leaves() {
    let store = store_of(64);
    let leaves = test_leaves(64);
    let roots: Vec<Hash> = (0..=64).map(|n| mth(&leaves[..n])).collect();
    for n in 1..=64u64 {
        let root = tree_root(n, &store).unwrap();
        assert_eq!(root, roots[n as usize], "root of {n}");
        for i in 0..n {
            let proof = inclusion_proof(i, n, &store).unwrap();
            assert_eq!(proof, path(i as usize, &leaves[..n as usize]), "PATH({i}, {n})");
            assert_eq!(inclusion_proof_len(i, n), Some(proof.len()));
            verify_inclusion(&leaves[i as usize], i, n, &proof, &root).unwrap();
        }
        for m in 1..=n {
            let proof = consistency_proof(m, n, &store).unwrap();
            assert_eq!(proof, subproof(m as usize, &leaves[..n as usize], true), "PROOF({m}, {n})");
            assert_eq!(consistency_proof_len(m, n), Some(proof.len()));
            verify_consistency(m, &roots[m as usize], n, &root, &proof).unwrap();
        }
        // From the empty tree.
        assert!(consistency_proof(0, n, &store).unwrap().is_empty());
        verify_consistency(0, &empty_root(), n, &root, &[]).unwrap();
    }
}

#[test]
fn tampered_inclusion_proofs_are_refused() {
    let store = store_of(64);
    let leaves = test_leaves(64);
    for n in 1..=64u64 {
        let root = tree_root(n, &store).unwrap();
        for i in 0..n {
            let leaf = &leaves[i as usize];
            let proof = inclusion_proof(i, n, &store).unwrap();
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k][k % 32] ^= 0x10;
                assert!(matches!(verify_inclusion(leaf, i, n, &bad, &root), Err(ProofError::RootMismatch { .. })));
            }
            if !proof.is_empty() {
                let got = proof.len() - 1;
                assert_eq!(
                    verify_inclusion(leaf, i, n, &proof[..got], &root),
                    Err(ProofError::WrongProofLength { expected: proof.len(), got })
                );
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert_eq!(
                verify_inclusion(leaf, i, n, &longer, &root),
                Err(ProofError::WrongProofLength { expected: proof.len(), got: proof.len() + 1 })
            );
            let mut wrong_root = root;
            wrong_root[0] ^= 1;
            assert_eq!(
                verify_inclusion(leaf, i, n, &proof, &wrong_root),
                Err(ProofError::RootMismatch { expected: wrong_root, computed: root })
            );
            if n > 1 {
                // The same leaf hash claimed at another index never verifies.
                let other = (i + 1) % n;
                assert!(matches!(
                    verify_inclusion(leaf, other, n, &proof, &root),
                    Err(ProofError::RootMismatch { .. } | ProofError::WrongProofLength { .. })
                ));
            }
            assert_eq!(
                verify_inclusion(leaf, n, n, &proof, &root),
                Err(ProofError::IndexOutOfRange { index: n, size: n })
            );
        }
    }
}

#[test]
fn tampered_consistency_proofs_are_refused() {
    let store = store_of(64);
    for n in 1..=64u64 {
        let root = tree_root(n, &store).unwrap();
        for m in 1..n {
            let old_root = tree_root(m, &store).unwrap();
            let proof = consistency_proof(m, n, &store).unwrap();
            assert!(!proof.is_empty());
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bad[k][31 - k % 32] ^= 0x80;
                assert!(matches!(
                    verify_consistency(m, &old_root, n, &root, &bad),
                    Err(ProofError::RootMismatch { .. } | ProofError::OldRootMismatch { .. })
                ));
            }
            let got = proof.len() - 1;
            assert_eq!(
                verify_consistency(m, &old_root, n, &root, &proof[..got]),
                Err(ProofError::WrongProofLength { expected: proof.len(), got })
            );
            let mut longer = proof.clone();
            longer.insert(0, old_root);
            assert!(matches!(
                verify_consistency(m, &old_root, n, &root, &longer),
                Err(ProofError::WrongProofLength { .. })
            ));
            // Swapped roots, a wrong old root, a wrong new root.
            assert!(verify_consistency(m, &root, n, &old_root, &proof).is_err());
            let mut wrong = root;
            wrong[5] ^= 4;
            assert_eq!(
                verify_consistency(m, &old_root, n, &wrong, &proof),
                Err(ProofError::RootMismatch { expected: wrong, computed: root })
            );
            let mut wrong_old = old_root;
            wrong_old[5] ^= 4;
            if !m.is_power_of_two() {
                assert_eq!(
                    verify_consistency(m, &wrong_old, n, &root, &proof),
                    Err(ProofError::OldRootMismatch { expected: wrong_old, computed: old_root })
                );
            } else {
                // A power-of-two old tree's root is the first path element
                // itself, so a wrong old root shows up as a wrong new root.
                assert!(matches!(
                    verify_consistency(m, &wrong_old, n, &root, &proof),
                    Err(ProofError::RootMismatch { .. })
                ));
            }
        }
        assert_eq!(
            verify_consistency(n + 1, &root, n, &root, &[]),
            Err(ProofError::SizesOutOfOrder { old_size: n + 1, new_size: n })
        );
        let mut other = root;
        other[0] ^= 1;
        assert!(matches!(verify_consistency(n, &root, n, &other, &[]), Err(ProofError::RootMismatch { .. })));
        assert!(matches!(
            verify_consistency(n, &root, n, &root, &[root]),
            Err(ProofError::WrongProofLength { expected: 0, got: 1 })
        ));
        assert!(matches!(verify_consistency(0, &root, n, &root, &[]), Err(ProofError::OldRootMismatch { .. })));
    }
}

#[test]
fn larger_trees_sampled() {
    let store = store_of(4097);
    let leaves = test_leaves(4097);
    for n in [1000u64, 4096, 4097] {
        let root = tree_root(n, &store).unwrap();
        assert_eq!(root, mth(&leaves[..n as usize]), "root of {n}");
        for i in [0, 1, 2, 511, 512, n / 2, n - 2, n - 1] {
            let proof = inclusion_proof(i, n, &store).unwrap();
            assert_eq!(proof, path(i as usize, &leaves[..n as usize]));
            verify_inclusion(&leaves[i as usize], i, n, &proof, &root).unwrap();
        }
        for m in [1u64, 2, 3, 511, 512, 999, 1000, 2047, 2048, 4096] {
            if m > n {
                continue;
            }
            let old_root = tree_root(m, &store).unwrap();
            let proof = consistency_proof(m, n, &store).unwrap();
            assert_eq!(proof, subproof(m as usize, &leaves[..n as usize], true));
            verify_consistency(m, &old_root, n, &root, &proof).unwrap();
        }
    }
}

#[test]
fn tree_errors() {
    let store = store_of(5);
    assert!(matches!(inclusion_proof(5, 5, &store), Err(TreeError::IndexOutOfRange { index: 5, size: 5 })));
    assert!(matches!(consistency_proof(6, 5, &store), Err(TreeError::SizesOutOfOrder { old_size: 6, new_size: 5 })));
    assert!(matches!(tree_root(6, &store), Err(TreeError::Store(MemoryStoreError::Missing(_)))));
    assert!(matches!(stored_hashes_for_leaf(u64::MAX, &[0; 32], &store), Err(TreeError::LogFull)));

    struct Short;
    impl HashReader for Short {
        type Error = Infallible;
        fn read_hashes(&self, _: &[NodeId]) -> Result<Vec<Hash>, Infallible> {
            Ok(vec![[0; 32]])
        }
    }
    assert!(matches!(tree_root(3, &Short), Err(TreeError::WrongHashCount { requested: 2, got: 1 })));
}

// ---------------------------------------------------------------------------
// Cost: proofs read O(log n) nodes, in one batch, and are fast.

/// Synthetic store of any size: node hash = SHA-256 of its id. Counts reads.
struct Synthetic {
    calls: Cell<usize>,
    ids: Cell<usize>,
}

impl HashReader for Synthetic {
    type Error = Infallible;
    fn read_hashes(&self, ids: &[NodeId]) -> Result<Vec<Hash>, Infallible> {
        self.calls.set(self.calls.get() + 1);
        self.ids.set(self.ids.get() + ids.len());
        Ok(ids.iter().map(|id| leaf_hash_bytes(&[&[id.level][..], &id.index.to_be_bytes()].concat())).collect())
    }
}

#[test]
fn proofs_over_ten_million_leaves_read_log_n_nodes() {
    let reader = Synthetic { calls: Cell::new(0), ids: Cell::new(0) };
    let n = 10_000_000u64;
    let log_n = 64 - n.leading_zeros() as usize; // 24
    let mut slowest = Duration::ZERO;
    for i in [0, 1, 4_999_999, 8_388_607, 8_388_608, 9_999_998, 9_999_999] {
        reader.calls.set(0);
        reader.ids.set(0);
        let start = Instant::now();
        let proof = inclusion_proof(i, n, &reader).unwrap();
        slowest = slowest.max(start.elapsed());
        assert_eq!(reader.calls.get(), 1);
        assert!(reader.ids.get() <= 2 * log_n, "{} reads", reader.ids.get());
        assert_eq!(Some(proof.len()), inclusion_proof_len(i, n));
    }
    for m in [1, 2, 3, 1_000_000, 8_388_608, 9_999_999] {
        reader.calls.set(0);
        reader.ids.set(0);
        let start = Instant::now();
        let proof = consistency_proof(m, n, &reader).unwrap();
        slowest = slowest.max(start.elapsed());
        assert_eq!(reader.calls.get(), 1);
        assert!(reader.ids.get() <= 2 * log_n + 1, "{} reads", reader.ids.get());
        assert_eq!(Some(proof.len()), consistency_proof_len(m, n));
    }
    reader.ids.set(0);
    tree_root(n, &reader).unwrap();
    assert!(reader.ids.get() <= log_n);
    // Well under a millisecond in release; generous bound for unoptimised CI builds.
    eprintln!("slowest proof over {n} leaves: {slowest:?}");
    assert!(slowest < Duration::from_millis(20), "slowest proof took {slowest:?}");
}
