//! Finding and installing the tools the build and the tests need.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Prints a line prefixed with `streamlab:` (stdout, flushed).
pub fn say(message: impl AsRef<str>) {
    use std::io::Write;
    println!("streamlab: {}", message.as_ref());
    let _ = std::io::stdout().flush();
}

/// Shows a command the way a person would type it.
pub fn show(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(char::is_whitespace) {
            format!("'{a}'")
        } else {
            a.into_owned()
        }
    }));
    parts.join(" ")
}

/// Runs a command with inherited stdio; an error names the command.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    say(format!("$ {}", show(cmd)));
    let status = cmd.status().map_err(|e| format!("could not start `{}`: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(cmd)))
    }
}

/// Runs a command and returns its stdout if it exits successfully.
pub fn output_of(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The cargo that runs us (cargo sets `CARGO`), else `cargo` on PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir(root: &Path) -> PathBuf {
    for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"] {
        if let Some(dir) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            return if dir.is_absolute() { dir } else { root.join(dir) };
        }
    }
    root.join("target")
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME").filter(|d| !d.is_empty()).map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// Is the standard library for `wasm32-unknown-unknown` installed for the
/// rustc that cargo will use?
fn has_wasm_target() -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if let Some(sysroot) = output_of(&rustc, &["--print", "sysroot"]) {
        let lib = Path::new(sysroot.trim()).join("lib").join("rustlib").join(WASM_TARGET).join("lib");
        if lib.is_dir() {
            return true;
        }
    }
    output_of("rustup", &["target", "list", "--installed"]).is_some_and(|out| out.lines().any(|l| l.trim() == WASM_TARGET))
}

pub fn ensure_wasm_target() -> Result<(), String> {
    if has_wasm_target() {
        return Ok(());
    }
    if output_of("rustup", &["--version"]).is_none() {
        return Err(format!(
            "the {WASM_TARGET} target is missing and rustup is not available to add it; \
             install rustup (https://rustup.rs) or the target for your toolchain"
        ));
    }
    say(format!("installing {WASM_TARGET} target (rustup target add {WASM_TARGET})"));
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The version of the `wasm-bindgen` crate recorded in `Cargo.lock`.
pub fn wasm_bindgen_version_from_lock(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.lock");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    lock_version(&text, "wasm-bindgen").ok_or_else(|| format!("{} has no `wasm-bindgen` package: is streamlab-web in the workspace?", path.display()))
}

/// Finds `version` of the package `name` in the text of a Cargo.lock.
/// Fails (None) if the package is absent or present in several versions.
fn lock_version(lock: &str, name: &str) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut block_name = None;
        let mut block_version = None;
        for line in block.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                break; // a sub-table such as [package.metadata]; name/version come first
            }
            if let Some((key, value)) = line.split_once('=') {
                let value = value.trim().trim_matches('"').to_string();
                match key.trim() {
                    "name" => block_name = Some(value),
                    "version" => block_version = Some(value),
                    _ => {}
                }
            }
        }
        if block_name.as_deref() == Some(name) {
            found.extend(block_version);
        }
    }
    found.dedup();
    (found.len() == 1).then(|| found.remove(0))
}

/// The `wasm-bindgen` program: the one cargo installs into `$CARGO_HOME/bin`
/// if present, else whatever is on PATH.
pub fn wasm_bindgen_program() -> PathBuf {
    if let Some(home) = cargo_home() {
        let candidate = home.join("bin").join("wasm-bindgen");
        if candidate.is_file() {
            return candidate;
        }
    }
    PathBuf::from("wasm-bindgen")
}

fn installed_wasm_bindgen_version() -> Option<String> {
    // Prints e.g. "wasm-bindgen 0.2.100".
    let out = output_of(wasm_bindgen_program(), &["--version"])?;
    out.split_whitespace().nth(1).map(str::to_string)
}

/// Makes sure `wasm-bindgen` of exactly the version in Cargo.lock is installed
/// (the CLI refuses to process modules built by another version).
pub fn ensure_wasm_bindgen(root: &Path) -> Result<PathBuf, String> {
    let wanted = wasm_bindgen_version_from_lock(root)?;
    let installed = installed_wasm_bindgen_version();
    if installed.as_deref() == Some(wanted.as_str()) {
        return Ok(wasm_bindgen_program());
    }
    let mut cmd = cargo();
    cmd.args(["install", "wasm-bindgen-cli", "--version", &wanted]);
    match &installed {
        None => {
            say(format!("installing wasm-bindgen-cli {wanted} to match Cargo.lock (cargo install wasm-bindgen-cli --version {wanted}; takes a few minutes)"))
        }
        Some(have) => {
            say(format!(
                "installing wasm-bindgen-cli {wanted} to match Cargo.lock, replacing {have} (cargo install wasm-bindgen-cli --version {wanted} --force; takes a few minutes)"
            ));
            cmd.arg("--force");
        }
    }
    let started = std::time::Instant::now();
    run(&mut cmd)?;
    say(format!("installed wasm-bindgen-cli {wanted} in {:.0} s", started.elapsed().as_secs_f64()));
    match installed_wasm_bindgen_version() {
        Some(v) if v == wanted => Ok(wasm_bindgen_program()),
        Some(v) => {
            Err(format!("after installing, `{}` reports version {v}, not {wanted}: is another wasm-bindgen earlier on PATH?", wasm_bindgen_program().display()))
        }
        None => Err("wasm-bindgen-cli was installed but `wasm-bindgen --version` does not run".into()),
    }
}

/// Are we root? (Read from /proc so that no libc binding is needed.)
pub fn is_root() -> bool {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("Uid:")) {
            return line.split_whitespace().nth(2) == Some("0"); // effective uid
        }
    }
    output_of("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

fn apt_install(packages: &[&str], why: &str) -> Result<(), String> {
    if !is_root() {
        return Err(format!("{why}; install it with `sudo apt-get install -y {}` (this command installs it only when run as root)", packages.join(" ")));
    }
    say(format!("installing {} (apt-get update; apt-get install -y {})", packages.join(", "), packages.join(" ")));
    run(Command::new("apt-get").arg("update").env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get").args(["install", "-y"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"))
}

/// The Chromium the browser tests drive: `$STREAMLAB_CHROMIUM`, else
/// /usr/bin/chromium, installed with apt if missing.
pub fn ensure_chromium() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("STREAMLAB_CHROMIUM").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() { Ok(path) } else { Err(format!("STREAMLAB_CHROMIUM={} does not exist", path.display())) };
    }
    let path = PathBuf::from("/usr/bin/chromium");
    if !path.is_file() {
        apt_install(&["chromium", "chromium-driver"], "Chromium (/usr/bin/chromium) is missing")?;
        if !path.is_file() {
            return Err("apt-get installed chromium but /usr/bin/chromium is still missing".into());
        }
    }
    Ok(path)
}

/// Node.js and npm, installed with apt if missing.
pub fn ensure_node() -> Result<(), String> {
    let node = output_of("node", &["--version"]);
    let npm = output_of("npm", &["--version"]);
    if node.is_none() || npm.is_none() {
        apt_install(&["nodejs", "npm"], "Node.js and npm are needed for the browser tests")?;
    }
    let version = output_of("node", &["--version"]).ok_or("node does not run after installing it")?;
    let major: u32 = version.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 20 {
        return Err(format!("Node.js {} is too old: the browser tests (playwright-core) need Node.js 20 or newer", version.trim()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_of_a_package_from_a_lock_file() {
        let lock = r#"
version = 4

[[package]]
name = "wasm-bindgen-shared"
version = "0.2.1"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-shared",
]
"#;
        assert_eq!(lock_version(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(lock_version(lock, "wasm-bindgen-shared").as_deref(), Some("0.2.1"));
        assert_eq!(lock_version(lock, "yew"), None);
    }

    #[test]
    fn two_versions_of_a_package_are_ambiguous() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"a\"\nversion = \"2.0.0\"\n";
        assert_eq!(lock_version(lock, "a"), None);
    }

    #[test]
    fn the_workspace_lock_file_pins_wasm_bindgen() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let version = wasm_bindgen_version_from_lock(root).unwrap();
        assert!(version.starts_with("0."), "{version}");
    }
}

/// Free space, in bytes, on the file system that holds `path` (or its
/// nearest existing ancestor), as `df -Pk` reports it; `None` when `df` is
/// missing or says something unexpected.
pub fn free_disk_bytes(path: &Path) -> Option<u64> {
    let mut at = path;
    while !at.exists() {
        at = at.parent()?;
    }
    let out = Command::new("df").arg("-Pk").arg(at).output().ok()?;
    if !out.status.success() {
        return None;
    }
    parse_df_available_kib(&String::from_utf8_lossy(&out.stdout)).map(|kib| kib * 1024)
}

/// The "Available" column (KiB) of `df -Pk`'s one data line.
fn parse_df_available_kib(text: &str) -> Option<u64> {
    text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod disk_tests {
    use super::parse_df_available_kib;

    #[test]
    fn reads_the_available_column() {
        let text = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n/dev/vda        264091588 26000000  70000000      28% /\n";
        assert_eq!(parse_df_available_kib(text), Some(70_000_000));
        assert_eq!(parse_df_available_kib("Filesystem\n"), None);
        assert_eq!(parse_df_available_kib(""), None);
    }
}
