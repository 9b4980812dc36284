//! `streamlab url`: the printed address reopens the file's exact text and seed.

use std::process::Command;
use streamlab_core::permalink::{decode, Decoded, Link, VERSION};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn streamlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).current_dir(root()).output().expect("run streamlab");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn opened(url: &str) -> Link {
    let (_, fragment) = url.trim_end().split_once('#').expect("a fragment");
    match decode(fragment) {
        Ok(Decoded::Link { link, warning: None }) => link,
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_fragment_decodes_to_the_file_and_seed() {
    let file = "scenarios/kafka/a8-unclean-election-loss.toml";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let (code, out, err) = streamlab(&["url", file, "--seed", "7"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("http://127.0.0.1:8080/#v={VERSION}&seed=7&file=kafka%2Fa8-unclean-election-loss.toml&s=")), "{out}");
    assert_eq!(out.lines().count(), 1);
    assert_eq!(opened(&out), Link { scenario_file: "kafka/a8-unclean-election-loss.toml".into(), text, seed: 7, version: VERSION.into() });
    // Without --seed: the scenario's own (a8 says seed = 5); another base.
    let (code, out, _) = streamlab(&["url", file, "--base", "https://example.org/streamlab/#old"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("https://example.org/streamlab/#v="), "{out}");
    assert_eq!(opened(&out).seed, 5);
}

#[test]
fn bad_files_exit_2_with_a_location() {
    let dir = std::env::temp_dir().join(format!("streamlab-url-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("bad.toml");
    std::fs::write(&p, "name = \"x\"\nduration = \"5 parsecs\"\n").unwrap();
    let (code, out, err) = streamlab(&["url", &p.to_string_lossy()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("bad.toml:2:12: duration: "), "{err}");
    assert!(out.is_empty());
    let (code, _, err) = streamlab(&["url", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.toml") && err.contains("cannot read"), "{err}");
    let (code, _, _) = streamlab(&["url", "scenarios/basic.toml", "--seed", "-3"]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(&dir);
}
