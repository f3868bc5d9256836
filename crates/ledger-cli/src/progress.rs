//! Progress bars on stderr (indicatif) for the library's long passes
//! (`ledger_engine::progress`): verify, replay (every read), import
//! (`append`, `submit`), export (`export-tiles`), `report` and `bench`.
//! Shown only when stderr is a terminal and `--quiet` is not given, so
//! pipes, logs and scripts see nothing of them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// Installs the bars when they can be seen.
pub fn install(quiet: bool) {
    if quiet || !std::io::stderr().is_terminal() {
        return;
    }
    ledger_engine::progress::install(Box::new(Bars { current: Mutex::new(None) }));
}

struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl ledger_engine::progress::Progress for Bars {
    fn begin(&self, task: &'static str, total: u64) {
        let bar = if total == 0 {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            )
        } else {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{msg:>21} [{bar:30}] {human_pos}/{human_len} eta {eta}")
                    .map(|s| s.progress_chars("=> "))
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            )
        };
        bar.set_message(task);
        // A pass that ends within the first tick shows nothing.
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut current) = self.current.lock()
            && let Some(old) = current.replace(bar)
        {
            old.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}
