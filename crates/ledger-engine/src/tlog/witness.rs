//! A witness following a published log (`ledger witness`): the log's
//! checkpoint read from its tiles, proven consistent with the newest one
//! this witness cosigned, and only then cosigned; an inconsistent one kept
//! as evidence.

use crate::{Error, files};
use ledger_core::{SigningKey, Timestamp};
use std::path::Path;

use super::checkpoint::{open_signed, open_state};
use super::cosign::{CosignRequest, Cosigning, cosign};
use super::keys::{b64, log_keys, write_atomically};

/// What `ledger witness` is given.
#[derive(Debug)]
pub struct WitnessRequest<'a> {
    /// The witness's private key.
    pub key: SigningKey,
    /// The witness name.
    pub name: &'a str,
    /// The log's verifier key (text or file).
    pub log_vkey: &'a str,
    /// The witness's folder: `checkpoint` (the newest it cosigned),
    /// `cosigned` (that checkpoint with the cosignature), `forks/` (the
    /// evidence of every inconsistent checkpoint presented).
    pub state: &'a Path,
    /// The witness's clock: the time of its cosignature.
    pub now: Timestamp,
}

/// Follows a log published as tiles (`ledger serve`, `ledger export-tiles`):
/// reads its checkpoint, proves it consistent with the newest one this
/// witness cosigned from the published hash tiles, and only then cosigns
/// (cosignature/v1, [`cosign`]). An inconsistent checkpoint is kept under
/// `forks/` with the proof it came with, and not cosigned.
pub fn witness(
    source: &dyn crate::tiles::TileSource,
    req: WitnessRequest<'_>,
    warnings: &mut Vec<String>,
) -> Result<(Cosigning, String), Error> {
    let io = |p: &Path, e: std::io::Error| Error::refused(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(req.state).map_err(|e| io(req.state, e))?;
    let keys = log_keys(Some(req.log_vkey), None)?;
    let presented =
        source.get("checkpoint", usize::try_from(files::CHECKPOINT.bytes).unwrap_or(usize::MAX))?.ok_or_else(|| {
            Error::refused_with(
                format!("{}: no checkpoint published", source.name()),
                crate::Remedy::FixInput { input: crate::Input::Tiles },
            )
        })?;
    let presented = String::from_utf8(presented)
        .map_err(|_| Error::refused(format!("{}/checkpoint is not UTF-8", source.name())))?;
    let new = open_signed(presented.as_bytes(), &format!("{}/checkpoint", source.name()), &keys)?;
    let state = req.state.join("checkpoint");
    let incoming = req.state.join(".incoming");
    let incoming_proof = req.state.join(".incoming.proof");
    write_atomically(&incoming, &presented)?;
    let mut proof_path = None;
    if let Some(old) = open_state(&state, &keys)?
        && new.size() > old.size()
    {
        let reader = crate::tiles::TileHashes::new(source, new.size());
        let hashes = ledger_tlog::consistency_proof(old.size(), new.size(), &reader)
            .map_err(|e| Error::refused(format!("reading the consistency proof from the tiles: {e}")))?;
        let mut body = format!("old {}\n", old.size());
        for h in &hashes {
            body.push_str(&b64(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&presented);
        write_atomically(&incoming_proof, &body)?;
        proof_path = Some(incoming_proof.as_path());
    }
    let result = cosign(
        None,
        CosignRequest {
            key: req.key,
            name: req.name,
            state: Some(&state),
            vkey: Some(req.log_vkey),
            proof: proof_path,
            checkpoint: &incoming,
            now: req.now,
        },
        warnings,
    );
    let outcome = match result {
        Ok(Cosigning::Cosigned(c)) => {
            let mut cosigned = presented.clone();
            cosigned.push_str(&c.line);
            if !c.line.ends_with('\n') {
                cosigned.push('\n');
            }
            write_atomically(&req.state.join("cosigned"), &cosigned)?;
            Ok((Cosigning::Cosigned(c), cosigned))
        }
        Ok(Cosigning::Refused(p)) => {
            // The evidence: the checkpoint presented and the proof it came with.
            let forks = req.state.join("forks");
            std::fs::create_dir_all(&forks).map_err(|e| io(&forks, e))?;
            let stamp = format!("{}-{}", new.size(), req.now.as_unix());
            write_atomically(&forks.join(format!("{stamp}.checkpoint")), &presented)?;
            if proof_path.is_some() {
                let body = std::fs::read_to_string(&incoming_proof).map_err(|e| io(&incoming_proof, e))?;
                write_atomically(&forks.join(format!("{stamp}.proof")), &body)?;
            }
            Ok((Cosigning::Refused(p), presented.clone()))
        }
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&incoming);
    let _ = std::fs::remove_file(&incoming_proof);
    outcome
}
