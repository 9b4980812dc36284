//! `streamlab lesson preview`: serves the web app and the lesson bundle,
//! read fresh from disk on every request; prints the address first and a
//! verdict after every change; refuses to start without a built app.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

fn tmp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("streamlab-preview-test-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// GET `path`: (status code, body).
fn get(port: u16, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let (head, body) = resp.split_once("\r\n\r\n").unwrap();
    let code = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, body.to_string())
}

/// Kills the server when the test ends, even on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server's stdout, line by line.
fn lines(child: &mut Child) -> Receiver<String> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line containing `want`; returns every line read.
fn wait_for(rx: &Receiver<String>, want: &str) -> Vec<String> {
    let mut seen = Vec::new();
    while let Ok(l) = rx.recv_timeout(Duration::from_secs(120)) {
        let hit = l.contains(want);
        seen.push(l);
        if hit {
            return seen;
        }
    }
    panic!("no line with {want:?} in {seen:?}");
}

const LESSON: &str = "id = \"preview-test\"\ntitle = \"Before\"\nminutes = 5\ngoals = [\"g\"]\n\
[[scenarios]]\nname = \"basic\"\nfile = \"scenarios/basic.toml\"\n\
[[steps]]\nrun = \"2s\"\n[[steps]]\nexpect = [{ producer = \"p1\", sent = \">= 90\" }]\n";

#[test]
fn serves_the_app_and_the_bundle_fresh_from_disk() {
    let dir = tmp_dir("serve");
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>streamlab</title>").unwrap();
    let lesson = dir.join("lesson.toml");
    std::fs::write(&lesson, LESSON).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .args(["lesson", "preview", "lesson.toml", "--port", "0", "--dist", "dist"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let rx = lines(&mut server.0);
    let first = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let port: u16 = first
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/#lesson-preview=/__preview/bundle.json"))
        .unwrap_or_else(|| panic!("the first line is the address: {first}"))
        .parse()
        .unwrap();

    let (code, body) = get(port, "/__preview/bundle.json");
    assert_eq!(code, 200);
    let b: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(b["file"], "lesson.toml");
    assert_eq!(b["lesson"], LESSON);
    // No scenarios/ next to the lesson: the built-in copy is sent.
    let basic = b["scenarios"]["scenarios/basic.toml"].as_str().unwrap();
    assert!(basic.starts_with("name = \"Three brokers, one producer\""), "{basic}");
    assert_eq!(get(port, "/"), (200, "<!doctype html><title>streamlab</title>".to_string()));
    assert_eq!(get(port, "/../lesson.toml").0, 404, "nothing outside the app is served");
    assert_eq!(get(port, "/%2e%2e/lesson.toml").0, 404);
    let checked = wait_for(&rx, "ok       lesson.toml (2 steps, 1 expectations held, 0 quiz questions)");
    assert!(checked.iter().any(|l| l == "checked lesson.toml:"), "{checked:?}");

    // An edit is served at once, and checked again in the terminal.
    let edited = LESSON.replace("title = \"Before\"", "title = \"After\"").replace(">= 90", ">= 1000");
    std::fs::write(&lesson, &edited).unwrap();
    let (code, body) = get(port, "/__preview/bundle.json");
    assert_eq!(code, 200);
    let b: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(b["lesson"], edited.as_str());
    let changed = wait_for(&rx, "FAILED   lesson.toml:");
    assert!(changed.iter().any(|l| l == "changed, checked again lesson.toml:"), "{changed:?}");
    assert!(
        changed.last().unwrap().ends_with("steps[1].expect[0].sent: step 2: expected p1 sent >= 1000, got 101 (scenario \"basic\" at 2.000000s)"),
        "{changed:?}"
    );

    // A new scenario file next to the lesson (a repository layout) is sent too.
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    let mine = basic.replace("Three brokers, one producer", "My own");
    std::fs::write(dir.join("scenarios/basic.toml"), &mine).unwrap();
    let b: serde_json::Value = serde_json::from_str(&get(port, "/__preview/bundle.json").1).unwrap();
    assert_eq!(b["scenarios"]["scenarios/basic.toml"], mine.as_str());
}

#[test]
fn without_a_built_app_it_says_how_to_build_it() {
    let dir = tmp_dir("nodist");
    std::fs::write(dir.join("lesson.toml"), LESSON).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(["lesson", "preview", "lesson.toml", "--port", "0"]).current_dir(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("web/dist/index.html") && err.contains("cargo xtask build-web"), "{err}");
}
