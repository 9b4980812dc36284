//! Building the web app: wasm32 build, wasm-bindgen, static files → web/dist.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tools::{self, say, WASM_TARGET};

/// The wasm file cargo writes for the `streamlab-web` binary.
const WASM_FILE: &str = "streamlab-web.wasm";
/// The module name wasm-bindgen writes (`streamlab_web.js`, `streamlab_web_bg.wasm`).
pub const OUT_NAME: &str = "streamlab_web";

/// Builds web/dist and returns its path.
pub fn build_web(root: &Path) -> Result<PathBuf, String> {
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen(root)?;

    tools::run(tools::cargo().current_dir(root).args(["build", "--package", "streamlab-web", "--target", WASM_TARGET, "--profile", "wasm"]))?;
    let wasm = tools::target_dir(root).join(WASM_TARGET).join("wasm").join(WASM_FILE);
    if !wasm.is_file() {
        return Err(format!("cargo build succeeded but {} is missing", wasm.display()));
    }

    let web = root.join("web");
    let dist = web.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;

    tools::run(
        Command::new(&wasm_bindgen).arg("--target").arg("web").arg("--no-typescript").arg("--out-name").arg(OUT_NAME).arg("--out-dir").arg(&dist).arg(&wasm),
    )?;
    copy_dir(&web.join("static"), &dist)?;

    let bg = dist.join(format!("{OUT_NAME}_bg.wasm"));
    let bytes = std::fs::read(&bg).map_err(|e| format!("cannot read {}: {e}", bg.display()))?;
    let gz = gzip_len(&bytes)?;
    say(format!("web app built into {}", dist.display()));
    say(format!("{}: {} KiB, {} KiB gzipped ({} bytes gzipped)", bg.file_name().unwrap_or_default().to_string_lossy(), bytes.len() / 1024, gz / 1024, gz));
    Ok(dist)
}

/// Size of `bytes` after gzip at the default level (as `gzip -c | wc -c`).
pub fn gzip_len(bytes: &[u8]) -> Result<usize, String> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(encoder.finish().map_err(|e| e.to_string())?.len())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let source = entry.path();
        let dest = to.join(entry.file_name());
        if source.is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
            copy_dir(&source, &dest)?;
        } else {
            std::fs::copy(&source, &dest).map_err(|e| format!("cannot copy {} to {}: {e}", source.display(), dest.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn gzip_shrinks_repetitive_data() {
        let data = vec![b'a'; 100_000];
        let n = super::gzip_len(&data).unwrap();
        assert!(n > 18 && n < 1_000, "{n}");
    }
}
