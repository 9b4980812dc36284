//! A tiny static file server over `web/dist` (GET and HEAD, 127.0.0.1 only).
//!
//! Paths are percent-decoded, then any `..` segment, backslash or NUL is
//! refused, and the resolved file must lie inside the served directory after
//! following symlinks, so no request can read outside it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::tools::say;

pub fn serve(dir: &Path, port: u16) -> Result<(), String> {
    let root = dir.canonicalize().map_err(|e| format!("cannot serve {}: {e}", dir.display()))?;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (try another port: cargo xtask serve --port 8081)"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    say(format!("serving {} at http://{addr}/  (Ctrl-C stops)", root.display()));
    serve_on(listener, root);
    Ok(())
}

/// Answers connections on `listener` forever, one thread each.
pub fn serve_on(listener: TcpListener, root: PathBuf) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &root);
        });
    }
}

fn handle(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Skip the headers (bounded), we need none of them.
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
        _ => return respond(&mut stream, 400, "Bad Request", "text/plain; charset=utf-8", b"bad request\n", true),
    };
    let head_only = method == "HEAD";
    if method != "GET" && !head_only {
        return respond(&mut stream, 405, "Method Not Allowed", "text/plain; charset=utf-8", b"only GET and HEAD\n", false);
    }
    let Some(path) = resolve(root, target) else {
        return respond(&mut stream, 404, "Not Found", "text/plain; charset=utf-8", b"not found\n", head_only);
    };
    match std::fs::read(&path) {
        Ok(body) => respond(&mut stream, 200, "OK", mime_type(&path), &body, head_only),
        Err(_) => respond(&mut stream, 404, "Not Found", "text/plain; charset=utf-8", b"not found\n", head_only),
    }
}

fn respond(stream: &mut TcpStream, code: u16, reason: &str, content_type: &str, body: &[u8], head_only: bool) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// Maps a request target to a file inside `root` (which must be canonical),
/// or None if it is malformed, escapes `root`, or names no file.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
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

pub fn mime_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "toml" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        let base = std::env::temp_dir().join(format!("streamlab-xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("site").join("sub")).unwrap();
        std::fs::write(base.join("site").join("index.html"), "<p>home</p>").unwrap();
        std::fs::write(base.join("site").join("app.wasm"), b"\0asm").unwrap();
        std::fs::write(base.join("site").join("sub").join("index.html"), "sub").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        base
    }

    #[test]
    fn resolves_files_and_refuses_to_leave_the_root() {
        let base = fixture("resolve");
        let root = base.join("site").canonicalize().unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/index.html?x=1#y"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/sub/"), Some(root.join("sub").join("index.html")));
        assert_eq!(resolve(&root, "/./app.wasm"), Some(root.join("app.wasm")));
        for bad in [
            "/../secret.txt",
            "/sub/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt",
            "/..%5csecret.txt",
            "/index.html%00",
            "/%zz",
            "/missing.js",
            "index.html",
            "http://example/../secret.txt",
        ] {
            assert_eq!(resolve(&root, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link.txt")).unwrap();
            assert_eq!(resolve(&root, "/link.txt"), None);
        }
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn wasm_is_served_as_application_wasm() {
        assert_eq!(mime_type(Path::new("a/streamlab_web_bg.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("streamlab_web.js")), "text/javascript; charset=utf-8");
        assert_eq!(mime_type(Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(mime_type(Path::new("style.css")), "text/css; charset=utf-8");
    }

    fn get(addr: std::net::SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn serves_over_tcp() {
        let base = fixture("tcp");
        let root = base.join("site").canonicalize().unwrap();
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || serve_on(listener, root));

        let ok = get(addr, "GET /app.wasm HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: application/wasm\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\n\0asm"), "{ok:?}");

        let home = get(addr, "GET / HTTP/1.1\r\n\r\n");
        assert!(home.contains("text/html") && home.ends_with("<p>home</p>"), "{home}");

        let escape = get(addr, "GET /../secret.txt HTTP/1.1\r\n\r\n");
        assert!(escape.starts_with("HTTP/1.1 404"), "{escape}");
        assert!(!escape.contains("secret\n") && !escape.ends_with("secret"), "{escape}");

        let post = get(addr, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");

        let head = get(addr, "HEAD /index.html HTTP/1.1\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"), "{head}");
        let _ = std::fs::remove_dir_all(&base);
    }
}
