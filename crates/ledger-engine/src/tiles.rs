//! The ledger as static tiles (`docs/TLOG.md`, "Static tiles"): the C2SP
//! `tlog-tiles` hash tiles and entry bundles (the entries are the 32-byte
//! record hashes), and beside them record bundles holding the records
//! themselves, so that the ledger can be rebuilt and verified from the
//! tiles alone (`ledger verify --tiles`). Served by `ledger serve`, written
//! by `ledger export-tiles`.
//!
//! A record bundle (`records/<N>[.p/<W>]`) is the records of the level-0
//! tile `N`, one JSON object per line: `{"seq", "prev", "hash", "envelope",
//! "signatures"}`, the hashes in hex, the envelope and the signature list
//! as strings holding their exact stored bytes.

use crate::remedy::{Input, Remedy};
use crate::{Error, Ledger};
use ledger_core::RawRecord;
use ledger_tlog::HashReader;
use ledger_tlog::tiles::{self, Tile, TileKind};
use serde_json::{Value, json};
use std::path::Path;

/// The latest signed checkpoint the ledger recorded: its size and note.
pub fn latest_checkpoint(ledger: &Ledger) -> Result<Option<(u64, String)>, Error> {
    let Some(record) = ledger.store().last_of_type(ledger_tlog::event::CHECKPOINT_TYPE)? else { return Ok(None) };
    let (cp, note) = ledger_tlog::event::check_checkpoint_event(&record.envelope)
        .map_err(|e| Error::refused(format!("the checkpoint recorded at seq {} is invalid: {e}", record.seq)))?;
    Ok(Some((cp.size, note)))
}

impl Ledger {
    /// The bytes of a tile, entry bundle or record bundle, refused unless
    /// the tree of `size` records (at most the ledger's) has all of it.
    pub fn tile(&self, tile: &Tile, size: u64) -> Result<Vec<u8>, Error> {
        let tree = self.store().tree();
        let records = tree.current_size().map_err(|e| Error::refused(e.to_string()))?;
        if size > records || !tiles::available(tile, size) {
            return Err(Error::refused(format!("{tile} is beyond the tree of {size} records")));
        }
        let (start, end) = tile.leaves();
        match tile.kind {
            TileKind::Hashes(_) => {
                let hashes = tree.read_hashes(&tile.nodes())?;
                Ok(tiles::encode_hashes(&hashes))
            }
            TileKind::Entries => {
                let raws = self.raw_range(start, end)?;
                let entries: Vec<&[u8]> = raws.iter().map(|r| r.hash.as_slice()).collect();
                tiles::encode_entries(&entries).ok_or_else(|| Error::refused("an entry longer than 65535 bytes"))
            }
            TileKind::Records => {
                let mut out = String::new();
                for r in self.raw_range(start, end)? {
                    out.push_str(&record_line(&r)?);
                    out.push('\n');
                }
                Ok(out.into_bytes())
            }
        }
    }

    fn raw_range(&self, start: u64, end: u64) -> Result<Vec<RawRecord>, Error> {
        let limit = usize::try_from(end - start).unwrap_or(usize::MAX);
        let raws = self.store().read(start, limit)?;
        let gapless = raws.len() == limit && raws.iter().zip(start..).all(|(r, seq)| r.seq == seq);
        if !gapless {
            return Err(Error::Tampered {
                seq: start,
                message: format!("records {start} to {} are not all there", end - 1),
            });
        }
        Ok(raws)
    }

    /// Writes the ledger as static tiles in `dir`, for the size of its
    /// latest signed checkpoint: `dir/checkpoint` and every tile, entry
    /// bundle and record bundle of that size. Run again, it writes what the
    /// new size adds (full tiles already there are immutable and kept).
    /// Returns the size and how many files were written.
    pub fn export_tiles(&self, dir: &Path) -> Result<(u64, usize), Error> {
        let (size, note) = latest_checkpoint(self)?.ok_or_else(|| {
            Error::refused_with(
                "the ledger has no signed checkpoint: tiles are published for the size of one",
                Remedy::SignCheckpoint { newer: false },
            )
        })?;
        let io = |p: &Path, e: std::io::Error| Error::refused(format!("writing {}: {e}", p.display()));
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let mut written = 0;
        let all = tiles::tiles_for(size, 0);
        let progress = crate::progress::task("writing tiles", all.len() as u64);
        for tile in all {
            progress.advance(1);
            let path = dir.join(tile.path());
            if tile.is_full() && path.is_file() {
                continue;
            }
            let bytes = self.tile(&tile, size)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            write_atomic(&path, &bytes).map_err(|e| io(&path, e))?;
            written += 1;
        }
        // The checkpoint last: a reader never sees one whose tiles are missing.
        let cp = dir.join("checkpoint");
        write_atomic(&cp, note.as_bytes()).map_err(|e| io(&cp, e))?;
        Ok((size, written + 1))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// One line of a record bundle.
pub fn record_line(r: &RawRecord) -> Result<String, Error> {
    let text = |b: &[u8], what: &str| {
        String::from_utf8(b.to_vec())
            .map_err(|_| Error::Tampered { seq: r.seq, message: format!("record {}: its {what} is not UTF-8", r.seq) })
    };
    let line = json!({
        "seq": r.seq,
        "prev": hex::encode(&r.prev),
        "hash": hex::encode(&r.hash),
        "envelope": text(&r.envelope, "envelope")?,
        "signatures": text(&r.signatures, "signature list")?,
    });
    Ok(line.to_string())
}

/// Reads a record bundle of the level-0 tile `index`, `width` records,
/// refusing anything else (the records must be the tile's, in order).
pub fn read_record_bundle(bytes: &[u8], index: u64, width: u64) -> Result<Vec<RawRecord>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let out = read_record_lines(text, index * tiles::TILE_WIDTH)?;
    if out.len() as u64 != width {
        return Err(format!("{} records where the bundle should hold {width}", out.len()));
    }
    Ok(out)
}

/// Record lines (as in a record bundle), the first of them record `first`.
pub fn read_record_lines(text: &str, first: u64) -> Result<Vec<RawRecord>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: Value = ledger_core::canonical::parse_unique(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let field = |k: &str| v.get(k).ok_or_else(|| format!("line {}: no {k:?}", i + 1));
        let hexed = |k: &str| -> Result<Vec<u8>, String> {
            let s = field(k)?.as_str().ok_or_else(|| format!("line {}: {k:?} is not a string", i + 1))?;
            hex::decode(s).map_err(|_| format!("line {}: {k:?} is not hex", i + 1))
        };
        let bytes = |k: &str| -> Result<Vec<u8>, String> {
            Ok(field(k)?.as_str().ok_or_else(|| format!("line {}: {k:?} is not a string", i + 1))?.as_bytes().to_vec())
        };
        let seq = field("seq")?.as_u64().ok_or_else(|| format!("line {}: \"seq\" is not a number", i + 1))?;
        let expected = first + i as u64;
        if seq != expected {
            return Err(format!("line {}: record {seq} where record {expected} belongs", i + 1));
        }
        out.push(RawRecord {
            seq,
            prev: hexed("prev")?,
            hash: hexed("hash")?,
            envelope: bytes("envelope")?,
            signatures: bytes("signatures")?,
        });
    }
    Ok(out)
}

/// Where published tiles are read from: a folder, or a web server.
pub trait TileSource {
    /// The bytes at `path` below the log's prefix (`checkpoint`,
    /// `tile/0/000`...), at most `limit` bytes; `None` if there is none.
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, Error>;
    /// The source, for messages.
    fn name(&self) -> String;
}

/// Tiles in a folder (`ledger export-tiles DIR`).
#[derive(Debug, Clone)]
pub struct Folder(pub std::path::PathBuf);

impl TileSource for Folder {
    fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, Error> {
        let file = self.0.join(path);
        if !file.is_file() {
            return Ok(None);
        }
        Ok(Some(crate::files::read(&file, crate::files::Limit { what: "published tile", bytes: limit as u64 })?))
    }
    fn name(&self) -> String {
        self.0.display().to_string()
    }
}

/// What verifying published tiles found.
#[derive(Debug)]
pub struct TilesVerification {
    /// The published checkpoint's size.
    pub size: u64,
    /// The full verification of the ledger the record bundles hold, plus
    /// the findings about the tiles and the checkpoint themselves.
    pub verification: crate::verify::Verification,
}

/// The bytes of one record bundle at most (256 records of at most 1 MiB).
const BUNDLE_LIMIT: usize = 256 * 2 * 1024 * 1024 + 64 * 1024;

/// Rebuilds the ledger from published tiles into `scratch` (a file that
/// must not exist; removed by the caller) and verifies it fully, as `ledger
/// verify` verifies a file; then checks what was published against it: the
/// checkpoint's signature (by `vkey`, else by the log keys the ledger's
/// own governance records name) and root, every entry bundle and level-0
/// tile against the records.
pub fn verify_tiles(
    source: &dyn TileSource,
    scratch: &Path,
    options: ledger_core::verify::Options,
    vkey: Option<&str>,
) -> Result<TilesVerification, Error> {
    use ledger_core::verify::{Check, Finding};
    let note = source.get("checkpoint", 64 * 1024)?.ok_or_else(|| {
        Error::refused_with(format!("{}: no checkpoint", source.name()), Remedy::FixInput { input: Input::Tiles })
    })?;
    let text = ledger_tlog::Note::parse(&note)
        .map_err(|e| Error::refused(format!("{}/checkpoint is not a signed note: {e}", source.name())))?;
    let cp = ledger_tlog::Checkpoint::parse(text.text())
        .map_err(|e| Error::refused(format!("{}/checkpoint is not a checkpoint: {e}", source.name())))?;
    let size = cp.size;
    let mut tile_findings = Vec::new();
    let bundles: Vec<Tile> = tiles::tiles_for(size, 0).into_iter().filter(|t| t.kind == TileKind::Records).collect();
    let mut pending = bundles.iter();
    let mut next = || -> Result<Option<Vec<RawRecord>>, String> {
        let Some(b) = pending.next() else { return Ok(None) };
        let bytes = source
            .get(&b.path(), BUNDLE_LIMIT)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{}/{} is missing", source.name(), b.path()))?;
        let raws =
            read_record_bundle(&bytes, b.index, b.width).map_err(|e| format!("{}/{}: {e}", source.name(), b.path()))?;
        // The standard tiles must describe these very records.
        let entries_tile = Tile { kind: TileKind::Entries, ..*b };
        let leaves_tile = Tile { kind: TileKind::Hashes(0), ..*b };
        let entries = source.get(&entries_tile.path(), BUNDLE_LIMIT).map_err(|e| e.to_string())?;
        let expected: Vec<&[u8]> = raws.iter().map(|r| r.hash.as_slice()).collect();
        if entries.as_deref() != tiles::encode_entries(&expected).as_deref() {
            tile_findings.push(Finding {
                seq: b.leaves().0,
                check: Check::Tree,
                message: format!("{} does not hold the hashes of the published records", entries_tile.path()),
            });
        }
        let leaves = source.get(&leaves_tile.path(), 64 * 1024).map_err(|e| e.to_string())?;
        let hashes: Vec<ledger_tlog::Hash> = raws
            .iter()
            .map(|r| ledger_tlog::leaf_hash(&<[u8; 32]>::try_from(r.hash.as_slice()).unwrap_or([0; 32])))
            .collect();
        if leaves.as_deref() != Some(tiles::encode_hashes(&hashes).as_slice()) {
            tile_findings.push(Finding {
                seq: b.leaves().0,
                check: Check::Tree,
                message: format!("{} does not hold the leaf hashes of the published records", leaves_tile.path()),
            });
        }
        Ok(Some(raws))
    };
    let store = ledger_store::Store::import(scratch, &mut next).map_err(|e| match e {
        ledger_store::StoreError::Corrupt { reason, .. } => Error::refused(reason),
        other => Error::from(other),
    })?;
    drop(store);
    let mut ledger = Ledger::open_read_only(scratch, crate::local::Cache::disabled())?;
    let mut verification = crate::verify::verify_store(ledger.store(), options)?;
    // The checkpoint: signed by the log, and the root of the records.
    let keys = crate::tlog::log_keys(vkey, Some(&ledger))?;
    let mut extra = tile_findings;
    match ledger_tlog::open_checkpoint(&note, &keys[0])
        .or_else(|e| keys[1..].iter().find_map(|k| ledger_tlog::open_checkpoint(&note, k).ok()).ok_or(e))
    {
        Ok(_) => {}
        Err(e) => extra.push(Finding {
            seq: size.saturating_sub(1),
            check: Check::Consistency,
            message: format!("the published checkpoint is not signed by the log: {e}"),
        }),
    }
    let root = ledger.store().tree().root(size).map_err(|e| Error::refused(e.to_string()))?;
    if root != cp.root {
        extra.push(Finding {
            seq: size.saturating_sub(1),
            check: Check::Consistency,
            message: format!("the published checkpoint of {size} records has another root than the published records"),
        });
    }
    if cp.origin != ledger.store().head()?.origin {
        extra.push(Finding {
            seq: 0,
            check: Check::Consistency,
            message: format!("the published checkpoint is for the log {:?}, not this ledger's", cp.origin),
        });
    }
    ledger.take_warnings();
    // The published checkpoint, once it holds, covers every published record.
    if extra.is_empty() {
        verification.unsealed = 0;
    }
    verification.report.findings.extend(extra);
    verification.report.findings.sort_by_key(|f| f.seq);
    Ok(TilesVerification { size, verification })
}

/// The stored hashes of a published tree of `size` leaves, read from its
/// hash tiles: a node at level `l` is computed from the tile hashes at
/// level `8 * (l / 8)` below it. Tiles are fetched once each.
pub struct TileHashes<'a> {
    source: &'a dyn TileSource,
    size: u64,
    fetched: std::cell::RefCell<std::collections::HashMap<Tile, Vec<ledger_tlog::Hash>>>,
}

impl std::fmt::Debug for TileHashes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileHashes").field("source", &self.source.name()).field("size", &self.size).finish()
    }
}

impl<'a> TileHashes<'a> {
    /// A reader of the tree of `size` leaves published at `source`.
    pub fn new(source: &'a dyn TileSource, size: u64) -> TileHashes<'a> {
        TileHashes { source, size, fetched: std::cell::RefCell::default() }
    }

    fn tile(&self, level: u8, index: u64) -> Result<Vec<ledger_tlog::Hash>, String> {
        let below = self.size >> (u32::from(level) * 8);
        let width = below.saturating_sub(index * tiles::TILE_WIDTH).min(tiles::TILE_WIDTH);
        let tile = Tile { kind: TileKind::Hashes(level), index, width };
        if let Some(h) = self.fetched.borrow().get(&tile) {
            return Ok(h.clone());
        }
        let bytes = self
            .source
            .get(&tile.path(), 64 * 1024)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{}/{} is missing", self.source.name(), tile.path()))?;
        let hashes = tiles::decode_hashes(&bytes, width)
            .ok_or_else(|| format!("{}/{} does not hold {width} hashes", self.source.name(), tile.path()))?;
        self.fetched.borrow_mut().insert(tile, hashes.clone());
        Ok(hashes)
    }
}

/// A tile that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TileReadError(String);

impl ledger_tlog::HashReader for TileHashes<'_> {
    type Error = TileReadError;

    fn read_hashes(&self, ids: &[ledger_tlog::NodeId]) -> Result<Vec<ledger_tlog::Hash>, TileReadError> {
        ids.iter()
            .map(|id| {
                let tile_level = id.level / 8;
                let k = u32::from(id.level % 8);
                let first = id.index.checked_shl(k).ok_or_else(|| TileReadError("node out of range".into()))?;
                let hashes = self.tile(tile_level, first / tiles::TILE_WIDTH).map_err(TileReadError)?;
                let at = usize::try_from(first % tiles::TILE_WIDTH).unwrap_or(usize::MAX);
                let mut level: Vec<ledger_tlog::Hash> = hashes
                    .get(at..at + (1usize << k))
                    .ok_or_else(|| TileReadError(format!("the tiles do not hold node {}/{}", id.level, id.index)))?
                    .to_vec();
                while level.len() > 1 {
                    level = level.chunks(2).map(|p| ledger_tlog::node_hash(&p[0], &p[1])).collect();
                }
                Ok(level[0])
            })
            .collect()
    }
}
