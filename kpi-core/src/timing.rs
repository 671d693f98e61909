//! Stage timings for long runs: with `KPI_TIMINGS=1` in the environment,
//! each stage's wall time is printed to stderr (`timing: read 0.41 s`), so
//! a user with a big history sees where the time goes.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KPI_TIMINGS").is_some_and(|v| v != "0" && !v.is_empty()))
}

/// A stopwatch over consecutive stages.
#[derive(Debug)]
pub struct Laps {
    last: Instant,
}

impl Default for Laps {
    fn default() -> Self {
        Self::new()
    }
}

impl Laps {
    /// Starts the watch.
    pub fn new() -> Laps {
        Laps {
            last: Instant::now(),
        }
    }

    /// Ends the stage `name` (printed when timings are on) and starts the next.
    pub fn lap(&mut self, name: &str) {
        let now = Instant::now();
        if enabled() {
            eprintln!(
                "timing: {name} {:.3} s",
                now.duration_since(self.last).as_secs_f64()
            );
        }
        self.last = now;
    }
}
