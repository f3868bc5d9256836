//! How far the long passes are (verifying, re-hashing, replaying,
//! appending, exporting tiles), for a front end to show. Silent unless a
//! front end installs a [`Progress`]: the command line installs a bar on
//! stderr when stderr is a terminal and `--quiet` is not given; the HTTP
//! service and the library's other users install nothing.

use std::sync::OnceLock;

/// Receives the passes as they run, one at a time (a pass ends before the
/// next begins).
pub trait Progress: Send + Sync {
    /// A pass over `total` items begins (0: the total is not known).
    fn begin(&self, task: &'static str, total: u64);
    /// `n` more items are done.
    fn advance(&self, n: u64);
    /// The pass ended (done, refused or failed).
    fn end(&self);
}

static SINK: OnceLock<Box<dyn Progress>> = OnceLock::new();

/// Installs the process's progress display; false if one was installed
/// before (the first stays).
pub fn install(sink: Box<dyn Progress>) -> bool {
    SINK.set(sink).is_ok()
}

/// One pass: reports its end when dropped, however the pass ends.
#[derive(Debug)]
pub(crate) struct Task {
    shown: bool,
}

/// Begins a pass.
pub(crate) fn task(name: &'static str, total: u64) -> Task {
    match SINK.get() {
        Some(sink) => {
            sink.begin(name, total);
            Task { shown: true }
        }
        None => Task { shown: false },
    }
}

impl Task {
    pub(crate) fn advance(&self, n: usize) {
        if self.shown
            && let Some(sink) = SINK.get()
        {
            sink.advance(n as u64);
        }
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.shown
            && let Some(sink) = SINK.get()
        {
            sink.end();
        }
    }
}
