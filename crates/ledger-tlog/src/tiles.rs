//! C2SP `tlog-tiles`: the Merkle tree and the entries of the log as static
//! resources (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), so that
//! any web server or object store can publish the log and any tlog client
//! can read it.
//!
//! A tile at level `L` holds up to 256 consecutive hashes of the tree at
//! height `8 L`: hash `i` of tile `N` is the node covering leaves
//! `[(N * 256 + i) * 256^L, (N * 256 + i + 1) * 256^L)`. An entry bundle
//! holds the log entries of a level-0 tile, each prefixed by its length as
//! a big-endian `u16`. The ledger's entries are the 32-byte record hashes
//! (`docs/TLOG.md` section 1); the records themselves are published beside
//! them as record bundles (`docs/TLOG.md`, "Static tiles"), which this
//! module names but does not define.

use crate::merkle::Hash;
use crate::tree::NodeId;
use std::fmt;

/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Bits of tree height one tile level spans.
pub const TILE_HEIGHT: u8 = 8;
/// The highest tile level a tree of `u64` leaves can have.
pub const MAX_LEVEL: u8 = 7;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Hashes of the tree at tile level `L` (`tile/<L>/...`).
    Hashes(u8),
    /// Log entries (`tile/entries/...`).
    Entries,
    /// The ledger's records (`records/...`), beside the entries.
    Records,
}

/// One tile, entry bundle or record bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Which kind.
    pub kind: TileKind,
    /// Its index within its level.
    pub index: u64,
    /// Its width: 256 for a full one, 1 to 255 for a partial one.
    pub width: u64,
}

/// A path that is not a tile path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tile path: {0}")]
pub struct TilePathError(pub &'static str);

impl Tile {
    /// The tree level its hashes are at (entries and records: the leaves).
    pub fn tree_level(&self) -> u8 {
        match self.kind {
            TileKind::Hashes(l) => l * TILE_HEIGHT,
            TileKind::Entries | TileKind::Records => 0,
        }
    }

    /// Whether it holds 256 items.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The nodes its hashes are, left to right.
    pub fn nodes(&self) -> Vec<NodeId> {
        let level = self.tree_level();
        (0..self.width).map(|i| NodeId::new(level, self.index * TILE_WIDTH + i)).collect()
    }

    /// The leaves it spans: `[start, end)` (entries and records: its items).
    pub fn leaves(&self) -> (u64, u64) {
        let span = 1u64 << self.tree_level();
        let start = self.index * TILE_WIDTH * span;
        (start, start + self.width * span)
    }

    /// The path below the log's prefix.
    pub fn path(&self) -> String {
        let n = encode_index(self.index);
        let partial = if self.is_full() { String::new() } else { format!(".p/{}", self.width) };
        match self.kind {
            TileKind::Hashes(l) => format!("tile/{l}/{n}{partial}"),
            TileKind::Entries => format!("tile/entries/{n}{partial}"),
            TileKind::Records => format!("records/{n}{partial}"),
        }
    }

    /// Reads a path below the prefix, exactly as [`Tile::path`] writes it
    /// (no leading zeros, every element but the last starting with `x`).
    pub fn parse(path: &str) -> Result<Tile, TilePathError> {
        let path = path.trim_start_matches('/');
        let (kind, rest) = if let Some(rest) = path.strip_prefix("tile/entries/") {
            (TileKind::Entries, rest)
        } else if let Some(rest) = path.strip_prefix("records/") {
            (TileKind::Records, rest)
        } else if let Some(rest) = path.strip_prefix("tile/") {
            let (level, rest) = rest.split_once('/').ok_or(TilePathError("no index"))?;
            let l: u8 = decimal(level).ok_or(TilePathError("the level is not a decimal without leading zeros"))?;
            if l > MAX_LEVEL {
                return Err(TilePathError("no tree has tiles at that level"));
            }
            (TileKind::Hashes(l), rest)
        } else {
            return Err(TilePathError("a tile path starts with tile/ or records/"));
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, w)) => {
                let w: u64 = decimal(w).ok_or(TilePathError("the width is not a decimal without leading zeros"))?;
                if w == 0 || w >= TILE_WIDTH {
                    return Err(TilePathError("a partial tile is 1 to 255 wide"));
                }
                (index, w)
            }
            None => (rest, TILE_WIDTH),
        };
        let index = decode_index(index).ok_or(TilePathError("the index is not x-prefixed 3-digit groups"))?;
        Ok(Tile { kind, index, width })
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

fn decimal<T: std::str::FromStr>(s: &str) -> Option<T> {
    let ok = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if ok { s.parse().ok() } else { None }
}

/// `1234067` -> `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        groups.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// The inverse of [`encode_index`], refusing every other spelling.
pub fn decode_index(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('/').collect();
    let (last, leading) = parts.split_last()?;
    let digits = |p: &str| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(last) || leading.iter().any(|p| !p.strip_prefix('x').is_some_and(digits)) {
        return None;
    }
    if leading.first().is_some_and(|p| *p == "x000") {
        return None; // a leading zero group
    }
    let mut n: u64 = 0;
    for p in leading.iter().map(|p| &p[1..]).chain(std::iter::once(*last)) {
        n = n.checked_mul(1000)?.checked_add(p.parse::<u64>().ok()?)?;
    }
    Some(n)
}

/// The tiles, entry bundles and record bundles a tree of `size` leaves is
/// published as, full and partial, for tiles that reach past `from` leaves
/// (0: all of them). Publishing the tiles of a new size after an older one
/// adds the new full tiles and the new partial ones.
pub fn tiles_for(size: u64, from: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    for level in 0..=MAX_LEVEL {
        let span = 1u64 << (u32::from(level) * u32::from(TILE_HEIGHT));
        let nodes = size / span; // complete nodes at this height
        if nodes == 0 {
            break;
        }
        let first = from / span / TILE_WIDTH;
        for index in first..=nodes / TILE_WIDTH {
            let width = (nodes - index * TILE_WIDTH).min(TILE_WIDTH);
            if width == 0 {
                continue;
            }
            let kinds: &[TileKind] = if level == 0 {
                &[TileKind::Hashes(0), TileKind::Entries, TileKind::Records]
            } else {
                &[TileKind::Hashes(level)]
            };
            for &kind in kinds {
                out.push(Tile { kind, index, width });
            }
        }
    }
    out
}

/// Whether a tree of `size` leaves has every hash of the tile.
pub fn available(tile: &Tile, size: u64) -> bool {
    tile.leaves().1 <= size
}

/// The bytes of a hash tile.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

/// Reads a hash tile of `width` hashes.
pub fn decode_hashes(bytes: &[u8], width: u64) -> Option<Vec<Hash>> {
    let width = usize::try_from(width).ok()?;
    if bytes.len() != width * 32 {
        return None;
    }
    Some(bytes.chunks_exact(32).map(|c| c.try_into().unwrap_or([0; 32])).collect())
}

/// An entry bundle: each entry prefixed by its big-endian `u16` length.
pub fn encode_entries(entries: &[&[u8]]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        out.extend_from_slice(&u16::try_from(e.len()).ok()?.to_be_bytes());
        out.extend_from_slice(e);
    }
    Some(out)
}

/// Reads an entry bundle of exactly `width` entries.
pub fn decode_entries(mut bytes: &[u8], width: u64) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if rest.len() < len {
            return None;
        }
        out.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    (out.len() as u64 == width).then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_are_spelled_as_the_spec_spells_them() {
        assert_eq!(encode_index(1_234_067), "x001/x234/067");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(Tile { kind: TileKind::Hashes(0), index: 1_234_067, width: 256 }.path(), "tile/0/x001/x234/067");
        assert_eq!(Tile { kind: TileKind::Entries, index: 5, width: 112 }.path(), "tile/entries/005.p/112");
        for p in ["tile/0/x001/x234/067", "tile/2/000.p/1", "tile/entries/005.p/112", "records/x001/000"] {
            assert_eq!(Tile::parse(p).unwrap().path(), p);
        }
        for bad in [
            "tile/0/1234067",
            "tile/0/x001/234/067",
            "tile/00/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/012",
            "tile/0/x000/001",
            "tile/9/000",
            "checkpoint",
            "tile/0/../000",
        ] {
            assert!(Tile::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_tree_of_70000_is_the_spec_s_example() {
        // 273 full level-0 tiles, one partial of 112; one full level-1 tile,
        // a partial one of 17; a partial level-2 tile of 1.
        let tiles = tiles_for(70_000, 0);
        let hashes = |l: u8| tiles.iter().filter(|t| t.kind == TileKind::Hashes(l)).collect::<Vec<_>>();
        assert_eq!(hashes(0).len(), 274);
        assert_eq!(hashes(0).iter().filter(|t| t.is_full()).count(), 273);
        assert_eq!(hashes(0).last().unwrap().width, 112);
        assert_eq!(hashes(1).iter().map(|t| t.width).collect::<Vec<_>>(), [256, 17]);
        assert_eq!(hashes(2).iter().map(|t| t.width).collect::<Vec<_>>(), [1]);
        assert!(hashes(3).is_empty());
        assert_eq!(tiles_for(256, 0).iter().filter(|t| t.kind == TileKind::Hashes(1)).count(), 1);
        // after 69,000 leaves were published: the tiles reaching past them
        let more = tiles_for(70_000, 69_000);
        assert!(more.iter().all(|t| t.leaves().1 > 69_000 || t.width < 256), "{more:?}");
        assert!(more.len() < 20);
        assert!(tiles.iter().all(|t| available(t, 70_000)));
    }

    #[test]
    fn bundles_round_trip() {
        let e: Vec<&[u8]> = vec![b"a", b"", &[7; 32]];
        let bytes = encode_entries(&e).unwrap();
        assert_eq!(decode_entries(&bytes, 3).unwrap(), e.iter().map(|x| x.to_vec()).collect::<Vec<_>>());
        assert!(decode_entries(&bytes, 2).is_none());
        assert!(decode_entries(&bytes[..bytes.len() - 1], 3).is_none());
        let h = vec![[1u8; 32], [2; 32]];
        assert_eq!(decode_hashes(&encode_hashes(&h), 2).unwrap(), h);
        assert!(decode_hashes(&encode_hashes(&h), 3).is_none());
    }
}
