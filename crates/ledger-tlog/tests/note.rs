//! Signed notes and verifier keys, against the Go reference (golang.org/x/mod/sumdb/note).
#![allow(clippy::unwrap_used)]

use ledger_tlog::*;

// golang/mod sumdb/note/note_test.go (TestNewVerifier, TestSign, TestOpen).
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// Seed from Go's signer key `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz`
/// (base64 of 0x01 || 32-byte seed).
const PETER_SEED: &str = "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG: &str =
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str =
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_signer() -> Signer {
    let seed: [u8; 32] = hex::decode(PETER_SEED).unwrap().try_into().unwrap();
    Signer::new("PeterNeumann", SigningKey::from_bytes(&seed)).unwrap()
}

fn peter() -> Verifier {
    Verifier::parse(PETER_VKEY).unwrap()
}

fn enoch() -> Verifier {
    Verifier::parse(ENOCH_VKEY).unwrap()
}

fn msg(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

#[test]
fn go_key_ids_and_verifier_keys() {
    let signer = peter_signer();
    assert_eq!(signer.key_id(), 0xc74f20a3);
    assert_eq!(signer.verifier().to_string(), PETER_VKEY);
    assert_eq!(*signer.verifier(), peter());
    assert_eq!(key_id("PeterNeumann", KeyType::Ed25519, signer.verifier().public_key().as_bytes()), 0xc74f20a3);
    assert_eq!(enoch().key_id(), 0xaf0cfe78);
    assert_eq!(enoch().to_string(), ENOCH_VKEY);
}

#[test]
fn go_signed_note_is_reproduced_exactly() {
    let signed = sign_note(TEXT, &[&peter_signer()]).unwrap();
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
    // Re-signing replaces the old signature by the same key.
    let mut note = Note::parse(signed.as_bytes()).unwrap();
    note.sign(&peter_signer()).unwrap();
    assert_eq!(note.encode(), signed);
}

#[test]
fn go_open_vectors() {
    let both = msg(&[TEXT, "\n", PETER_SIG, ENOCH_SIG]);

    // One known key: its signature verifies, the other is kept but unverified.
    let opened = open_note(&both, &[peter()]).unwrap();
    assert_eq!(opened.note.text(), TEXT);
    assert_eq!(opened.note.signatures().len(), 2);
    assert_eq!(opened.verified.len(), 1);
    assert_eq!((opened.verified[0].name.as_str(), opened.verified[0].key_id), ("PeterNeumann", 0xc74f20a3));

    // Both known.
    let opened = open_note(&both, &[peter(), enoch()]).unwrap();
    let ids: Vec<u32> = opened.verified.iter().map(|s| s.key_id).collect();
    assert_eq!(ids, [0xc74f20a3, 0xaf0cfe78]);

    // None known.
    assert_eq!(open_note(&both, &[]), Err(NoteError::NoVerifiedSignature));

    // The same verifier listed twice is not ambiguous (Go calls this an error).
    open_note(&msg(&[TEXT, "\n", ENOCH_SIG]), &[enoch(), peter(), enoch()]).unwrap();

    // At most 100 signatures.
    open_note(&msg(&[TEXT, "\n", &PETER_SIG.repeat(100)]), &[peter()]).unwrap();
    assert_eq!(
        open_note(&msg(&[TEXT, "\n", &PETER_SIG.repeat(101)]), &[peter()]),
        Err(NoteError::TooManySignatures { max: 100 })
    );
    assert_eq!(
        Note::parse(&msg(&[TEXT, "\n", &PETER_SIG.repeat(101)])),
        Err(NoteError::TooManySignatures { max: 100 })
    );

    // A bad signature by a known key rejects the note.
    let bad_peter = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert_eq!(
        open_note(&msg(&[TEXT, "\n", &bad_peter]), &[peter()]),
        Err(NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 })
    );
    // Same signature bytes, text changed by one character.
    assert_eq!(
        open_note(&msg(&[&TEXT.replace("answer", "Answer"), "\n", PETER_SIG]), &[peter()]),
        Err(NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 })
    );
    // Unlike Go, a second, bad signature by an already verified key is not skipped.
    assert!(matches!(
        open_note(&msg(&[TEXT, "\n", PETER_SIG, &bad_peter]), &[peter()]),
        Err(NoteError::InvalidSignature { .. })
    ));

    // Duplicated and unverifiable signatures by unknown keys are ignored.
    let bad_enoch = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let opened =
        open_note(&msg(&[TEXT, "\n", PETER_SIG, PETER_SIG, ENOCH_SIG, ENOCH_SIG, &bad_enoch]), &[peter()]).unwrap();
    assert_eq!(opened.verified.len(), 1);
    assert_eq!(opened.note.signatures().len(), 5);

    // A signature under another name (or key id) is by an unknown key.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    assert_eq!(open_note(&msg(&[TEXT, "\n", &misnamed]), &[peter()]), Err(NoteError::NoVerifiedSignature));
    let wrong_id = PETER_SIG.replace("x08g", "xxxx");
    assert_eq!(open_note(&msg(&[TEXT, "\n", &wrong_id]), &[peter()]), Err(NoteError::NoVerifiedSignature));
}

#[test]
fn go_malformed_notes() {
    let cases: [(Vec<u8>, NoteError); 8] = [
        (msg(&[TEXT]), NoteError::MissingSignatureSeparator),
        (msg(&[TEXT, "\n"]), NoteError::NoSignatures),
        (msg(&[TEXT, "\n", &PETER_SIG[..PETER_SIG.len() - 1]]), NoteError::MissingFinalNewline),
        (msg(&["\x01", TEXT, "\n", PETER_SIG]), NoteError::ControlCharacter { offset: 0 }),
        ([b"\xff".as_slice(), &msg(&[TEXT, "\n", PETER_SIG])].concat(), NoteError::NotUtf8),
        (
            msg(&[
                TEXT,
                "\n",
                "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            ]),
            NoteError::MalformedSignatureLine { line: 1, reason: "signature is not valid base64" },
        ),
        (
            msg(&[TEXT, "\n", PETER_SIG, "Unexpected line.\n"]),
            NoteError::MalformedSignatureLine { line: 2, reason: "does not start with an em dash and a space" },
        ),
        (
            msg(&[TEXT, "\n", "— PeterNeumann AAAAAA==\n"]),
            NoteError::MalformedSignatureLine { line: 1, reason: "signature shorter than 5 bytes" },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(Note::parse(&input), Err(want.clone()), "{}", String::from_utf8_lossy(&input));
        assert_eq!(open_note(&input, &[peter()]), Err(want));
    }
    // A hyphen is not an em dash; a tab is a control character.
    assert!(matches!(
        Note::parse(&msg(&[TEXT, "\n", &PETER_SIG.replace('—', "-")])),
        Err(NoteError::MalformedSignatureLine { .. })
    ));
    assert!(matches!(
        Note::parse(&msg(&[TEXT, "\n", &PETER_SIG.replace(' ', "\t")])),
        Err(NoteError::ControlCharacter { .. })
    ));
}

#[test]
fn signing_rules() {
    let s = peter_signer();
    assert_eq!(sign_note("", &[&s]), Err(NoteError::EmptyText));
    assert_eq!(sign_note("abc", &[&s]), Err(NoteError::TextMissingNewline));
    assert_eq!(sign_note("a\rb\n", &[&s]), Err(NoteError::ControlCharacter { offset: 1 }));
    // Texts may contain blank lines; the last blank line separates the signatures.
    let text = "first\n\nsecond\n\n";
    let signed = sign_note(text, &[&s]).unwrap();
    assert_eq!(open_note(signed.as_bytes(), &[peter()]).unwrap().note.text(), text);
    for bad in ["", "bad name", "a+b", "tab\there", "nl\n", "nbsp\u{a0}"] {
        assert_eq!(
            Signer::new(bad, SigningKey::from_bytes(&[1; 32])).map(|_| ()),
            Err(KeyError::InvalidName(bad.into()))
        );
    }
}

#[test]
fn go_verifier_key_manglings_are_refused() {
    // Every proper substring and every single-byte change of a valid key fails
    // (golang/mod sumdb/note TestNewVerifier).
    let b = PETER_VKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if (i, j) != (0, b.len()) {
                let s = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(Verifier::parse(s).is_err(), "{s}");
            }
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let s = String::from_utf8(m).unwrap();
        assert!(Verifier::parse(&s).is_err(), "{s}");
    }
    // Wrong key length and unknown algorithm, each with an adjusted key hash.
    // Go's lax base64 decoder accepts "BADKEY==" (non-zero padding bits); ours does not.
    assert_eq!(
        Verifier::parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="),
        Err(KeyError::InvalidBase64)
    );
    assert_eq!(
        Verifier::parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEQ=="),
        Err(KeyError::WrongKeyLength { got: 36 })
    );
    assert!(matches!(
        Verifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::UnknownKeyType(0x65))
    ));
}

#[test]
fn verifier_key_errors() {
    let key = PETER_VKEY.split('+').nth(2).unwrap();
    assert_eq!(Verifier::parse("PeterNeumann"), Err(KeyError::Malformed));
    assert_eq!(Verifier::parse("PeterNeumann+c74f20a3"), Err(KeyError::Malformed));
    assert_eq!(Verifier::parse(&format!("+c74f20a3+{key}")), Err(KeyError::InvalidName(String::new())));
    assert_eq!(
        Verifier::parse(&format!("Peter Neumann+c74f20a3+{key}")),
        Err(KeyError::InvalidName("Peter Neumann".into()))
    );
    // Strict: the key id is exactly 8 lowercase hex digits (Go also takes upper case).
    assert_eq!(
        Verifier::parse(&format!("PeterNeumann+C74F20A3+{key}")),
        Err(KeyError::MalformedKeyId("C74F20A3".into()))
    );
    assert_eq!(
        Verifier::parse(&format!("PeterNeumann+c74f20a+{key}")),
        Err(KeyError::MalformedKeyId("c74f20a".into()))
    );
    assert_eq!(
        Verifier::parse(&format!("PeterNeumann+c74f20a4+{key}")),
        Err(KeyError::KeyIdMismatch { stated: 0xc74f20a4, computed: 0xc74f20a3 })
    );
    assert_eq!(Verifier::parse("PeterNeumann+c74f20a3+!!!!"), Err(KeyError::InvalidBase64));
    assert_eq!(Verifier::parse("PeterNeumann+c74f20a3+"), Err(KeyError::WrongKeyLength { got: 0 }));
    // The identity point is a small-order ("weak") key.
    let mut weak = [0u8; 32];
    weak[0] = 1;
    let id = key_id("weak", KeyType::Ed25519, &weak);
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode([&[1u8][..], &weak].concat());
    assert_eq!(Verifier::parse(&format!("weak+{id:08x}+{data}")), Err(KeyError::InvalidPublicKey));
}

/// Public keys found in the wild: the Go checksum database key
/// (golang/go `src/cmd/go/internal/modfetch/key.go`, whose key data contains
/// `+`), and keys from transparency-dev/formats `note/note_cosigv1_test.go`
/// (a type-0x01 key and a native type-0x04 cosignature key).
#[test]
fn real_world_verifier_keys() {
    for (vkey, key_type, id) in [
        ("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", KeyType::Ed25519, 0x033de0ae),
        ("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", KeyType::Ed25519, 0x7997405c),
        ("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", KeyType::CosignatureV1, 0xda77ade7),
    ] {
        let v = Verifier::parse(vkey).unwrap();
        assert_eq!((v.key_type(), v.key_id()), (key_type, id));
        assert_eq!(v.to_string(), vkey);
        assert_eq!(vkey.parse::<Verifier>().unwrap(), v);
    }
    assert!(matches!(
        Verifier::parse("sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"),
        Err(KeyError::KeyIdMismatch { .. })
    ));
}

/// Signed tree heads of the Go checksum database (sum.golang.org), as served
/// by it and quoted in public documents. They carry Google's real Ed25519
/// signatures, so they can only verify if key ids, note parsing and
/// signature checks all match the Go implementation.
#[test]
fn sum_golang_org_signed_tree_heads() {
    let sumdb = Verifier::parse("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8").unwrap();
    let notes = [
        (
            "15368405",
            "/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY=",
            "Az3grqJGUaSGukG9p8nI2vKgiFn7qGHxn0W+mrwyI6Gz3F0t1J3LzmWk/p96Ybf295EjwdSwlzgijq5WA9d1Ded7owM=",
        ),
        (
            "3784599",
            "7uvxIZ67TZygcq/AehTD8iHYt81Ih+Zl2Y7vXZbfszQ=",
            "Az3grn972wXskjQrsZhVGc93fTU2uOsmSTiId1Wn1lxDCup5z4ggl1/4gaUqOkMa6cMbYvjB7hn7yemNr7Zqanol/go=",
        ),
        (
            "63096908",
            "8lHrQPRYe4KT4WQ9/Qk8/taKnD6IRHbFgfN7vQE2Y54=",
            "Az3gri/oVBN1jAhNZ/iS+W31psFAWRT20/GyrhpU6taFwulQGetBkH5S7wpGXdS935jiIGiUUAXBVHzT/P6fYhqAmAk=",
        ),
        (
            "19238995",
            "rYNqIZewerbOSOnMYPyCJKxl86UaEBZ1mrEpfiAQhcs=",
            "Az3grut2xBvodM8V9oOPG46SgC7w8BqMN9z5tsbaN9nTEEIPNjhvYZJ4aQOzCy8qW2LEaJBANgKjGlfW42nf3DmtVwc=",
        ),
    ];
    for (size, root, sig) in notes {
        let signed = format!("go.sum database tree\n{size}\n{root}\n\n— sum.golang.org {sig}\n");
        let opened = open_note(signed.as_bytes(), std::slice::from_ref(&sumdb)).unwrap();
        let cp = Checkpoint::parse(opened.note.text()).unwrap();
        assert_eq!((cp.origin.as_str(), cp.size.to_string()), ("go.sum database tree", size.to_string()));
        // The Go checksum database's key name is not its origin; this crate's
        // checkpoint opener insists that they match (the spec says SHOULD).
        assert!(matches!(open_checkpoint(signed.as_bytes(), &sumdb), Err(CheckpointError::OriginMismatch { .. })));
        // Any change to the signed text is caught.
        let forged = signed.replacen(size, &(size.parse::<u64>().unwrap() + 1).to_string(), 1);
        assert!(matches!(
            open_note(forged.as_bytes(), std::slice::from_ref(&sumdb)),
            Err(NoteError::InvalidSignature { key_id: 0x033de0ae, .. })
        ));
    }
}

// ---------------------------------------------------------------------------
// Property tests.

use proptest::prelude::*;

/// A note text: lines of printable text (no control characters), each
/// ending in a newline; blank lines allowed.
fn arb_text() -> impl Strategy<Value = String> {
    prop::collection::vec("[^\\p{Cc}]{0,30}", 1..5).prop_map(|lines| lines.iter().map(|l| format!("{l}\n")).collect())
}

fn arb_signature() -> impl Strategy<Value = NoteSignature> {
    ("[!-*,-~]{1,20}|\\PZ{1,8}", any::<u32>(), prop::collection::vec(any::<u8>(), 1..80))
        .prop_filter("a valid key name", |(name, _, _)| is_valid_key_name(name))
        .prop_map(|(name, key_id, signature)| NoteSignature { name, key_id, signature })
}

thread_local! {
    /// A note signed by Peter and Enoch's stand-in, and what opening it gives.
    static SIGNED: (Vec<u8>, Vec<Verifier>, OpenedNote) = {
        let enoch = Signer::new("EnochRoot", SigningKey::from_bytes(&[3; 32])).unwrap();
        let signed = sign_note(TEXT, &[&peter_signer(), &enoch]).unwrap().into_bytes();
        let known = vec![peter(), enoch.verifier().clone()];
        let opened = open_note(&signed, &known).unwrap();
        (signed, known, opened)
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// format -> parse -> format is the identity for any text and any
    /// signature lines (verified or not).
    #[test]
    fn notes_round_trip(text in arb_text(), signatures in prop::collection::vec(arb_signature(), 1..5)) {
        let mut note = Note::new(text.clone()).unwrap();
        for s in signatures {
            note.add_signature(s).unwrap();
        }
        let encoded = note.encode();
        let parsed = Note::parse(encoded.as_bytes()).unwrap();
        prop_assert_eq!(parsed.text(), text.as_str());
        prop_assert_eq!(&parsed, &note);
        prop_assert_eq!(parsed.encode(), encoded);
    }

    /// Any changed byte of a signed note is refused, or loses a signature:
    /// never the same text with the same signers, never another text.
    #[test]
    fn a_changed_byte_of_a_signed_note_is_refused_or_loses_a_signature(
        position in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        SIGNED.with(|(signed, known, opened)| {
            let mut bytes = signed.clone();
            let i = position.index(bytes.len());
            bytes[i] ^= mask;
            if let Ok(o) = open_note(&bytes, known) {
                prop_assert_eq!(o.note.text(), opened.note.text());
                prop_assert!(o.verified.len() < opened.verified.len(), "byte {} changed, both signatures still verify", i);
            }
            Ok(())
        })?;
    }
}
