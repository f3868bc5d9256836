//! Self-contained proofs: a proof bundle holds a record, its inclusion
//! proof and the log's verifier key in one JSON document (`ledger prove
//! --bundle`), checked with a trusted log key (`verify_bundle`).

use crate::{Error, Ledger};
use ledger_tlog::{ProofFile, Verifier};
use serde::Serialize;
use std::path::Path;

use super::keys::log_keys;
use super::proof::{InclusionProof, ProofVerdict, verify_proof};

/// The first member of a proof bundle (`ledger prove --bundle`).
pub const BUNDLE_FORMAT: &str = "assessment-ledger/proof-bundle/v1";

/// A record, its inclusion proof and the log's verifier key in one JSON
/// document (`docs/TLOG.md` section 3): `{"format", "record": {"seq",
/// "prev", "hash", "envelope", "signatures"}, "proof", "vkey"}`, the record
/// as in a record bundle (hashes in hex, envelope and signature list as
/// their exact stored bytes).
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The record, as stored.
    pub record: ledger_core::RawRecord,
    /// The `c2sp.org/tlog-proof@v1` file.
    pub proof: String,
    /// The log's verifier key the bundle names (never trusted for itself).
    pub vkey: String,
}

impl Bundle {
    /// The bundle as one JSON document.
    pub fn encode(&self) -> Result<String, Error> {
        let line = crate::tiles::record_line(&self.record)?;
        let record: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| Error::refused(format!("encoding the bundle: {e}")))?;
        let v = serde_json::json!({"format": BUNDLE_FORMAT, "record": record, "proof": self.proof, "vkey": self.vkey});
        Ok(format!("{v}\n"))
    }

    /// Reads a bundle; `None` when `bytes` is not one (a plain proof file).
    pub fn parse(bytes: &[u8], source: &str) -> Result<Option<Bundle>, Error> {
        let Ok(text) = std::str::from_utf8(bytes) else { return Ok(None) };
        if !text.trim_start().starts_with('{') {
            return Ok(None);
        }
        let bad = |why: String| {
            Error::refused_with(
                format!("{source} is not a proof bundle: {why}"),
                crate::Remedy::FixInput { input: crate::Input::ProofBundle },
            )
        };
        let v = ledger_core::canonical::parse_unique(text.trim_end()).map_err(|e| bad(e.to_string()))?;
        let Some(obj) = v.as_object() else { return Err(bad("not a JSON object".into())) };
        if let Some(k) = obj.keys().find(|k| !matches!(k.as_str(), "format" | "record" | "proof" | "vkey")) {
            return Err(bad(format!("unknown member {k:?}")));
        }
        if obj.get("format").and_then(|f| f.as_str()) != Some(BUNDLE_FORMAT) {
            return Err(bad(format!("\"format\" is not {BUNDLE_FORMAT:?}")));
        }
        let text_of = |k: &str| {
            obj.get(k).and_then(|x| x.as_str()).map(str::to_owned).ok_or_else(|| bad(format!("no string {k:?}")))
        };
        let (proof, vkey) = (text_of("proof")?, text_of("vkey")?);
        let record = obj.get("record").ok_or_else(|| bad("no \"record\"".into()))?;
        let seq = record.get("seq").and_then(|s| s.as_u64()).ok_or_else(|| bad("no record \"seq\"".into()))?;
        let mut raws =
            crate::tiles::read_record_lines(&record.to_string(), seq).map_err(|e| bad(format!("record: {e}")))?;
        if raws.len() != 1 {
            return Err(bad("\"record\" is not one record".into()));
        }
        Ok(Some(Bundle { record: raws.remove(0), proof, vkey }))
    }
}

impl Ledger {
    /// [`Ledger::prove`], with the record and the log's verifier key: a
    /// proof that needs nothing else but a trusted log key to check.
    pub fn prove_bundle(
        &self,
        seq: u64,
        checkpoint: Option<&Path>,
        vkey: Option<&str>,
    ) -> Result<(InclusionProof, Bundle), Error> {
        let proof = self.prove(seq, checkpoint, vkey)?;
        let parsed = ProofFile::parse(proof.proof.as_bytes())
            .map_err(|e| Error::refused(format!("the proof just made does not parse: {e}")))?;
        let key = log_keys(vkey, Some(self))?
            .into_iter()
            .find(|k| ledger_tlog::open_checkpoint(parsed.checkpoint.as_bytes(), k).is_ok())
            .ok_or_else(|| Error::refused("no log key of the ledger signed the checkpoint"))?;
        let record = self.store().get(seq)?.ok_or_else(|| {
            Error::refused_with(format!("record {seq} is missing"), crate::Remedy::Verify { seq: Some(seq) })
        })?;
        let bundle = Bundle { record, proof: proof.proof.clone(), vkey: key.to_string() };
        Ok((proof, bundle))
    }
}

/// What a bundle's record says, once its bytes hash to its hash and its
/// signatures verify.
#[derive(Debug, Clone, Serialize)]
pub struct BundledEvent {
    /// Its seq.
    pub seq: u64,
    /// Its stream.
    pub stream: String,
    /// Its type.
    pub event_type: String,
    /// When it was signed.
    pub time: String,
    /// The author's key id.
    pub author: String,
    /// Its payload.
    pub data: serde_json::Value,
    /// The log key the bundle names, when it is not the trusted one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named_vkey: Option<String>,
}

/// Checks a proof bundle with a trusted log key (and witnesses): the
/// record's bytes hash to its hash, its signatures verify, it names the
/// checkpoint's log, and the proof leads from that hash at its seq to the
/// signed checkpoint. The key the bundle names is never trusted for itself.
pub fn verify_bundle(
    bundle: &Bundle,
    source: &str,
    log_key: &Verifier,
    witnesses: &[Verifier],
    quorum: Option<usize>,
) -> Result<(ProofVerdict, Option<BundledEvent>), Error> {
    let raw = &bundle.record;
    let invalid =
        |error: String| Ok((ProofVerdict::Invalid { record: hex::encode(&raw.hash), index: raw.seq, error }, None));
    let Some(computed) = raw.computed_hash() else {
        return invalid(format!("{source}: the record's prev is not 32 bytes"));
    };
    if computed.0.as_slice() != raw.hash.as_slice() {
        return invalid(format!(
            "{source}: record {} does not hash to the hash it carries (it hashes to {computed}): it was changed",
            raw.seq
        ));
    }
    let signed = match ledger_core::record::SignedEnvelope::from_parts(raw.envelope.clone(), raw.signatures.clone()) {
        Ok(s) => s,
        Err(e) => return invalid(format!("{source}: record {}: {e}", raw.seq)),
    };
    if let Err(e) = signed.verify_signatures() {
        return invalid(format!("{source}: record {}: {e}", raw.seq));
    }
    let verdict = verify_proof(bundle.proof.as_bytes(), source, &computed.to_hex(), log_key, witnesses, quorum)?;
    let verdict = match verdict {
        ProofVerdict::Valid { index, .. } if index != raw.seq => {
            return invalid(format!("{source}: the proof is for record {index}, the record is {}", raw.seq));
        }
        ProofVerdict::Valid { ref origin, .. } if *origin != signed.envelope.origin => {
            return invalid(format!(
                "{source}: the record is of the ledger {:?}, the checkpoint of {origin:?}",
                signed.envelope.origin
            ));
        }
        v => v,
    };
    let env = &signed.envelope;
    let event = BundledEvent {
        seq: raw.seq,
        stream: env.stream.clone(),
        event_type: env.event_type.clone(),
        time: env.time.to_string(),
        author: env.author.key_id().to_string(),
        data: serde_json::Value::Object(env.data.clone()),
        named_vkey: (bundle.vkey != log_key.to_string()).then(|| bundle.vkey.clone()),
    };
    Ok((verdict, Some(event)))
}
