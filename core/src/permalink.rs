//! Permalinks: a URL fragment that reopens the exact run — the scenario
//! text (with any faults the student injected), the seed, and the streamlab
//! version that made it.
//!
//! The run is a pure function of (text, seed, version), so these three are
//! all a link needs; nothing is stored on a server. The fragment is
//!
//! ```text
//! v=0.1.0&seed=7&file=basic.toml&s=<base64url(deflate(text))>&h=<checksum>
//! ```
//!
//! * `file` is percent-encoded (every byte but `A-Z a-z 0-9 - _ . ~`, with
//!   upper-case hex), `s` is raw DEFLATE (RFC 1951) in unpadded base64url,
//!   so the whole fragment uses only characters that browsers and chat
//!   programs leave alone.
//! * `h` is the first 12 hex digits (48 bits) of XXH3-64 over everything
//!   before `&h=`. It covers the version, seed and file as well as the
//!   text, so *any* change to the link — a flipped character, a cut — is
//!   caught, not only changes to the text.
//! * Decoding is defensive: a link is user input. Each failure has its own
//!   message (not a streamlab link, bad base64 at a position, truncated or
//!   corrupt compressed data, a seed that is not a `u64`, a checksum
//!   mismatch), and the decompressed text is capped at [`MAX_TEXT_BYTES`]
//!   so a crafted link cannot make the page allocate gigabytes.
//! * A link made by another streamlab version still opens, with a
//!   `warning` for the app to show: the same seed may give another run.
//!
//! The short form the app has always used, `#scenario=<built-in file>&seed=<n>&run=1`,
//! is still accepted ([`Decoded::Builtin`]): unknown keys ignored, decimal
//! or `0x` seeds.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use xxhash_rust::xxh3::xxh3_64;

/// The version written into links and compared on decode.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest scenario text a link may expand to (1 MiB; the built-in
/// scenarios are a few KiB).
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Hex digits of the checksum.
const CHECKSUM_DIGITS: usize = 12;

/// What a full link carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The scenario's file name, for messages (`a8-unclean-election-loss.toml`).
    pub scenario_file: String,
    /// The scenario text, exactly (including faults injected in the browser).
    pub text: String,
    pub seed: u64,
    /// The streamlab version that made the link ([`VERSION`] when encoding
    /// a run of this build).
    pub version: String,
}

/// A decoded fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// A full link. `warning` is set when another streamlab version made
    /// it (the app shows it; the run may differ).
    Link { link: Link, warning: Option<String> },
    /// The short form `#scenario=<built-in file>&seed=<n>&run=1`. All
    /// fields empty for an empty fragment (nothing asked for).
    Builtin { scenario: Option<String>, seed: Option<u64>, run: bool },
}

/// Why a fragment could not be opened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PermalinkError {
    #[error("this is not a streamlab link (expected #v=…&seed=…&file=…&s=…&h=… or #scenario=…)")]
    NotStreamlab,
    #[error("the link has no `{0}=` part: it was cut short or changed")]
    Missing(&'static str),
    #[error("the link has `{0}=` twice")]
    Duplicate(String),
    #[error("the link has an unknown part `{0}`: it was changed")]
    Unknown(String),
    #[error("the scenario data in the link is not valid base64 at position {position} ({what}): the link was changed or cut short")]
    BadBase64 { position: usize, what: String },
    #[error("the scenario data in the link is truncated: the link was cut short")]
    Truncated,
    #[error("the scenario data in the link is corrupt: the link was changed")]
    Corrupt,
    #[error("the scenario in the link expands to more than {limit} bytes; refusing to open it")]
    TooLarge { limit: usize },
    #[error("the scenario in the link is not UTF-8 text")]
    NotUtf8,
    #[error("the seed “{0}” in the link is not a number")]
    SeedNotNumber(String),
    #[error("the seed “{0}” in the link is out of range (0 to 18446744073709551615)")]
    SeedOutOfRange(String),
    #[error("the value of `{0}=` in the link is badly percent-encoded")]
    BadEncoding(String),
    #[error("in the page address, run={0} should be run=1 or run=0")]
    BadRun(String),
    #[error("checksum mismatch: the link was changed or cut short")]
    Checksum,
}

/// Builds the fragment (without the leading `#`).
pub fn encode(link: &Link) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(link.text.as_bytes(), 9);
    let body =
        format!("v={}&seed={}&file={}&s={}", percent_encode(&link.version), link.seed, percent_encode(&link.scenario_file), URL_SAFE_NO_PAD.encode(packed));
    let h = checksum(&body);
    format!("{body}&h={h}")
}

/// Parses a fragment (with or without its leading `#`). Never panics.
pub fn decode(fragment: &str) -> Result<Decoded, PermalinkError> {
    let frag = fragment.strip_prefix('#').unwrap_or(fragment);
    let pairs: Vec<(&str, &str)> = frag.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect();
    let has = |k: &str| pairs.iter().any(|(key, _)| *key == k);
    if has("s") || has("v") || has("h") {
        decode_full(frag, &pairs)
    } else if pairs.is_empty() || has("scenario") || has("seed") || has("run") {
        decode_builtin(&pairs)
    } else {
        Err(PermalinkError::NotStreamlab)
    }
}

fn decode_full(frag: &str, pairs: &[(&str, &str)]) -> Result<Decoded, PermalinkError> {
    let mut fields: [Option<&str>; 5] = [None; 5];
    const KEYS: [&str; 5] = ["v", "seed", "file", "s", "h"];
    for (k, v) in pairs {
        let Some(i) = KEYS.iter().position(|x| x == k) else {
            return Err(PermalinkError::Unknown(truncate_for_message(k)));
        };
        if fields[i].replace(v).is_some() {
            return Err(PermalinkError::Duplicate(k.to_string()));
        }
    }
    let get = |i: usize| fields[i].ok_or(PermalinkError::Missing(KEYS[i]));
    let version = percent_decode(get(0)?).ok_or_else(|| PermalinkError::BadEncoding("v".into()))?;
    let seed = parse_seed(get(1)?)?;
    let scenario_file = percent_decode(get(2)?).ok_or_else(|| PermalinkError::BadEncoding("file".into()))?;
    let packed = URL_SAFE_NO_PAD.decode(get(3)?).map_err(base64_error)?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_TEXT_BYTES).map_err(|e| match e.status {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => PermalinkError::TooLarge { limit: MAX_TEXT_BYTES },
        miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress | miniz_oxide::inflate::TINFLStatus::NeedsMoreInput => PermalinkError::Truncated,
        _ => PermalinkError::Corrupt,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| PermalinkError::NotUtf8)?;
    let h = get(4)?;
    // The checksum is over the fragment exactly as written before `&h=`;
    // `h` must be the last part (so a cut anywhere removes or shortens it).
    let body = match frag.rsplit_once("&h=") {
        Some((body, tail)) if tail == h => body,
        _ => return Err(PermalinkError::Checksum),
    };
    if h.len() != CHECKSUM_DIGITS || checksum(body) != h {
        return Err(PermalinkError::Checksum);
    }
    let warning = (version != VERSION).then(|| {
        format!("This link was made by streamlab {version}; this is streamlab {VERSION}. The same seed may give a different run than the one that was shared.")
    });
    Ok(Decoded::Link { link: Link { scenario_file, text, seed, version }, warning })
}

/// The app's historical short form (unknown keys ignored, decimal or `0x`
/// seeds).
fn decode_builtin(pairs: &[(&str, &str)]) -> Result<Decoded, PermalinkError> {
    let (mut scenario, mut seed, mut run) = (None, None, false);
    for (key, value) in pairs {
        let value = percent_decode_lenient(value).ok_or_else(|| PermalinkError::BadEncoding(truncate_for_message(key)))?;
        match *key {
            "scenario" => scenario = Some(value).filter(|v| !v.is_empty()),
            "seed" => {
                let t = value.trim();
                seed = if t.is_empty() {
                    None
                } else if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(u64::from_str_radix(hex, 16).map_err(|_| seed_error(t))?)
                } else {
                    Some(parse_seed(t)?)
                };
            }
            "run" => {
                run = match value.as_str() {
                    "1" | "true" | "yes" | "" => true,
                    "0" | "false" | "no" => false,
                    other => return Err(PermalinkError::BadRun(truncate_for_message(other))),
                }
            }
            _ => {}
        }
    }
    Ok(Decoded::Builtin { scenario, seed, run })
}

/// A `u64` in decimal, with distinct errors for "not a number" and
/// "too large".
fn parse_seed(t: &str) -> Result<u64, PermalinkError> {
    t.parse::<u64>().map_err(|_| seed_error(t))
}

fn seed_error(t: &str) -> PermalinkError {
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .map_or_else(|| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()), |h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if digits {
        PermalinkError::SeedOutOfRange(truncate_for_message(t))
    } else {
        PermalinkError::SeedNotNumber(truncate_for_message(t))
    }
}

fn base64_error(e: base64::DecodeError) -> PermalinkError {
    use base64::DecodeError::*;
    match e {
        InvalidByte(position, b) => PermalinkError::BadBase64 { position, what: format!("the character {:?} is not allowed", b as char) },
        InvalidLastSymbol(position, b) => PermalinkError::BadBase64 { position, what: format!("the last character {:?} does not end the data", b as char) },
        InvalidLength(position) => PermalinkError::BadBase64 { position, what: "the data ends in the middle of a character group".into() },
        InvalidPadding => PermalinkError::BadBase64 { position: 0, what: "padding is not allowed".into() },
    }
}

fn checksum(body: &str) -> String {
    let full = format!("{:016x}", xxh3_64(body.as_bytes()));
    full[..CHECKSUM_DIGITS].to_string()
}

/// Keeps error messages short when the input is long.
fn truncate_for_message(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `%XX` for every byte but the unreserved ones (RFC 3986), upper-case hex.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The strict inverse of [`percent_encode`]: only unreserved characters
/// and upper-case `%XX` escapes of other bytes, so one text has exactly one
/// encoding (a changed link cannot decode to the same text).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'A'..=b'F' => Some(c - b'A' + 10),
                _ => None,
            };
            let v = hex(*bytes.get(i + 1)?)? << 4 | hex(*bytes.get(i + 2)?)?;
            if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'_' | b'.' | b'~') {
                return None;
            }
            out.push(v);
            i += 3;
        } else if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok()
}

/// `%XX` decoding as the app does it for the short form (any hex case,
/// other characters kept).
fn percent_decode_lenient(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = bytes.get(i + 1..i + 3)?;
            if !h.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn link(text: &str, seed: u64) -> Link {
        Link { scenario_file: "kafka/a8 unclean.toml".into(), text: text.into(), seed, version: VERSION.into() }
    }

    const A8: &str = include_str!("../../scenarios/kafka/a8-unclean-election-loss.toml");

    #[test]
    fn round_trip_of_a_builtin_scenario_and_its_shape() {
        let l = link(A8, 7);
        let f = encode(&l);
        assert!(f.starts_with(&format!("v={VERSION}&seed=7&file=kafka%2Fa8%20unclean.toml&s=")), "{f}");
        assert!(f.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%&=".contains(&b)), "only URL-safe characters: {f}");
        let h = f.rsplit_once("&h=").unwrap().1;
        assert_eq!(h.len(), 12);
        assert_eq!(decode(&f), Ok(Decoded::Link { link: l.clone(), warning: None }));
        assert_eq!(decode(&format!("#{f}")), Ok(Decoded::Link { link: l, warning: None }));
        // Compression pays: the a8 scenario is 1.1 KB of TOML.
        assert!(f.len() < A8.len(), "{} chars for {} bytes", f.len(), A8.len());
    }

    #[test]
    fn another_version_opens_with_a_warning() {
        let mut l = link("name = \"x\"\n", u64::MAX);
        l.version = "0.0.1".into();
        match decode(&encode(&l)) {
            Ok(Decoded::Link { link, warning: Some(w) }) => {
                assert_eq!(link, l);
                assert!(w.contains("streamlab 0.0.1") && w.contains(VERSION), "{w}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn specific_errors() {
        let good = encode(&link(A8, 7));
        let body = good.rsplit_once("&h=").unwrap().0;
        let s_start = good.find("&s=").unwrap() + 3;
        let sealed = |body: &str| format!("{body}&h={}", checksum(body));
        assert_eq!(decode("#hello=world"), Err(PermalinkError::NotStreamlab));
        assert_eq!(decode("https://example.org"), Err(PermalinkError::NotStreamlab));
        // A character outside base64url at position 5 of the data.
        let mut bad = good.clone();
        bad.replace_range(s_start + 5..s_start + 6, "*");
        assert_eq!(decode(&bad), Err(PermalinkError::BadBase64 { position: 5, what: "the character '*' is not allowed".into() }));
        assert!(decode(&bad).unwrap_err().to_string().contains("position 5"));
        // Truncated deflate data (re-sealed, so only the data is wrong).
        let cut = &body[..s_start + (body.len() - s_start - 40) / 4 * 4];
        assert_eq!(decode(&sealed(cut)), Err(PermalinkError::Truncated));
        // Garbage that is valid base64 but not deflate.
        let junk = format!("{}{}", &body[..s_start], URL_SAFE_NO_PAD.encode([0xffu8; 16]));
        assert_eq!(decode(&sealed(&junk)), Err(PermalinkError::Corrupt));
        // Seeds.
        let with_seed = |s: &str| sealed(&body.replacen("seed=7", &format!("seed={s}"), 1));
        assert_eq!(decode(&with_seed("x7")), Err(PermalinkError::SeedNotNumber("x7".into())));
        assert_eq!(decode(&with_seed("-1")), Err(PermalinkError::SeedNotNumber("-1".into())));
        assert_eq!(decode(&with_seed("18446744073709551616")), Err(PermalinkError::SeedOutOfRange("18446744073709551616".into())));
        assert!(matches!(decode(&with_seed("18446744073709551615")), Ok(Decoded::Link { link: Link { seed: u64::MAX, .. }, .. })));
        // Checksum: a changed seed that is still a number.
        let changed = good.replacen("seed=7", "seed=8", 1);
        assert_eq!(decode(&changed), Err(PermalinkError::Checksum));
        assert!(decode(&changed).unwrap_err().to_string().contains("changed or cut short"));
        // Cut before the checksum.
        assert_eq!(decode(body), Err(PermalinkError::Missing("h")));
        // Missing parts, duplicates, unknown parts.
        assert_eq!(decode(&sealed(&body.replacen("seed=7&", "", 1))), Err(PermalinkError::Missing("seed")));
        assert_eq!(decode(&sealed(&format!("{body}&v=1"))), Err(PermalinkError::Duplicate("v".into())));
        assert_eq!(decode(&sealed(&format!("{body}&x=1"))), Err(PermalinkError::Unknown("x".into())));
        // Lower-case escapes are not our encoding.
        assert_eq!(decode(&sealed(&body.replacen("%2F", "%2f", 1))), Err(PermalinkError::BadEncoding("file".into())));
    }

    #[test]
    fn zip_bombs_are_refused() {
        let big = "a".repeat(MAX_TEXT_BYTES + 1);
        let f = encode(&link(&big, 1));
        assert!(f.len() < 4000, "a megabyte of one letter compresses to {} chars", f.len());
        assert_eq!(decode(&f), Err(PermalinkError::TooLarge { limit: MAX_TEXT_BYTES }));
        let fits = "a".repeat(MAX_TEXT_BYTES);
        assert!(matches!(decode(&encode(&link(&fits, 1))), Ok(Decoded::Link { .. })));
    }

    #[test]
    fn non_utf8_text_is_refused() {
        let body = format!("v={VERSION}&seed=1&file=x&s={}", URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(&[0xff, 0xfe], 6)));
        let f = format!("{body}&h={}", checksum(&body));
        assert_eq!(decode(&f), Err(PermalinkError::NotUtf8));
    }

    #[test]
    fn the_short_form_the_app_uses() {
        assert_eq!(decode(""), Ok(Decoded::Builtin { scenario: None, seed: None, run: false }));
        assert_eq!(decode("#"), Ok(Decoded::Builtin { scenario: None, seed: None, run: false }));
        assert_eq!(decode("#scenario=basic.toml&seed=42&run=1"), Ok(Decoded::Builtin { scenario: Some("basic.toml".into()), seed: Some(42), run: true }));
        assert_eq!(decode("scenario=a%20b.toml&other=x"), Ok(Decoded::Builtin { scenario: Some("a b.toml".into()), seed: None, run: false }));
        assert_eq!(decode("#seed=0x10"), Ok(Decoded::Builtin { scenario: None, seed: Some(16), run: false }));
        assert_eq!(decode("#seed=abc"), Err(PermalinkError::SeedNotNumber("abc".into())));
        assert_eq!(decode("#seed=18446744073709551616"), Err(PermalinkError::SeedOutOfRange("18446744073709551616".into())));
        assert_eq!(decode("#scenario=%zz"), Err(PermalinkError::BadEncoding("scenario".into())));
        assert_eq!(decode("#run=maybe"), Err(PermalinkError::BadRun("maybe".into())));
    }

    #[test]
    fn every_cut_and_every_single_change_is_an_error() {
        let f = encode(&link("name = \"tiny\"\nduration = \"5s\"\n", 42));
        for cut in 0..f.len() {
            let r = decode(&f[..cut]);
            assert!(!matches!(r, Ok(Decoded::Link { .. })), "cut at {cut} opened: {r:?}");
        }
        let alphabet = b"aA0-_.~%&=zZ9#x";
        for i in 0..f.len() {
            for &c in alphabet {
                if f.as_bytes()[i] == c {
                    continue;
                }
                let mut t = f.clone().into_bytes();
                t[i] = c;
                let t = String::from_utf8(t).unwrap();
                assert!(decode(&t).is_err(), "changing byte {i} to {:?} was not noticed: {t}", c as char);
            }
        }
    }

    proptest! {
        #[test]
        fn round_trips(text in "\\PC{0,400}", file in "[a-zA-Z0-9 /._&=#%-]{0,40}", seed in any::<u64>(), version in "[0-9a-z.+-]{1,12}") {
            let l = Link { scenario_file: file, text, seed, version };
            match decode(&encode(&l)) {
                Ok(Decoded::Link { link, warning }) => {
                    prop_assert_eq!(warning.is_some(), link.version != VERSION);
                    prop_assert_eq!(link, l);
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }

        #[test]
        fn tampering_never_panics_and_never_opens_another_run(text in "\\PC{0,200}", seed in any::<u64>(), pos in any::<prop::sample::Index>(), c in any::<char>(), cut in any::<prop::sample::Index>()) {
            let l = link(&text, seed);
            let f = encode(&l);
            let i = pos.index(f.len());
            let mut changed = String::new();
            changed.push_str(&f[..i]);
            changed.push(c);
            changed.push_str(&f[i + 1..]);
            if changed != f {
                prop_assert!(decode(&changed).is_err(), "{changed}");
            }
            let k = cut.index(f.len());
            let opened = matches!(decode(&f[..k]), Ok(Decoded::Link { .. }));
            prop_assert!(!opened, "cut at {} opened", k);
        }

        #[test]
        fn any_string_never_panics(s in "\\PC{0,200}") {
            let _ = decode(&s);
        }
    }
}
