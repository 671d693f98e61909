//! Stage timings for long runs: with `KPI_TIMINGS=1` in the environment,
//! each stage's wall time is printed to stderr (`timing: read 0.41 s`), so
//! a user with a big history sees where the time goes, and (on Linux) the
//! process's memory then and at its peak (`, 812 MB now, 951 MB peak`).

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
                "timing: {name} {:.3} s{}",
                now.duration_since(self.last).as_secs_f64(),
                memory().unwrap_or_default()
            );
        }
        self.last = now;
    }
}

/// `, N MB now, M MB peak`: the resident memory of the process and its
/// high-water mark, from `/proc/self/status` (`None` where there is none).
fn memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kilobytes = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    let (now, peak) = (kilobytes("VmRSS:")?, kilobytes("VmHWM:")?);
    Some(format!(", {} MB now, {} MB peak", now / 1024, peak / 1024))
}
