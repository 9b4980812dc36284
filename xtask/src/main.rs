//! `cargo xtask …` — the project's own setup, build, serve and test commands.
//!
//! Works on a fresh machine: every tool that is missing (the wasm32 target,
//! `wasm-bindgen-cli` at the version pinned in `Cargo.lock`, Chromium, the npm
//! packages of the browser tests) is installed, and what is installed is
//! printed first.
//!
//! ```text
//! cargo xtask serve [--port 8080]   build the web app into web/dist and serve it
//! cargo xtask build-web             build the web app into web/dist only
//! cargo xtask test [--no-browser]   every test: native, wasm build, browser
//! cargo xtask bench-web             browser frame rate and scrub latency
//! ```

mod bench;
mod serve;
mod test;
mod tools;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  serve [--port N] [--no-build]  build the web app into web/dist, then serve it
                                 on http://127.0.0.1:N/ (default 8080; 0 = any free port)
  build-web                      build the web app into web/dist (no server)
  test [--no-browser]            run every test: cargo test, the wasm build and
                                 the browser tests (skipped with --no-browser)
  bench-web                      measure playback frame rate and scrub latency in
                                 headless Chromium (docs/performance.md)
  help                           this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => cmd_serve(&args[1..]),
        Some("build-web") => no_options(&args[1..]).and_then(|()| web::build_web(&root()).map(|_| ())),
        Some("test") => test::run(&root(), &args[1..]),
        Some("bench-web") => no_options(&args[1..]).and_then(|()| bench::bench_web(&root())),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(format!("no command given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("streamlab: error: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

fn no_options(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(a) => Err(format!("unexpected argument `{a}`\n\n{USAGE}")),
    }
}

fn cmd_serve(args: &[String]) -> Result<(), String> {
    let mut port: u16 = 8080;
    let mut build = true;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--port" | "-p" => {
                let value = it.next().ok_or("--port needs a number")?;
                port = parse_port(value)?;
            }
            "--no-build" => build = false,
            other => match other.strip_prefix("--port=") {
                Some(value) => port = parse_port(value)?,
                None => return Err(format!("unexpected argument `{other}`\n\n{USAGE}")),
            },
        }
    }
    let root = root();
    let dist = if build {
        web::build_web(&root)?
    } else {
        let dist = root.join("web").join("dist");
        if !dist.join("index.html").is_file() {
            return Err(format!("{} has no index.html: run without --no-build first", dist.display()));
        }
        dist
    };
    serve::serve(&dist, port)
}

fn parse_port(value: &str) -> Result<u16, String> {
    value.parse().map_err(|_| format!("bad port `{value}`: expected a number 0..=65535"))
}

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}
