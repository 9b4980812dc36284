//! Where lessons come from: the ones built into the app
//! (`streamlab_core::lesson::BUILTIN_LESSONS`), or a preview bundle served
//! by `streamlab lesson preview` (the lesson being written and the scenario
//! files it names, read fresh from disk); and the page addresses that open
//! them.

use serde::Deserialize;
use std::collections::BTreeMap;
use streamlab_core::lesson::{self, Lesson};
use streamlab_core::scenario::ScenarioError;

/// What the page address asks of the lessons page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `#lessons`: the list.
    List,
    /// `#lesson=<id>`.
    Lesson(String),
    /// `#lesson-preview=<path>`: a bundle on the same origin, polled.
    Preview(String),
}

/// Reads `#lessons`, `#lesson=<id>` or `#lesson-preview=<path>` (other
/// `&`-separated parameters are ignored); `None` for any other address.
pub fn route(hash: &str) -> Option<Route> {
    let h = hash.strip_prefix('#').unwrap_or(hash);
    for part in h.split('&') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let v = percent_decode(v);
        match k {
            "lessons" => return Some(Route::List),
            "lesson" if v.is_empty() => return Some(Route::List),
            "lesson" => return Some(Route::Lesson(v)),
            "lesson-preview" => return Some(Route::Preview(v)),
            _ => {}
        }
    }
    None
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(x)) => {
                out.push(x);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a preview path may be fetched: a path on the page's own origin
/// (`/__preview/bundle.json`), never another site.
pub fn preview_path_ok(path: &str) -> Result<(), String> {
    let ok = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(())
    } else {
        Err(format!("“{path}” is not a path on this site; a preview address looks like #lesson-preview=/__preview/bundle.json"))
    }
}

/// A built-in lesson, parsed once.
pub struct Entry {
    pub path: &'static str,
    pub text: &'static str,
    pub lesson: Result<Lesson, String>,
}

impl Entry {
    /// Lessons under `lessons/examples/` are samples for instructors.
    pub fn is_example(&self) -> bool {
        self.path.starts_with("lessons/examples/")
    }

    /// The lesson's number in the course, from its file name (`04-…` → 4).
    pub fn number(&self) -> Option<u32> {
        if self.is_example() {
            return None;
        }
        let name = self.path.rsplit('/').next()?;
        let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }
}

/// Every built-in lesson, in the order of `BUILTIN_LESSONS` (the course
/// first, then the examples).
pub fn builtin() -> Vec<Entry> {
    lesson::BUILTIN_LESSONS
        .iter()
        .map(|(path, text)| Entry { path, text, lesson: lesson::parse(path, text, &lesson::builtin_scenario).map_err(|e| e.to_string()) })
        .collect()
}

/// What `streamlab lesson preview` serves.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Bundle {
    /// The lesson file as given to the command (for messages).
    pub file: String,
    /// Its text.
    pub lesson: String,
    /// The scenario files it names (`scenarios/…` → text), as on disk now.
    #[serde(default)]
    pub scenarios: BTreeMap<String, String>,
}

/// A preview that could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum BundleError {
    /// Not the JSON of a bundle.
    Malformed(String),
    /// The lesson is invalid: a located error.
    Lesson(ScenarioError),
}

/// Parses a bundle and its lesson; the bundle's scenarios come first, then
/// the built-in ones (so a new scenario file works without a rebuild).
pub fn parse_bundle(json: &str) -> Result<(Bundle, Lesson), BundleError> {
    let b: Bundle =
        serde_json::from_str(json).map_err(|e| BundleError::Malformed(format!("the preview server sent something that is not a lesson bundle: {e}")))?;
    let scenarios = b.scenarios.clone();
    let source = move |path: &str| -> Result<String, String> {
        match scenarios.get(path) {
            Some(t) => Ok(t.clone()),
            None => lesson::builtin_scenario(path).map_err(|_| "no such file next to the lesson, and no built-in scenario of that name".to_string()),
        }
    };
    let l = lesson::parse(&b.file, &b.lesson, &source).map_err(BundleError::Lesson)?;
    Ok((b, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("#lessons"), Some(Route::List));
        assert_eq!(route("#lesson="), Some(Route::List));
        assert_eq!(route("#lesson=kafka-04-losing-a-broker"), Some(Route::Lesson("kafka-04-losing-a-broker".into())));
        assert_eq!(route("#lesson-preview=%2F__preview%2Fbundle.json"), Some(Route::Preview("/__preview/bundle.json".into())));
        assert_eq!(route("#scenario=basic.toml&seed=1"), None);
        assert_eq!(route(""), None);
    }

    #[test]
    fn preview_paths_stay_on_the_site() {
        assert!(preview_path_ok("/__preview/bundle.json").is_ok());
        for bad in ["https://evil.example/x.json", "//evil.example/x", "javascript:alert(1)", "", "/a b"] {
            assert!(preview_path_ok(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_built_in_lesson_parses() {
        let all = builtin();
        assert!(all.len() >= 11);
        for e in &all {
            assert!(e.lesson.is_ok(), "{}: {:?}", e.path, e.lesson.as_ref().err());
        }
        assert!(!all[0].is_example() && all.last().is_some_and(Entry::is_example));
        assert_eq!(all.iter().find(|e| e.path == "lessons/04-losing-a-broker.toml").and_then(Entry::number), Some(4));
        assert_eq!(all.last().and_then(Entry::number), None);
    }

    #[test]
    fn bundles_bring_their_own_scenarios_and_errors_are_located() {
        let lesson = "id = \"p\"\ntitle = \"P\"\nminutes = 5\ngoals = [\"g\"]\n[[scenarios]]\nname = \"s\"\nfile = \"scenarios/new-one.toml\"\n[[steps]]\nrun = \"1s\"\n";
        let scenario = "name = \"new\"\nduration = \"5s\"\n[[topics]]\nname = \"t\"\npartitions = 1\nreplication_factor = 1\n";
        let json = serde_json::json!({ "file": "lessons/p.toml", "lesson": lesson, "scenarios": { "scenarios/new-one.toml": scenario } }).to_string();
        let (b, l) = parse_bundle(&json).unwrap();
        assert_eq!((b.file.as_str(), l.id.as_str(), l.scenarios[0].scenario.name.as_str()), ("lessons/p.toml", "p", "new"));
        let bad = serde_json::json!({ "file": "lessons/p.toml", "lesson": lesson.replace("run = \"1s\"", "runn = \"1s\"") }).to_string();
        match parse_bundle(&bad) {
            Err(BundleError::Lesson(e)) => assert_eq!((e.file.as_str(), e.line), ("lessons/p.toml", 9), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_bundle("<html>"), Err(BundleError::Malformed(_))));
    }
}
