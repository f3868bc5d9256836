//! Checkpoints, witness cosignatures and tlog-proof files.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ledger_tlog::*;
use proptest::prelude::*;

const ORIGIN: &str = "example.com/ledger";

fn log_key() -> Signer {
    Signer::new(ORIGIN, SigningKey::from_bytes(&[7; 32])).unwrap()
}

fn witness(n: u8) -> Cosigner {
    Cosigner::new(&format!("witness{n}.example"), SigningKey::from_bytes(&[100 + n; 32])).unwrap()
}

fn record(i: u64) -> [u8; 32] {
    let mut r = [0x5a; 32];
    r[..8].copy_from_slice(&i.to_le_bytes());
    r
}

/// A log of `n` records, its checkpoint, and the signed checkpoint cosigned by `witnesses`.
fn signed_log(n: u64, witnesses: &[&Cosigner]) -> (MemoryStore, Checkpoint, String) {
    let mut store = MemoryStore::new();
    for i in 0..n {
        store.append(&record(i)).unwrap();
    }
    let cp = Checkpoint::new(ORIGIN, n, tree_root(n, &store).unwrap());
    let mut note = Note::parse(sign_checkpoint(&cp, &log_key()).unwrap().as_bytes()).unwrap();
    for (i, w) in witnesses.iter().enumerate() {
        note.add_signature(w.cosign(&cp, 1_700_000_000 + i as u64).unwrap()).unwrap();
    }
    (store, cp, note.encode())
}

// ---------------------------------------------------------------------------
// Checkpoints.

#[test]
fn go_tree_note_format() {
    // golang/mod sumdb/tlog/note_test.go TestFormatTree / TestParseTree.
    let golden = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";
    let cp = Checkpoint::new("go.sum database tree", 123456789012, leaf_hash_bytes(b"hello world"));
    assert_eq!(cp.encode().unwrap(), golden);
    assert_eq!(cp.to_string(), golden);
    assert_eq!(Checkpoint::parse(golden).unwrap(), cp);
    assert!(matches!(
        Checkpoint::parse("go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"),
        Err(CheckpointError::InvalidSize(_))
    ));
    assert!(matches!(
        Checkpoint::parse("go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n"),
        Err(CheckpointError::InvalidRoot(_))
    ));
    // Go ignores trailing junk; C2SP makes further lines extension lines.
    let with_ext = Checkpoint::parse(&format!("{golden}JOE\n")).unwrap();
    assert_eq!(with_ext.extensions, ["JOE"]);
    assert_eq!(with_ext.encode().unwrap(), format!("{golden}JOE\n"));
    assert_eq!(Checkpoint::parse(&format!("{golden}JOE")), Err(CheckpointError::MissingFinalNewline));
}

#[test]
fn c2sp_checkpoint_example() {
    // c2sp.org/tlog-checkpoint example.
    let signed = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let note = Note::parse(signed.as_bytes()).unwrap();
    let cp = Checkpoint::parse(note.text()).unwrap();
    assert_eq!((cp.origin.as_str(), cp.size), ("example.com/behind-the-sofa", 20852163));
    assert_eq!(note.signatures()[0].key_id, 0x033de0ae);
    assert_eq!(note.signatures()[0].signature.len(), 64);
}

#[test]
fn checkpoint_syntax_errors() {
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    for size in ["", "+5", "-1", "05", "00", " 5", "5 ", "1e3", "18446744073709551616", "٣"] {
        assert_eq!(
            Checkpoint::parse(&format!("o\n{size}\n{root}\n")),
            Err(CheckpointError::InvalidSize(size.into())),
            "{size:?}"
        );
    }
    assert_eq!(Checkpoint::parse(&format!("o\n0\n{root}\n")).unwrap().size, 0);
    assert_eq!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).unwrap().size, u64::MAX);
    for bad_root in [
        "",
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I",  // no padding
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=", // non-zero padding bits
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==", // 31 bytes
        "CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=", // URL-safe alphabet
    ] {
        assert_eq!(
            Checkpoint::parse(&format!("o\n1\n{bad_root}\n")),
            Err(CheckpointError::InvalidRoot(bad_root.into())),
            "{bad_root:?}"
        );
    }
    assert_eq!(Checkpoint::parse(&format!("\n1\n{root}\n")), Err(CheckpointError::EmptyOrigin));
    assert_eq!(Checkpoint::parse("o\n1\n"), Err(CheckpointError::TooFewLines));
    assert_eq!(Checkpoint::parse(&format!("o\n1\n{root}\n\next\n")), Err(CheckpointError::EmptyExtension { line: 4 }));
    assert_eq!(Checkpoint::parse(&format!("o\x7f\n1\n{root}\n")), Err(CheckpointError::ControlCharacter { line: 1 }));
    let mut cp = Checkpoint::new("o", 1, [0; 32]);
    cp.extensions.push(String::new());
    assert_eq!(cp.encode(), Err(CheckpointError::EmptyExtension { line: 4 }));
    assert_eq!(Checkpoint::new("a\nb", 1, [0; 32]).encode(), Err(CheckpointError::ControlCharacter { line: 1 }));
}

#[test]
fn checkpoint_signing_and_opening() {
    let (_, cp, signed) = signed_log(5, &[]);
    let opened = open_checkpoint(signed.as_bytes(), log_key().verifier()).unwrap();
    assert_eq!(opened.checkpoint, cp);

    // The signing key's name must be the origin.
    let other = Signer::new("other.example/log", SigningKey::from_bytes(&[8; 32])).unwrap();
    assert_eq!(
        sign_checkpoint(&cp, &other),
        Err(CheckpointError::KeyNameMismatch { origin: ORIGIN.into(), key_name: "other.example/log".into() })
    );
    // Signed by another key, under another name or under the same name.
    let impostor = Signer::new(ORIGIN, SigningKey::from_bytes(&[9; 32])).unwrap();
    for signer in [&other, &impostor] {
        let forged = sign_note(&cp.encode().unwrap(), &[signer]).unwrap();
        assert_eq!(
            open_checkpoint(forged.as_bytes(), log_key().verifier()),
            Err(CheckpointError::Note(NoteError::NoVerifiedSignature))
        );
    }
    // A checkpoint for another origin signed with our key.
    let foreign = Checkpoint::new("other.example/log", 5, cp.root);
    let signed_foreign = sign_note(&foreign.encode().unwrap(), &[&log_key()]).unwrap();
    assert_eq!(
        open_checkpoint(signed_foreign.as_bytes(), log_key().verifier()),
        Err(CheckpointError::OriginMismatch { origin: "other.example/log".into(), key_name: ORIGIN.into() })
    );
    // Tampered size.
    let tampered = signed.replacen("\n5\n", "\n6\n", 1);
    assert!(matches!(
        open_checkpoint(tampered.as_bytes(), log_key().verifier()),
        Err(CheckpointError::Note(NoteError::InvalidSignature { .. }))
    ));
    // A validly signed note that is not a checkpoint.
    let not_cp = sign_note(&format!("{ORIGIN}\nhello\n"), &[&log_key()]).unwrap();
    assert_eq!(open_checkpoint(not_cp.as_bytes(), log_key().verifier()), Err(CheckpointError::TooFewLines));
}

// ---------------------------------------------------------------------------
// Cosignatures.

/// Cross-implementation vector: produced independently with Python's
/// `cryptography` Ed25519 and a hand-written cosignature/v1 message
/// (seed = bytes 0..32, name witness.example/w1, time 1700000000).
#[test]
fn cosignature_known_answer() {
    let seed: [u8; 32] = std::array::from_fn(|i| i as u8);
    let w = Cosigner::new("witness.example/w1", SigningKey::from_bytes(&seed)).unwrap();
    assert_eq!(w.verifier().to_string(), "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4");
    let root: Hash = BASE64.decode("SBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=").unwrap().try_into().unwrap();
    let cp = Checkpoint::new(ORIGIN, 3, root);
    let line = w.cosign(&cp, 1_700_000_000).unwrap().to_line();
    assert_eq!(
        line,
        "— witness.example/w1 519lMgAAAABlU/EA2zjdul1/LgQrvRzrLTfaBYOmVWVymajpGE0ugH4CywP213Hz5ECV7t/C0fgFbNvBk9tx+9Iq6gJu6iEWEg2/Dg==\n"
    );
    // The generic note verifier handles type 0x04 keys too.
    let note = format!("{}\n{line}", cp.encode().unwrap());
    let opened = open_note(note.as_bytes(), &[w.verifier().clone()]).unwrap();
    assert_eq!(cosignature_timestamp(&opened.verified[0]), Some(1_700_000_000));
}

#[test]
fn published_cosignature_timestamps() {
    // c2sp.org/tlog-cosignature example (its text says "time 1679315147"), and
    // transparency-dev/formats note/note_cosigv1_test.go TestCoSigV1Timestamp.
    for (line, id, ts) in [
        (
            "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n",
            0x8d66cf3f,
            1679315147,
        ),
        (
            "— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n",
            0x646846b9,
            1727964367,
        ),
    ] {
        let note = Note::parse(format!("a\nb\nc\n\n{line}").as_bytes()).unwrap();
        let sig = &note.signatures()[0];
        assert_eq!(sig.key_id, id);
        assert_eq!(cosignature_timestamp(sig), Some(ts));
    }
    // A plain Ed25519 signature (64 bytes) has no timestamp.
    let plain = NoteSignature { name: "x".into(), key_id: 0, signature: vec![0; 64] };
    assert_eq!(cosignature_timestamp(&plain), None);
}

#[test]
fn witness_quorum() {
    let (w1, w2, w3) = (witness(1), witness(2), witness(3));
    let all = [w1.verifier().clone(), w2.verifier().clone(), w3.verifier().clone()];
    let (_, cp, signed) = signed_log(9, &[&w1, &w2, &w3]);
    let opened = open_checkpoint(signed.as_bytes(), log_key().verifier()).unwrap();
    assert_eq!(opened.checkpoint, cp);

    let verified = verify_cosignatures(&opened.note, &all, 3).unwrap();
    let names: Vec<&str> = verified.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["witness1.example", "witness2.example", "witness3.example"]);
    assert_eq!(verified[2].timestamp, 1_700_000_002);
    assert_eq!(verify_cosignatures(&opened.note, &all, 0).unwrap().len(), 3);
    assert_eq!(
        verify_cosignatures(&opened.note, &all, 4),
        Err(CosignatureError::QuorumNotMet { required: 4, verified: 3 })
    );
    // Only two of the three configured witnesses cosigned.
    let (_, _, two) = signed_log(9, &[&w1, &w3]);
    let two = open_checkpoint(two.as_bytes(), log_key().verifier()).unwrap();
    assert_eq!(
        verify_cosignatures(&two.note, &all, 3),
        Err(CosignatureError::QuorumNotMet { required: 3, verified: 2 })
    );
    // Unknown witnesses do not count; a witness listed twice counts once.
    let (_, _, strangers) = signed_log(9, &[&witness(7), &witness(8), &w1]);
    let strangers = open_checkpoint(strangers.as_bytes(), log_key().verifier()).unwrap();
    let doubled = [w1.verifier().clone(), w1.verifier().clone(), w2.verifier().clone()];
    assert_eq!(
        verify_cosignatures(&strangers.note, &doubled, 2),
        Err(CosignatureError::QuorumNotMet { required: 2, verified: 1 })
    );
    // The same public key configured under two names counts once.
    let alias = Cosigner::new("alias.example", SigningKey::from_bytes(&[101; 32])).unwrap();
    let mut note = strangers.note.clone();
    note.add_signature(alias.cosign(&strangers.checkpoint, 5).unwrap()).unwrap();
    assert_eq!(
        verify_cosignatures(&note, &[w1.verifier().clone(), alias.verifier().clone()], 2),
        Err(CosignatureError::QuorumNotMet { required: 2, verified: 1 })
    );
}

#[test]
fn bad_cosignatures_are_refused() {
    let (w1, w2) = (witness(1), witness(2));
    let ws = [w1.verifier().clone(), w2.verifier().clone()];
    let (_, cp, signed) = signed_log(4, &[&w1]);
    let mut note = open_checkpoint(signed.as_bytes(), log_key().verifier()).unwrap().note;

    // A cosignature for another checkpoint, pasted onto this one.
    let other = Checkpoint::new(ORIGIN, 5, cp.root);
    note.add_signature(w2.cosign(&other, 1).unwrap()).unwrap();
    assert_eq!(
        verify_cosignatures(&note, &ws, 1),
        Err(CosignatureError::InvalidCosignature { name: "witness2.example".into(), key_id: w2.key_id() })
    );
    // A changed timestamp.
    let mut sig = w2.cosign(&cp, 1).unwrap();
    sig.signature[7] ^= 1;
    note.add_signature(sig).unwrap();
    assert!(matches!(verify_cosignatures(&note, &ws, 1), Err(CosignatureError::InvalidCosignature { .. })));
    // A timestamp above 2^63 - 1 can neither be produced nor verified.
    assert_eq!(w2.cosign(&cp, 1 << 63), Err(CosignatureError::TimestampOutOfRange(1 << 63)));
    let mut sig = w2.cosign(&cp, 1).unwrap();
    sig.signature[0] = 0x80;
    note.add_signature(sig).unwrap();
    assert!(matches!(verify_cosignatures(&note, &ws, 1), Err(CosignatureError::InvalidCosignature { .. })));

    // Witness keys must be cosignature/v1 keys.
    assert!(matches!(
        verify_cosignatures(&note, &[log_key().verifier().clone()], 0),
        Err(CosignatureError::NotACosignatureKey { .. })
    ));
    // A log (type 0x01) signature by the witness key does not pass as a cosignature.
    let plain = Signer::new("witness2.example", SigningKey::from_bytes(&[102; 32])).unwrap();
    let mut note = Note::parse(signed.as_bytes()).unwrap();
    note.sign(&plain).unwrap();
    assert_eq!(verify_cosignatures(&note, &ws, 2), Err(CosignatureError::QuorumNotMet { required: 2, verified: 1 }));
}

// ---------------------------------------------------------------------------
// Proof files.

#[test]
fn proof_files_verify() {
    let (w1, w2) = (witness(1), witness(2));
    let ws = [w1.verifier().clone(), w2.verifier().clone()];
    let (store, cp, signed) = signed_log(13, &[&w1, &w2]);
    for index in 0..13 {
        let file = ProofFile {
            extra: (index % 2 == 0).then(|| b"opaque".to_vec()),
            index,
            proof: inclusion_proof(index, 13, &store).unwrap(),
            checkpoint: signed.clone(),
        };
        let text = file.encode();
        assert_eq!(ProofFile::parse(text.as_bytes()).unwrap(), file);
        let verified = verify_proof_file(text.as_bytes(), &record(index), log_key().verifier(), &ws, 2).unwrap();
        assert_eq!(verified.index, index);
        assert_eq!(verified.checkpoint, cp);
        assert_eq!(verified.cosignatures.len(), 2);
        assert_eq!(verified.extra, file.extra);
    }
}

#[test]
fn proof_file_layout() {
    let (store, _, signed) = signed_log(3, &[]);
    let proof = inclusion_proof(2, 3, &store).unwrap();
    let file = ProofFile { extra: Some(vec![1, 2, 3]), index: 2, proof: proof.clone(), checkpoint: signed.clone() };
    assert_eq!(
        file.encode(),
        format!("c2sp.org/tlog-proof@v1\nextra AQID\nindex 2\n{}\n\n{signed}", BASE64.encode(proof[0]))
    );
    // The c2sp.org/tlog-proof example parses (its elided signatures are only checked on verification).
    let example = "c2sp.org/tlog-proof@v1\nextra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ\nindex 73894\ngSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=\nB95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=\nEKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=\nRoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=\nAHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=\n\nexample.com/fancylog\n109482\nsFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=\n\n— example.com/fancylog hI2DJw[...]1roloI=\n";
    let parsed = ProofFile::parse(example.as_bytes()).unwrap();
    assert_eq!((parsed.index, parsed.proof.len()), (73894, 5));
    assert_eq!(parsed.encode(), example);
}

#[test]
fn proof_file_errors() {
    let (w1, w2) = (witness(1), witness(2));
    let ws = [w1.verifier().clone(), w2.verifier().clone()];
    let (store, _, signed) = signed_log(6, &[&w1]);
    let good =
        ProofFile { extra: None, index: 3, proof: inclusion_proof(3, 6, &store).unwrap(), checkpoint: signed.clone() };
    let text = good.encode();
    let lk = log_key();
    let verify = |t: &str, rec: &[u8; 32], quorum| verify_proof_file(t.as_bytes(), rec, lk.verifier(), &ws, quorum);
    verify(&text, &record(3), 1).unwrap();

    // Verification failures.
    assert!(matches!(verify(&text, &record(4), 1), Err(ProofFileError::Inclusion(ProofError::RootMismatch { .. }))));
    assert!(matches!(
        verify(&text.replace("index 3", "index 2"), &record(3), 1),
        Err(ProofFileError::Inclusion(ProofError::RootMismatch { .. }))
    ));
    assert!(matches!(
        verify(&text.replace("index 3", "index 6"), &record(3), 1),
        Err(ProofFileError::Inclusion(ProofError::IndexOutOfRange { index: 6, size: 6 }))
    ));
    let mut short = good.clone();
    short.proof.pop();
    assert!(matches!(
        verify(&short.encode(), &record(3), 1),
        Err(ProofFileError::Inclusion(ProofError::WrongProofLength { .. }))
    ));
    let mut flipped = good.clone();
    flipped.proof[1][0] ^= 1;
    assert!(matches!(
        verify(&flipped.encode(), &record(3), 1),
        Err(ProofFileError::Inclusion(ProofError::RootMismatch { .. }))
    ));
    assert_eq!(
        verify(&text, &record(3), 2),
        Err(ProofFileError::Cosignature(CosignatureError::QuorumNotMet { required: 2, verified: 1 }))
    );
    let other_log = Signer::new(ORIGIN, SigningKey::from_bytes(&[1; 32])).unwrap();
    assert_eq!(
        verify_proof_file(text.as_bytes(), &record(3), other_log.verifier(), &ws, 0),
        Err(ProofFileError::Checkpoint(CheckpointError::Note(NoteError::NoVerifiedSignature)))
    );

    // Malformed files.
    let hash_line = BASE64.encode(good.proof[0]);
    let cases: Vec<(String, ProofFileError)> = vec![
        (text.replacen("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2", 1), ProofFileError::MissingHeader),
        (String::new(), ProofFileError::MissingHeader),
        (text.replace("index 3", "index 03"), ProofFileError::InvalidIndex("03".into())),
        (text.replace("index 3", "index -3"), ProofFileError::InvalidIndex("-3".into())),
        (text.replace("index 3", "idx 3"), ProofFileError::MissingIndex),
        (text.replace("index 3\n", "extra !!\nindex 3\n"), ProofFileError::InvalidExtra),
        (text.replace(&hash_line, &hash_line[..40]), ProofFileError::InvalidHash { line: 3 }),
        (text.replace(&hash_line, &format!("{hash_line} ")), ProofFileError::InvalidHash { line: 3 }),
        (text.split("\n\n").next().unwrap().to_owned() + "\n", ProofFileError::MissingCheckpoint),
        (text.split("\n\n").next().unwrap().to_owned() + "\n\n", ProofFileError::MissingCheckpoint),
        (
            format!("c2sp.org/tlog-proof@v1\nindex 0\n{}\n{signed}", format!("{hash_line}\n").repeat(65)),
            ProofFileError::TooManyHashes { max: 64 },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(ProofFile::parse(input.as_bytes()), Err(want.clone()), "{input}");
        assert_eq!(verify(&input, &record(3), 0), Err(want));
    }
    assert!(matches!(
        verify(&text.replace("\n\n", "\n\n\u{0}"), &record(3), 0),
        Err(ProofFileError::Checkpoint(CheckpointError::Note(NoteError::ControlCharacter { .. })))
    ));
}

// ---------------------------------------------------------------------------
// Property tests.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn checkpoint_text_round_trips(
        origin in "\\PC{1,40}",
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        extensions in proptest::collection::vec("\\PC{1,20}", 0..3),
    ) {
        let cp = Checkpoint { origin, size, root, extensions };
        let text = cp.encode().unwrap();
        prop_assert_eq!(Checkpoint::parse(&text).unwrap(), cp.clone());
        prop_assert_eq!(cp.to_string(), text);
    }

    #[test]
    fn verifier_keys_round_trip(
        name in "[!-*,-~]{1,30}|\\PZ{1,10}",
        seed in any::<[u8; 32]>(),
        cosig in any::<bool>(),
    ) {
        prop_assume!(is_valid_key_name(&name));
        let key_type = if cosig { KeyType::CosignatureV1 } else { KeyType::Ed25519 };
        let v = Verifier::new(&name, key_type, SigningKey::from_bytes(&seed).verifying_key()).unwrap();
        let s = v.to_string();
        prop_assert_eq!(Verifier::parse(&s).unwrap(), v.clone());
        prop_assert_eq!(s.split('+').nth(1).unwrap(), format!("{:08x}", v.key_id()));
    }

    #[test]
    fn signed_checkpoints_round_trip(size in any::<u64>(), root in any::<[u8; 32]>()) {
        let cp = Checkpoint::new(ORIGIN, size, root);
        let signed = sign_checkpoint(&cp, &log_key()).unwrap();
        prop_assert_eq!(open_checkpoint(signed.as_bytes(), log_key().verifier()).unwrap().checkpoint, cp);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), text in "\\PC{0,200}") {
        let _ = Note::parse(&bytes);
        let _ = ProofFile::parse(&bytes);
        let _ = Verifier::parse(&text);
        let _ = Checkpoint::parse(&text);
        let _ = Checkpoint::parse(&String::from_utf8_lossy(&bytes));
        let _ = open_checkpoint(&bytes, log_key().verifier());
        let _ = verify_proof_file(&bytes, &[0; 32], log_key().verifier(), &[witness(1).verifier().clone()], 1);
    }

    #[test]
    fn proof_verifiers_never_panic(
        index in any::<u64>(),
        size in any::<u64>(),
        small in 0u64..100,
        proof in proptest::collection::vec(any::<[u8; 32]>(), 0..70),
    ) {
        for (i, n) in [(index, size), (small, size), (index, small), (small / 2, small)] {
            let _ = verify_inclusion(&[1; 32], i, n, &proof, &[2; 32]);
            let _ = verify_consistency(i, &[1; 32], n, &[2; 32], &proof);
            let _ = inclusion_proof_len(i, n);
            let _ = consistency_proof_len(i, n);
        }
    }
}

thread_local! {
    /// A log of 13 records whose checkpoint two witnesses cosigned, and an
    /// inclusion proof file for record 6 with `extra` data.
    static COSIGNED: (Vec<u8>, Vec<u8>, VerifiedProof) = {
        let (store, _, signed) = signed_log(13, &[&witness(1), &witness(2)]);
        let file = ProofFile {
            extra: Some(b"unit lixia".to_vec()),
            index: 6,
            proof: inclusion_proof(6, 13, &store).unwrap(),
            checkpoint: signed.clone(),
        }
        .encode();
        let verified = verify_all_witnesses(file.as_bytes()).unwrap();
        (signed.into_bytes(), file.into_bytes(), verified)
    };
}

fn verify_all_witnesses(file: &[u8]) -> Result<VerifiedProof, ProofFileError> {
    verify_proof_file(
        file,
        &record(6),
        log_key().verifier(),
        &[witness(1).verifier().clone(), witness(2).verifier().clone()],
        2,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// cosign -> format -> parse -> verify gives the timestamp back, and the
    /// cosigned note's text is the same after a round trip.
    #[test]
    fn cosignatures_round_trip(
        size in any::<u64>(),
        root in any::<[u8; 32]>(),
        timestamp in 0..=i64::MAX as u64,
        seed in any::<[u8; 32]>(),
        name in "[!-*,-~]{1,30}",
    ) {
        let cp = Checkpoint::new(ORIGIN, size, root);
        let w = Cosigner::new(&name, SigningKey::from_bytes(&seed)).unwrap();
        let mut note = Note::parse(sign_checkpoint(&cp, &log_key()).unwrap().as_bytes()).unwrap();
        let sig = w.cosign(&cp, timestamp).unwrap();
        prop_assert_eq!(cosignature_timestamp(&sig), Some(timestamp));
        note.add_signature(sig).unwrap();
        let text = note.encode();
        let parsed = Note::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(parsed.encode(), text.clone());
        let verified = verify_cosignatures(&parsed, &[w.verifier().clone()], 1).unwrap();
        prop_assert_eq!(verified, vec![VerifiedCosignature { name: name.clone(), key_id: w.key_id(), timestamp }]);
        let opened = open_checkpoint(text.as_bytes(), log_key().verifier()).unwrap();
        prop_assert_eq!(opened.checkpoint, cp);
    }

    /// format -> parse -> format is the identity for proof files.
    #[test]
    fn proof_files_round_trip(
        extra in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
        index in any::<u64>(),
        proof in proptest::collection::vec(any::<[u8; 32]>(), 0..=64),
        checkpoint in "\\PC{1,200}",
    ) {
        let file = ProofFile { extra, index, proof, checkpoint };
        let text = file.encode();
        let parsed = ProofFile::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &file);
        prop_assert_eq!(parsed.encode(), text);
    }

    /// Any changed byte of a cosigned checkpoint is refused by the log key
    /// or by the witness quorum (both witnesses required).
    #[test]
    fn a_changed_byte_of_a_cosigned_checkpoint_is_refused(position in any::<prop::sample::Index>(), mask in 1u8..=255) {
        COSIGNED.with(|(signed, _, _)| {
            let mut bytes = signed.clone();
            let i = position.index(bytes.len());
            bytes[i] ^= mask;
            let accepted = open_checkpoint(&bytes, log_key().verifier()).ok().and_then(|o| {
                verify_cosignatures(&o.note, &[witness(1).verifier().clone(), witness(2).verifier().clone()], 2).ok()
            });
            prop_assert!(accepted.is_none(), "byte {} changed, still accepted", i);
            Ok(())
        })?;
    }

    /// Any changed byte of a proof file is refused, except in its `extra`
    /// line, which is not authenticated (`c2sp.org/tlog-proof`): then what
    /// the proof establishes is unchanged and only the extra data differs.
    #[test]
    fn a_changed_byte_of_a_proof_file_is_refused_unless_in_extra(position in any::<prop::sample::Index>(), mask in 1u8..=255) {
        COSIGNED.with(|(_, file, verified)| {
            let mut bytes = file.clone();
            let i = position.index(bytes.len());
            bytes[i] ^= mask;
            if let Ok(v) = verify_all_witnesses(&bytes) {
                let extra_line = PROOF_HEADER.len() + 1..file.iter().skip(PROOF_HEADER.len() + 1).position(|&b| b == b'\n').unwrap() + PROOF_HEADER.len() + 1;
                prop_assert!(extra_line.contains(&i), "byte {} changed outside the extra line, still accepted", i);
                prop_assert_eq!(v.index, verified.index);
                prop_assert_eq!(&v.checkpoint, &verified.checkpoint);
                prop_assert_eq!(&v.cosignatures, &verified.cosignatures);
                prop_assert_ne!(&v.extra, &verified.extra);
            }
            Ok(())
        })?;
    }
}
