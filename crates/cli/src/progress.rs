//! Progress bars on stderr (hidden when stderr is not a terminal or with --quiet).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Mutex;

/// A stage-aware progress bar: each new stage name resets the bar.
pub struct StageBar {
    bar: ProgressBar,
    stage: Mutex<String>,
}

impl StageBar {
    pub fn new(quiet: bool) -> StageBar {
        let bar = ProgressBar::new(1);
        if quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:>16} [{bar:40}] {pos}/{len} ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        StageBar {
            bar,
            stage: Mutex::new(String::new()),
        }
    }

    pub fn update(&self, stage: &str, done: u64, total: u64) {
        if let Ok(mut s) = self.stage.lock()
            && *s != stage
        {
            *s = stage.to_string();
            self.bar.set_message(stage.to_string());
            self.bar.reset();
        }
        self.bar.set_length(total.max(1));
        self.bar.set_position(done);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
