//! `streamlab lesson preview FILE`: see a lesson being written in the
//! browser, reloaded whenever the file is saved.
//!
//! A tiny HTTP server on 127.0.0.1 (std::net, one thread per connection)
//! serves the built web app (`web/dist`) and `/__preview/bundle.json`:
//! `{"file", "lesson": <text>, "scenarios": {path: text}}`, read fresh from
//! disk on every request, with the scenario files the lesson names (so a
//! new scenario file works without rebuilding the app). The page
//! (`#lesson-preview=/__preview/bundle.json`) polls it every second and
//! reloads the lesson when it changed. Meanwhile the terminal prints the
//! verdict of `lesson check` on the file after every change.
//!
//! Static paths are percent-decoded, any `..` segment, backslash or NUL is
//! refused, and the file must lie inside the served directory after
//! following symlinks (the same rules as `cargo xtask serve`).

use crate::files::{read_scenario, repo_root};
use crate::lessons;
use crate::Fail;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use streamlab_core::lesson;

/// Where the page fetches the bundle.
pub const BUNDLE_PATH: &str = "/__preview/bundle.json";
/// How often the file is looked at for the terminal's verdicts.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// The bundle of `file` as it is on disk now, or why it cannot be read.
pub fn bundle(file: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let root = repo_root(file);
    // Parse only to learn which scenario files the lesson names; an invalid
    // lesson still gets a bundle (the page shows its error).
    let seen: RefCell<BTreeMap<String, String>> = RefCell::new(BTreeMap::new());
    let source = |rel: &str| {
        let r = read_scenario(&root, rel);
        if let Ok(t) = &r {
            seen.borrow_mut().insert(rel.to_string(), t.clone());
        }
        r
    };
    let _ = lesson::parse(&file.display().to_string(), &text, &source);
    let v = serde_json::json!({ "file": file.display().to_string(), "lesson": text, "scenarios": seen.into_inner() });
    Ok(v.to_string())
}

/// One line per verdict, as `lesson check` prints them.
fn verdict(file: &Path) -> Vec<String> {
    let l = match lessons::load(file) {
        Ok(l) => l,
        Err(Fail(_, msg)) => return vec![format!("invalid  {msg}")],
    };
    let r = lesson::run(&l);
    if r.passed() {
        let held = r.checks().filter(|c| c.ok).count();
        vec![format!("ok       {} ({} steps, {held} expectations held, {} quiz questions)", file.display(), l.steps.len(), l.quiz.len())]
    } else {
        r.failures().into_iter().map(|m| format!("FAILED   {m}")).collect()
    }
}

pub fn preview(file: &Path, port: u16, dist: Option<&Path>) -> Result<u8, Fail> {
    // By default the repository's build: found from the lesson, like its
    // scenarios, so the command works from any directory.
    let dist = dist.map(Path::to_path_buf).unwrap_or_else(|| {
        let local = PathBuf::from("web").join("dist");
        if local.join("index.html").is_file() {
            local
        } else {
            repo_root(file).join("web").join("dist")
        }
    });
    if !dist.join("index.html").is_file() {
        return Err(Fail(
            2,
            format!("{}: the web app is not built here; run `cargo xtask build-web` in the repository (or give --dist DIR)", dist.join("index.html").display()),
        ));
    }
    let root = dist.canonicalize().map_err(|e| Fail(2, format!("cannot serve {}: {e}", dist.display())))?;
    if let Err(e) = std::fs::metadata(file) {
        return Err(Fail(2, format!("{}: {e}", file.display())));
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| Fail(2, format!("cannot listen on 127.0.0.1:{port}: {e} (try another: --port N)")))?;
    let port = listener.local_addr().map_err(|e| Fail(2, e.to_string()))?.port();
    // The first line is the address (tests read the port from it).
    println!("http://127.0.0.1:{port}/#lesson-preview={BUNDLE_PATH}");
    println!("Open that address in a browser: the lesson reloads whenever you save {}. Ctrl-C stops.", file.display());
    let watched = file.to_path_buf();
    std::thread::spawn(move || watch(&watched));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let (root, file) = (root.clone(), file.to_path_buf());
        std::thread::spawn(move || {
            let _ = handle(stream, &root, &file);
        });
    }
    Ok(0)
}

/// Prints the verdict on the lesson now and after every change of it (or
/// of a scenario file it names).
fn watch(file: &Path) {
    let mut last: Option<Result<String, String>> = None;
    loop {
        let now = bundle(file);
        if last.as_ref() != Some(&now) {
            let lines = match &now {
                Ok(_) => verdict(file),
                Err(e) => vec![format!("invalid  {e}")],
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{} {}:", if last.is_none() { "checked" } else { "changed, checked again" }, file.display());
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
            let _ = out.flush();
            last = Some(now);
        }
        std::thread::sleep(WATCH_EVERY);
    }
}

fn handle(mut stream: TcpStream, root: &Path, file: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    let mut header = String::new();
    let mut header_bytes = 0;
    loop {
        header.clear();
        let n = reader.by_ref().take(8192).read_line(&mut header)?;
        header_bytes += n;
        if n == 0 || header == "\r\n" || header == "\n" || header_bytes > 65536 {
            break;
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m, t),
        _ => return respond(&mut stream, 400, "Bad Request", "text/plain; charset=utf-8", b"bad request\n", false),
    };
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(&mut stream, 405, "Method Not Allowed", "text/plain; charset=utf-8", b"only GET and HEAD\n", false);
    }
    if target.split(['?', '#']).next() == Some(BUNDLE_PATH) {
        return match bundle(file) {
            Ok(json) => respond(&mut stream, 200, "OK", "application/json; charset=utf-8", json.as_bytes(), head_only),
            Err(e) => respond(&mut stream, 503, "Service Unavailable", "text/plain; charset=utf-8", format!("{e}\n").as_bytes(), head_only),
        };
    }
    match resolve(root, target).map(|p| (std::fs::read(&p), p)) {
        Some((Ok(body), path)) => respond(&mut stream, 200, "OK", mime_type(&path), &body, head_only),
        _ => respond(&mut stream, 404, "Not Found", "text/plain; charset=utf-8", b"not found\n", head_only),
    }
}

fn respond(stream: &mut TcpStream, code: u16, reason: &str, content_type: &str, body: &[u8], head_only: bool) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "toml" | "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Maps a request target to a file inside `root` (canonical), or `None`.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    if !path.starts_with('/') {
        return None;
    }
    let decoded = percent_decode(path)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return None;
    }
    let mut file = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s => file.push(s),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let file = file.canonicalize().ok()?;
    (file.starts_with(root) && file.is_file()).then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
