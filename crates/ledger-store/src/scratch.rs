//! Scratch space for a verification in bounded memory: which records use
//! which event id, kept in a private temporary SQLite database on disk
//! (SQLite's own temporary file, deleted when dropped), never beside the
//! ledger.

use crate::StoreError;
use rusqlite::{Connection, params};

/// Rows buffered before they are written in one transaction.
const BATCH: usize = 8192;

/// The event id digests of the records verified, to find the ones used twice.
#[derive(Debug)]
pub struct IdScratch {
    conn: Connection,
    pending: Vec<(i64, i64, i64)>,
}

impl IdScratch {
    /// An empty scratch database.
    pub fn new() -> Result<IdScratch, StoreError> {
        let conn = Connection::open("")?;
        // On disk, whatever the compiled-in default: this is what keeps the
        // verification's memory flat in the number of records.
        conn.pragma_update(None, "temp_store", "FILE")?;
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.execute_batch("CREATE TABLE ids (hi INTEGER NOT NULL, lo INTEGER NOT NULL, seq INTEGER NOT NULL);")?;
        Ok(IdScratch { conn, pending: Vec::with_capacity(BATCH) })
    }

    /// Notes that record `seq` uses the event id with this digest.
    pub fn insert(&mut self, digest: u128, seq: u64) -> Result<(), StoreError> {
        let hi = (digest >> 64) as u64 as i64;
        let lo = digest as u64 as i64;
        self.pending.push((hi, lo, i64::try_from(seq).unwrap_or(i64::MAX)));
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("INSERT INTO ids (hi, lo, seq) VALUES (?1, ?2, ?3)")?;
            for (hi, lo, seq) in self.pending.drain(..) {
                stmt.execute(params![hi, lo, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every event id used by more than one record: the records that use
    /// it, in sequence order; the groups in the order of their second use.
    pub fn reused(&mut self) -> Result<Vec<Vec<u64>>, StoreError> {
        self.flush()?;
        self.conn.execute_batch("CREATE INDEX ids_digest ON ids (hi, lo, seq);")?;
        let mut stmt = self.conn.prepare(
            "SELECT i.hi, i.lo, i.seq FROM ids i JOIN \
             (SELECT hi, lo FROM ids GROUP BY hi, lo HAVING count(*) > 1) d ON d.hi = i.hi AND d.lo = i.lo \
             ORDER BY i.hi, i.lo, i.seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut groups: Vec<Vec<u64>> = Vec::new();
        let mut last = None;
        while let Some(row) = rows.next()? {
            let key: (i64, i64) = (row.get(0)?, row.get(1)?);
            let seq = u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0);
            if last != Some(key) {
                groups.push(Vec::new());
                last = Some(key);
            }
            if let Some(g) = groups.last_mut() {
                g.push(seq);
            }
        }
        groups.sort_by_key(|g| g.get(1).copied());
        Ok(groups)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn finds_every_reuse_in_order() {
        let mut s = IdScratch::new().unwrap();
        for seq in 0..20_000u64 {
            s.insert(u128::from(seq) << 70 | 7, seq).unwrap();
        }
        s.insert(5 << 70 | 7, 30_000).unwrap();
        s.insert(5 << 70 | 7, 30_001).unwrap();
        s.insert(u128::MAX, 40_000).unwrap();
        s.insert(u128::MAX, 40_002).unwrap();
        assert_eq!(s.reused().unwrap(), vec![vec![5, 30_000, 30_001], vec![40_000, 40_002]]);
    }
}
