//! `streamlab url`: the address that opens a scenario file, with a seed,
//! in the browser app (see `docs/player.md` for the link format).

use crate::Fail;
use std::path::Path;
use streamlab_core::permalink::{self, Link};
use streamlab_core::scenario::{self, ScenarioError};

/// Where `cargo xtask serve` serves the app by default (`xtask/src/serve.rs`
/// binds 127.0.0.1, `xtask/src/main.rs` defaults to port 8080).
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8080/";

/// Prints `BASE#v=…&seed=…&file=…&s=…&h=…` for the file and seed. The file
/// must be a valid scenario (bad input exits 2 with file:line:col).
pub fn url(file: &Path, seed: Option<u64>, base: &str) -> Result<u8, Fail> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| Fail(2, ScenarioError::whole_file(&name, format!("cannot read the file: {e}")).to_string()))?;
    let sc = scenario::parse(&name, &text).map_err(|e| Fail(2, e.to_string()))?;
    let link = Link { scenario_file: link_name(&name), text, seed: sc.effective_seed(seed), version: permalink::VERSION.to_string() };
    let base = base.split('#').next().unwrap_or(base);
    println!("{base}#{}", permalink::encode(&link));
    Ok(0)
}

/// The name shown in the app: relative to `scenarios/` for a file of the
/// repository (as the built-in scenarios are named), else the file name
/// alone (no local directories in a shared link).
fn link_name(path: &str) -> String {
    let p = path.replace('\\', "/");
    if let Some((_, rel)) = p.rsplit_once("scenarios/") {
        return rel.to_string();
    }
    Path::new(path).file_name().map_or_else(|| p.clone(), |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_names() {
        assert_eq!(super::link_name("scenarios/kafka/a8.toml"), "kafka/a8.toml");
        assert_eq!(super::link_name("/home/me/work/my.toml"), "my.toml");
        assert_eq!(super::link_name("my.toml"), "my.toml");
    }
}
