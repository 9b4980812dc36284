//! `cargo xtask bench-web`: the browser performance figures of
//! docs/performance.md (playback frame rate at 10×, scrub latency), measured
//! in headless Chromium with the Performance API by tests/browser/perf.mjs.
//! A benchmark, not a test: it prints figures and asserts nothing.

use std::path::Path;
use std::process::Command;

use crate::tools::{self, say};
use crate::web;

pub fn bench_web(root: &Path) -> Result<(), String> {
    let dist = web::build_web(root)?;
    let chromium = tools::ensure_chromium()?;
    tools::ensure_node()?;
    let dir = root.join("tests").join("browser");
    tools::run(Command::new("npm").current_dir(&dir).args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]))?;
    say("measuring playback and scrubbing in headless Chromium (about a minute)");
    tools::run(
        Command::new("node")
            .current_dir(root)
            .arg("tests/browser/perf.mjs")
            .env("STREAMLAB_CHROMIUM", &chromium)
            .env("STREAMLAB_DIST", &dist)
            .env("STREAMLAB_ROOT", root),
    )
}
