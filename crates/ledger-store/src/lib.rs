//! The assessment ledger on SQLite: the one crate that knows SQL.
//!
//! * [`Store::create`] writes a new ledger file with its genesis record,
//!   atomically, and never over an existing file;
//! * [`Store::append`] runs one `BEGIN IMMEDIATE` transaction: the caller
//!   decides the records against a consistent view of the ledger (see
//!   [`ledger_core::append`]), the store inserts them and commits, or
//!   rolls back and nothing is written;
//! * [`Store::open_read_only`] opens a ledger for verification without ever
//!   writing to it;
//! * [`tree`] keeps the RFC 6962 Merkle tree over the record hashes in the
//!   same transactions as the records, and serves roots and proofs from it
//!   (`docs/TLOG.md`).
//!
//! Records are never updated or deleted: SQL triggers refuse both. The
//! schema is specified in `docs/FORMAT.md`, section "SQLite schema".
//!
//! Non-features: no hashing, signing or rule checking of its own; record
//! hashing is `ledger-core`'s and tree hashing `ledger-tlog`'s, neither of
//! which does I/O.

#![forbid(unsafe_code)]

use ledger_core::append::{Head, LedgerView};
use ledger_core::authority::{Authority, AuthorityError, GOVERNANCE_STREAM};
use ledger_core::{RawRecord, Record};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};

mod scratch;
pub mod tree;
pub use scratch::IdScratch;
pub use tree::{Divergence, Frontier, TreeCheck, TreeFault, TreeReader};

/// `PRAGMA application_id` of a ledger file: "ALG1".
pub const APPLICATION_ID: i32 = 0x414C_4731;

/// `PRAGMA user_version` of the schema this crate writes and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// The schema, as specified in `docs/FORMAT.md`.
pub const SCHEMA: &str = r#"
CREATE TABLE records (
    seq        INTEGER PRIMARY KEY CHECK (seq >= 0),
    prev       BLOB NOT NULL,
    hash       BLOB NOT NULL,
    envelope   TEXT NOT NULL,
    signatures TEXT NOT NULL,
    stream     TEXT    GENERATED ALWAYS AS (json_extract(envelope, '$.stream')) VIRTUAL,
    version    INTEGER GENERATED ALWAYS AS (json_extract(envelope, '$.version')) VIRTUAL,
    type       TEXT    GENERATED ALWAYS AS (json_extract(envelope, '$.type')) VIRTUAL,
    event_id   TEXT    GENERATED ALWAYS AS (json_extract(envelope, '$.id')) VIRTUAL
) STRICT;
CREATE UNIQUE INDEX records_stream_version ON records (stream, version);
CREATE UNIQUE INDEX records_event_id ON records (event_id);
CREATE INDEX records_type ON records (type, seq);
CREATE TRIGGER records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'ledger records are append-only: UPDATE is refused'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'ledger records are append-only: DELETE is refused'); END;
-- Derived data, not evidence: the RFC 6962 Merkle tree over the record
-- hashes, one row per stored node, at Go sumdb/tlog's stored-hash index.
CREATE TABLE tlog_nodes (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
) STRICT;
"#;

/// The snapshot table: derived data, not evidence (`docs/FORMAT.md`
/// section 9). A row is the state the append decisions need as of record
/// `seq`, bound to that record's hash; created by the first append that
/// writes one in a ledger file made before it existed.
pub const SNAPSHOT_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS snapshots (
    seq  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL,
    body BLOB NOT NULL
) STRICT;
"#;

/// The personal-data table (`docs/FORMAT.md` section "Personal data"): the
/// details and salt that open the salted commitment a record holds (an
/// official named in an accountability action). Not evidence and never
/// hashed: no record refers to a row, and an erasure deletes one. Created by
/// the first append that writes one.
pub const PERSONAL_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS personal_data (
    seq     INTEGER PRIMARY KEY,
    salt    BLOB NOT NULL CHECK (length(salt) = 32),
    details TEXT NOT NULL
) STRICT;
"#;

/// Snapshots kept; older ones are deleted when a new one is written.
pub const SNAPSHOTS_KEPT: usize = 3;

/// A snapshot row's key: the record it is as of, and the stored hash of
/// that record when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    /// The record the state is as of.
    pub seq: u64,
    /// That record's hash when the snapshot was written.
    pub hash: Vec<u8>,
}

/// A store failure: the ledger could not be read or written. None of these
/// is evidence of tampering; verification reports that separately.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No file at the path.
    #[error("no ledger at {0}")]
    NotFound(PathBuf),
    /// `create` found a file already there.
    #[error("{0} already exists; refusing to overwrite it")]
    Exists(PathBuf),
    /// The file is not a ledger of this format.
    #[error("{path} is not a ledger: {reason}")]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// Why not.
        reason: String,
    },
    /// The ledger holds no genesis record.
    #[error("the ledger has no genesis record")]
    Empty,
    /// A stored record needed for an append does not decode: a full
    /// verification says what happened to it.
    #[error("stored record {seq} is unreadable ({reason})")]
    Corrupt {
        /// The record.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The Merkle tree table cannot answer (see [`tree`]).
    #[error(transparent)]
    Tree(#[from] TreeFault),
    /// Evidence of tampering found before a write: the last record, its
    /// link to the one before, or the Merkle tree's coverage of the records
    /// does not hold. Nothing was written.
    #[error("the ledger fails verification at seq {seq}: {reason}")]
    Tampered {
        /// The record where it fails.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

impl StoreError {
    /// SQLite gave up waiting for a lock another connection holds (its
    /// busy timeout passed): nothing was written, and trying again later
    /// may succeed.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// An open ledger.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// For a read-only store opened as immutable: the file's size and
    /// modification time at opening, to notice a concurrent writer.
    snapshot: Option<(PathBuf, u64, std::time::SystemTime)>,
}

fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// `file:` URI of a path, with the characters URIs reserve escaped.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri
}

const COLUMNS: &str = "seq, prev, hash, envelope, signatures";

fn bytes(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<u8>> {
    Ok(row.get_ref(i)?.as_bytes().map(<[u8]>::to_vec).unwrap_or_default())
}

fn raw_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    let seq: i64 = row.get(0)?;
    Ok(RawRecord {
        // A negative seq can only come from editing the file; it then shows
        // up as a huge number and fails the sequence check.
        seq: seq as u64,
        prev: bytes(row, 1)?,
        hash: bytes(row, 2)?,
        envelope: bytes(row, 3)?,
        signatures: bytes(row, 4)?,
    })
}

fn decode(raw: RawRecord) -> Result<Record, StoreError> {
    raw.decode().map_err(|e| StoreError::Corrupt { seq: raw.seq, reason: e.to_string() })
}

/// Prepared statements a connection keeps.
const STATEMENT_CACHE: usize = 128;

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Sorts and temporary tables go to disk: memory stays bounded whatever
    // the size of the ledger.
    conn.pragma_update(None, "temp_store", "FILE")?;
    // FULL: an acknowledged append survives power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted content is overwritten with zeros: an erased person's details
    // do not stay in a free page of the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

impl Store {
    /// Creates a ledger at `path` holding `genesis`. The file appears
    /// complete or not at all, and an existing file is never replaced.
    ///
    /// The file is built under a temporary name beside it, locked while it
    /// is built; temporary files that an earlier `create` killed mid-way left
    /// behind (unlocked) are removed first.
    pub fn create(path: &Path, genesis: &Record) -> Result<Store, StoreError> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "ledger".into());
        let prefix = format!(".{name}.init-");
        if dir.is_dir() {
            remove_stale_temporaries(dir, &prefix);
        }
        if path.exists() {
            return Err(StoreError::Exists(path.to_owned()));
        }
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!("{prefix}{}", std::process::id()));
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        // Held (flock) until the file is complete: a later `create` that can
        // take this lock knows the process that made the file is gone.
        let lock = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        lock.lock()?;
        let result = (|| -> Result<(), StoreError> {
            let conn = Connection::open(&tmp)?;
            conn.pragma_update(None, "application_id", APPLICATION_ID)?;
            conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            conn.execute_batch(SCHEMA)?;
            conn.execute_batch(SNAPSHOT_SCHEMA)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            insert(&conn, genesis)?;
            tree::catch_up(&conn)?;
            // Closing checkpoints the WAL into the main file and removes it.
            conn.close().map_err(|(_, e)| e)?;
            // A hard link fails if `path` exists: no clobbering, even racing.
            std::fs::hard_link(&tmp, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    StoreError::Exists(path.to_owned())
                } else {
                    e.into()
                }
            })?;
            Ok(())
        })();
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        drop(lock);
        result?;
        Store::open(path)
    }

    /// Writes a new ledger file at `path` from stored records exactly as
    /// given, in order (a copy rebuilt from the published tiles, to be
    /// verified: nothing is checked here but that each record fits the
    /// table), with the Merkle tree over their stored hashes. `next` gives
    /// the records chunk by chunk, `None` at the end. Refuses an existing
    /// file. A record the table refuses (an event id or a stream version
    /// used twice) is [`StoreError::Tampered`] at its seq.
    pub fn import(
        path: &Path,
        next: &mut dyn FnMut() -> Result<Option<Vec<RawRecord>>, String>,
    ) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::Exists(path.to_owned()));
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(SNAPSHOT_SCHEMA)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "OFF")?; // a scratch copy
        while let Some(chunk) = next().map_err(|reason| StoreError::Corrupt { seq: 0, reason })? {
            let tx = conn.transaction()?;
            for r in &chunk {
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                tx.prepare_cached(
                    "INSERT INTO records (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    i64::try_from(r.seq).unwrap_or(-1),
                    &r.prev,
                    &r.hash,
                    text(&r.envelope),
                    text(&r.signatures)
                ])
                .map_err(|e| StoreError::Tampered {
                    seq: r.seq,
                    reason: format!("the record does not fit a ledger: {e}"),
                })?;
            }
            tx.commit()?;
        }
        tree::catch_up(&conn)?;
        drop(conn);
        Store::open(path)
    }

    /// Opens an existing ledger for reading and appending. Opening writes
    /// nothing: every write is an append transaction, which checks the
    /// ledger's head and tree first ([`Store::append`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(
            path,
            &path.to_string_lossy(),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    }

    /// Opens an existing ledger read-only: nothing this connection does can
    /// change the ledger.
    ///
    /// When no write-ahead log is present (the state a ledger is left in
    /// when its last writer closes) the file is opened as immutable, so
    /// SQLite creates no `-wal` or `-shm` file beside it; call
    /// [`Store::unchanged_since_open`] after reading to be sure no writer
    /// changed it meanwhile. Otherwise it is opened read-only in WAL mode,
    /// which reads the log and may create the `-shm` index, but never
    /// writes a record or checkpoints.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if path.is_file()
            && !wal_path(path).exists()
            && let Some((len, modified)) = file_stamp(path)
        {
            let uri = format!("{}?immutable=1", file_uri(path));
            let mut store = Self::open_with(path, &uri, flags | OpenFlags::SQLITE_OPEN_URI)?;
            store.snapshot = Some((path.to_owned(), len, modified));
            return Ok(store);
        }
        Self::open_read_snapshot(path)
    }

    /// Opens an existing ledger read-only as one read transaction: every
    /// read through this store sees the same consistent state, while
    /// writers append beside it (SQLite's write-ahead log keeps that state).
    pub fn open_read_snapshot(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let store = Self::open_with(path, &path.to_string_lossy(), flags)?;
        store.conn.execute_batch("BEGIN DEFERRED")?;
        store.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        Ok(store)
    }

    /// Opened for reading only (as immutable or as one read transaction):
    /// it sees the file as it was when the read began.
    pub fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false)
    }

    /// False when the file changed since it was opened read-only as
    /// immutable (a writer was active meanwhile): open it again, which then
    /// reads one consistent snapshot, and read again.
    pub fn unchanged_since_open(&self) -> bool {
        match &self.snapshot {
            None => true,
            Some((path, len, modified)) => file_stamp(path) == Some((*len, *modified)) && !wal_path(path).exists(),
        }
    }

    fn open_with(path: &Path, name: &str, flags: OpenFlags) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_owned()));
        }
        let not_a_ledger = |reason: String| StoreError::NotALedger { path: path.to_owned(), reason };
        let conn = Connection::open_with_flags(name, flags)?;
        // Every statement of the append and read paths stays prepared (the
        // default of 16 is fewer than one append uses: they were prepared
        // again on every append).
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let app: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(|e| not_a_ledger(format!("not an SQLite database ({e})")))?;
        if app != APPLICATION_ID {
            return Err(not_a_ledger(format!("SQLite application_id is {app:#x}, not {APPLICATION_ID:#x}")));
        }
        let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(not_a_ledger(format!("schema version {version}; this program reads version {SCHEMA_VERSION}")));
        }
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'records'", [], |r| {
                r.get(0)
            })?;
        if tables == 0 {
            return Err(not_a_ledger("it has the ledger's application id but no records table".into()));
        }
        if !flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY) {
            configure(&conn)?;
        } else {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.pragma_update(None, "temp_store", "FILE")?;
        }
        Ok(Store { conn, snapshot: None })
    }

    /// The number of records.
    pub fn len(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM records", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// True when the ledger holds no record at all (a damaged file).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Up to `limit` stored records from sequence number `from` on, in order.
    pub fn read(&self, from: u64, limit: usize) -> Result<Vec<RawRecord>, StoreError> {
        read(&self.conn, from, limit)
    }

    /// Calls `f` with successive chunks of stored records, in order: the
    /// whole ledger in bounded memory. Each chunk is `f`'s to keep (to hand
    /// to another thread, say).
    pub fn for_each_chunk(&self, chunk: usize, mut f: impl FnMut(Vec<RawRecord>)) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM records ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        let mut buf = Vec::with_capacity(chunk);
        while let Some(row) = rows.next()? {
            buf.push(raw_from_row(row)?);
            if buf.len() == chunk {
                f(std::mem::replace(&mut buf, Vec::with_capacity(chunk)));
            }
        }
        if !buf.is_empty() {
            f(buf);
        }
        Ok(())
    }

    /// Calls `f` with successive chunks of the stored records of the given
    /// event types from sequence number `from` on, in order.
    pub fn for_each_of_types(
        &self,
        types: &[&str],
        from: u64,
        chunk: usize,
        f: impl FnMut(&[RawRecord]),
    ) -> Result<(), StoreError> {
        for_each_of_types(&self.conn, types, from, chunk, f)
    }

    /// The snapshot rows, newest first.
    pub fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        snapshots(&self.conn)
    }

    /// The body of the snapshot as of record `seq`.
    pub fn snapshot_body(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        snapshot_body(&self.conn, seq)
    }

    /// One stored record.
    pub fn get(&self, seq: u64) -> Result<Option<RawRecord>, StoreError> {
        Ok(read(&self.conn, seq, 1)?.into_iter().find(|r| r.seq == seq))
    }

    /// The last record, decoded, with the ledger's origin.
    pub fn head(&self) -> Result<Head, StoreError> {
        head(&self.conn)
    }

    /// The version of a stream: its number of events (0 if none).
    pub fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        AppendTx { conn: &self.conn }.stream_version(stream)
    }

    /// The salt and details (canonical JSON) kept for record `seq`, if any
    /// (none when never kept, or erased).
    pub fn personal(&self, seq: u64) -> Result<Option<([u8; 32], String)>, StoreError> {
        personal(&self.conn, seq)
    }

    /// Moves the write-ahead log into the file and empties it, so that
    /// content deleted by the last transaction (an erasure) is in no log
    /// frame either. Best effort: a reader holding the log open keeps it.
    pub fn truncate_log(&self) -> Result<(), StoreError> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The authority as of the last record, replayed from the governance stream.
    pub fn authority(&self) -> Result<Result<Authority, AuthorityError>, StoreError> {
        authority(&self.conn)
    }

    /// SQLite's own check of the file's structure (`PRAGMA quick_check`):
    /// the problems it reports, empty when the file is sound. A damaged page
    /// can hide records from every query, so verification runs this first.
    pub fn quick_check(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = match self.conn.prepare("PRAGMA quick_check") {
            Ok(stmt) => stmt,
            Err(e) => return Ok(vec![e.to_string()]),
        };
        let rows = match stmt.query_map([], |r| r.get::<_, String>(0)) {
            Ok(rows) => rows,
            Err(e) => return Ok(vec![e.to_string()]),
        };
        let mut problems = Vec::new();
        for row in rows {
            match row {
                Ok(line) if line == "ok" => {}
                Ok(line) => problems.push(line),
                Err(e) => problems.push(e.to_string()),
            }
        }
        Ok(problems)
    }

    /// A second read-only connection to the same file, for work on another
    /// thread beside this one (SQLite's structure check during a
    /// verification, say). `None` for a ledger not in a file, or when the
    /// file cannot be opened again: the caller then does the work here.
    ///
    /// The twin reads the file as it is when it begins: when a writer
    /// appends meanwhile, a later state than this connection's.
    pub fn twin(&self) -> Option<Store> {
        let path = PathBuf::from(self.conn.path().filter(|p| !p.is_empty())?);
        Store::open_read_only(&path).ok()
    }

    /// For each index of the records table present in the file, the number
    /// of records it lists: witnesses of the record count that a damaged
    /// table page does not change (an index is a tree of its own). Indexes
    /// someone dropped are left out.
    pub fn index_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let names: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND name LIKE 'records_%' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut counts = Vec::new();
        for name in names {
            if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            let n: i64 =
                self.conn.query_row(&format!("SELECT count(*) FROM records INDEXED BY {name}"), [], |r| r.get(0))?;
            counts.push((name, u64::try_from(n).unwrap_or(0)));
        }
        Ok(counts)
    }

    /// Drops the Merkle tree table's contents and builds them again from the
    /// stored record hashes, in one transaction (`ledger repair
    /// --rebuild-tree`). The caller verifies the records first. Returns the
    /// tree size before (`None` when unreadable) and after.
    pub fn rebuild_tree(&mut self) -> Result<(Option<u64>, u64), StoreError> {
        tree::rebuild(&mut self.conn)
    }

    /// Runs one append transaction. `decide` sees the ledger as it stands
    /// (no other writer can change it meanwhile) and returns the records to
    /// write; they are inserted and committed together, or not at all.
    pub fn append<T, E>(
        &mut self,
        decide: impl FnOnce(&AppendTx<'_>) -> Result<(Vec<Record>, T), E>,
    ) -> Result<T, AppendFailure<E>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        check_before_write(&tx)?;
        let (records, out) = {
            let view = AppendTx { conn: &tx };
            decide(&view).map_err(AppendFailure::Refused)?
        };
        write_records(&tx, &records)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }
}

/// Inserts records that extend the head, and the Merkle tree's nodes for
/// them, inside the caller's transaction.
fn write_records(conn: &Connection, records: &[Record]) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut expected = head(conn)?;
    for r in records {
        if r.seq != expected.seq + 1 || r.prev != expected.hash {
            return Err(StoreError::Corrupt { seq: r.seq, reason: "record does not extend the head".into() });
        }
        insert(conn, r)?;
        expected = Head { seq: r.seq, hash: r.hash, time: r.envelope.time, origin: expected.origin };
    }
    // The Merkle tree grows in the same transaction as the records.
    tree::catch_up(conn)?;
    Ok(())
}

/// Before any write: the last record's stored bytes hash to its stored hash
/// and link to the record before it, and the Merkle tree covers exactly the
/// records, ending in the last record's leaf. A ledger that fails any of
/// these is not extended: a new record would chain onto evidence of
/// tampering (a removed tail, an edited head) and fork the log.
fn check_before_write(conn: &Connection) -> Result<(), StoreError> {
    let last_two: Vec<RawRecord> = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM records ORDER BY seq DESC LIMIT 2"))?
        .query_map([], raw_from_row)?
        .collect::<Result<_, _>>()?;
    let Some(last) = last_two.first() else { return Err(StoreError::Empty) };
    let seq = last.seq;
    let tampered = |seq: u64, reason: String| StoreError::Tampered { seq, reason };
    match last.computed_hash() {
        Some(h) if h.0[..] == last.hash[..] => {}
        _ => return Err(tampered(seq, "the last record's contents do not hash to its stored hash".into())),
    }
    match last_two.get(1) {
        Some(before) if before.seq + 1 != seq => {
            return Err(tampered(
                seq,
                format!("records {} to {} before the last one are missing", before.seq + 1, seq - 1),
            ));
        }
        Some(before) if before.hash != last.prev => {
            return Err(tampered(
                seq,
                "the last record's prev does not link to the stored hash of the record before".into(),
            ));
        }
        None if seq != 0 => return Err(tampered(seq, format!("records 0 to {} are missing", seq - 1))),
        _ => {}
    }
    let records = seq + 1;
    let tree = tree::tree_size(conn).map_err(|e| tampered(seq, format!("the Merkle tree table is damaged: {e}")))?;
    if tree > records {
        return Err(tampered(
            records,
            format!(
                "the Merkle tree holds {tree} leaves but the ledger only {records} records: records were removed from its end"
            ),
        ));
    }
    if tree < records {
        return Err(tampered(
            tree,
            format!(
                "the Merkle tree covers only {tree} of the {records} records: records were written outside the ledger"
            ),
        ));
    }
    if !tree::last_leaf_is(conn, seq, &last.hash)? {
        return Err(tampered(seq, "the Merkle tree's last leaf is not the last record's hash".into()));
    }
    Ok(())
}

/// Removes the temporary files of `create`s that died mid-way: each
/// `PREFIX<pid>` whose lock can be taken, with its SQLite companions.
fn remove_stale_temporaries(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(prefix) else { continue };
        let pid = ["-journal", "-wal", "-shm"].iter().fold(rest, |r, s| r.strip_suffix(s).unwrap_or(r));
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let base = dir.join(format!("{prefix}{pid}"));
        let stale = match std::fs::File::open(&base) {
            // Held by a live `create`: leave it. Taken: its creator is gone.
            Ok(f) => f.try_lock().is_ok(),
            // Only companions are left.
            Err(_) => true,
        };
        if stale {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", base.display()));
            }
        }
    }
}

/// An append was refused by the caller's decision, or the store failed.
#[derive(Debug, thiserror::Error)]
pub enum AppendFailure<E> {
    /// The decision refused; nothing was written.
    #[error("{0}")]
    Refused(E),
    /// The store failed; nothing was written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn index_exists(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    let n: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1", [name], |r| r.get(0))?;
    Ok(n > 0)
}

/// The records of the given types from `from` on, in sequence order, in
/// chunks, in memory bounded by the chunk: each type is read along the
/// `(type, seq)` index and the streams are merged here (SQLite would sort
/// the whole result first). Without the index (dropped from an edited
/// file), one scan of the table filters the types.
fn for_each_of_types(
    conn: &Connection,
    types: &[&str],
    from: u64,
    chunk: usize,
    mut f: impl FnMut(&[RawRecord]),
) -> Result<(), StoreError> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut buf = Vec::with_capacity(chunk);
    let mut emit = |raw: RawRecord, buf: &mut Vec<RawRecord>| {
        buf.push(raw);
        if buf.len() == chunk {
            f(buf);
            buf.clear();
        }
    };
    if !index_exists(conn, "records_type")? {
        let list = vec!["?"; types.len()].join(", ");
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM records NOT INDEXED WHERE seq >= ?1 AND type IN ({list}) ORDER BY seq"
        ))?;
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&from];
        params.extend(types.iter().map(|t| t as &dyn rusqlite::ToSql));
        let mut rows = stmt.query(params.as_slice())?;
        while let Some(row) = rows.next()? {
            emit(raw_from_row(row)?, &mut buf);
        }
    } else {
        let mut stmts = types
            .iter()
            .map(|_| conn.prepare(&format!("SELECT {COLUMNS} FROM records WHERE type = ?1 AND seq >= ?2 ORDER BY seq")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut streams = Vec::with_capacity(types.len());
        for (stmt, t) in stmts.iter_mut().zip(types) {
            streams.push(stmt.query(params![t, from])?);
        }
        // The next record of each stream, smallest seq first.
        let mut heads: std::collections::BinaryHeap<std::cmp::Reverse<(u64, usize)>> =
            std::collections::BinaryHeap::new();
        let mut current: Vec<Option<RawRecord>> = Vec::with_capacity(streams.len());
        for (i, rows) in streams.iter_mut().enumerate() {
            let next = rows.next()?.map(raw_from_row).transpose()?;
            if let Some(r) = &next {
                heads.push(std::cmp::Reverse((r.seq, i)));
            }
            current.push(next);
        }
        while let Some(std::cmp::Reverse((_, i))) = heads.pop() {
            let Some(raw) = current[i].take() else { continue };
            let next = streams[i].next()?.map(raw_from_row).transpose()?;
            if let Some(r) = &next {
                heads.push(std::cmp::Reverse((r.seq, i)));
            }
            current[i] = next;
            emit(raw, &mut buf);
        }
    }
    if !buf.is_empty() {
        f(&buf);
    }
    Ok(())
}

fn snapshot_table_exists(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'")?
        .query_row([], |r| r.get(0))?;
    Ok(n > 0)
}

fn snapshots(conn: &Connection) -> Result<Vec<SnapshotRow>, StoreError> {
    if !snapshot_table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM snapshots ORDER BY seq DESC")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, bytes(r, 1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, hash) = row?;
        // A negative seq can only come from editing the file: such a row is
        // never any record's snapshot.
        if let Ok(seq) = u64::try_from(seq) {
            out.push(SnapshotRow { seq, hash });
        }
    }
    Ok(out)
}

fn personal(conn: &Connection, seq: u64) -> Result<Option<([u8; 32], String)>, StoreError> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'personal_data'",
        [],
        |r| r.get(0),
    )?;
    if exists == 0 {
        return Ok(None);
    }
    let row: Option<(Vec<u8>, String)> = conn
        .prepare_cached("SELECT salt, details FROM personal_data WHERE seq = ?1")?
        .query_row([i64::try_from(seq).unwrap_or(i64::MAX)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(salt, details)| <[u8; 32]>::try_from(salt).ok().map(|s| (s, details))))
}

fn snapshot_body(conn: &Connection, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
    if !snapshot_table_exists(conn)? {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached("SELECT body FROM snapshots WHERE seq = ?1")?
        .query_row([i64::try_from(seq).unwrap_or(i64::MAX)], |r| bytes(r, 0))
        .optional()?)
}

fn read(conn: &Connection, from: u64, limit: usize) -> Result<Vec<RawRecord>, StoreError> {
    // The limit is written into the statement: as a bound parameter, SQLite
    // (built with STAT4) prepares the statement again on every run.
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE seq >= ?1 ORDER BY seq LIMIT {limit}"))?;
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![from], raw_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn head(conn: &Connection) -> Result<Head, StoreError> {
    let last = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM records ORDER BY seq DESC LIMIT 1"))?
        .query_row([], raw_from_row)
        .optional()?
        .ok_or(StoreError::Empty)?;
    let last = decode(last)?;
    let origin = last.envelope.origin.clone();
    Ok(Head { seq: last.seq, hash: last.hash, time: last.envelope.time, origin })
}

fn authority(conn: &Connection) -> Result<Result<Authority, AuthorityError>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE stream = ?1 ORDER BY seq"))?;
    let records =
        stmt.query_map([GOVERNANCE_STREAM], raw_from_row)?.map(|r| decode(r?)).collect::<Result<Vec<_>, _>>()?;
    Ok(Authority::replay(&records))
}

fn insert(conn: &Connection, r: &Record) -> Result<(), StoreError> {
    let envelope = std::str::from_utf8(&r.envelope_bytes)
        .map_err(|e| StoreError::Corrupt { seq: r.seq, reason: e.to_string() })?;
    let signatures = std::str::from_utf8(&r.signatures_bytes)
        .map_err(|e| StoreError::Corrupt { seq: r.seq, reason: e.to_string() })?;
    conn.prepare_cached("INSERT INTO records (seq, prev, hash, envelope, signatures) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![r.seq as i64, &r.prev.0[..], &r.hash.0[..], envelope, signatures])?;
    Ok(())
}

/// The ledger as seen inside an append transaction.
#[derive(Debug)]
pub struct AppendTx<'c> {
    conn: &'c Connection,
}

impl AppendTx<'_> {
    /// The last record.
    pub fn head(&self) -> Result<Head, StoreError> {
        head(self.conn)
    }

    /// Writes records decided so far (which extend the head), with their
    /// Merkle nodes, before the decision ends: a large batch is written as
    /// it is decided. Still one transaction: if the decision is refused
    /// later, nothing of it is kept. Reads through this view see them.
    pub fn write(&self, records: &[Record]) -> Result<(), StoreError> {
        write_records(self.conn, records)
    }

    /// The authority as of the last record.
    pub fn authority(&self) -> Result<Result<Authority, AuthorityError>, StoreError> {
        authority(self.conn)
    }

    /// Chunks of the stored records of the given types from `from` on, in order.
    pub fn for_each_of_types(
        &self,
        types: &[&str],
        from: u64,
        chunk: usize,
        f: impl FnMut(&[RawRecord]),
    ) -> Result<(), StoreError> {
        for_each_of_types(self.conn, types, from, chunk, f)
    }

    /// One stored record.
    pub fn get(&self, seq: u64) -> Result<Option<RawRecord>, StoreError> {
        Ok(read(self.conn, seq, 1)?.into_iter().find(|r| r.seq == seq))
    }

    /// Keeps the personal data that opens the commitment of record `seq`
    /// (its salt and the details' canonical JSON), in this transaction: it
    /// commits with the record or not at all.
    pub fn put_personal(&self, seq: u64, salt: &[u8; 32], details: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(PERSONAL_SCHEMA)?;
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO personal_data (seq, salt, details) VALUES (?1, ?2, ?3)")?
            .execute(params![i64::try_from(seq).unwrap_or(i64::MAX), &salt[..], details])?;
        Ok(())
    }

    /// Deletes the personal data of record `seq` in this transaction (an
    /// erasure); true when there was a row.
    pub fn erase_personal(&self, seq: u64) -> Result<bool, StoreError> {
        self.conn.execute_batch(PERSONAL_SCHEMA)?;
        let n = self
            .conn
            .prepare_cached("DELETE FROM personal_data WHERE seq = ?1")?
            .execute([i64::try_from(seq).unwrap_or(i64::MAX)])?;
        Ok(n > 0)
    }

    /// The snapshot rows, newest first.
    pub fn snapshots(&self) -> Result<Vec<SnapshotRow>, StoreError> {
        snapshots(self.conn)
    }

    /// The body of the snapshot as of record `seq`.
    pub fn snapshot_body(&self, seq: u64) -> Result<Option<Vec<u8>>, StoreError> {
        snapshot_body(self.conn, seq)
    }

    /// Writes the snapshot of the state as of record `seq` (whose hash is
    /// `hash`) in this transaction, replacing one at the same `seq`, and
    /// deletes all but the newest [`SNAPSHOTS_KEPT`]. Derived data: it
    /// commits with the records or not at all.
    pub fn put_snapshot(&self, seq: u64, hash: &[u8], body: &[u8]) -> Result<(), StoreError> {
        self.conn.execute_batch(SNAPSHOT_SCHEMA)?;
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO snapshots (seq, hash, body) VALUES (?1, ?2, ?3)")?
            .execute(params![seq, hash, body])?;
        self.conn
            .prepare_cached(
                "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?1)",
            )?
            .execute([SNAPSHOTS_KEPT as i64])?;
        Ok(())
    }
}

impl LedgerView for AppendTx<'_> {
    type Error = StoreError;

    fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let v: Option<i64> = self
            .conn
            // CAST: compared with a bound value as it is, the index's
            // first column makes SQLite (STAT4) prepare the statement
            // again on every run; the cast is the same text.
            .prepare_cached("SELECT max(version) FROM records WHERE stream = CAST(?1 AS TEXT)")?
            .query_row([stream], |r| r.get(0))?;
        Ok(v.unwrap_or(0) as u64)
    }

    fn record_by_event_id(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE event_id = ?1"))?
            .query_row([id], raw_from_row)
            .optional()?;
        raw.map(decode).transpose()
    }
}
