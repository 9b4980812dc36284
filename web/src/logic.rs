//! The web app's pure helpers (no DOM), testable natively with
//! `cargo test -p streamlab-web`.

/// A play speed: simulated time per wall-clock time, or as fast as possible.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    Factor(f64),
    Max,
}

/// The speed choices: (value in the select, speed).
pub const SPEEDS: &[(&str, Speed)] = &[
    ("0.1", Speed::Factor(0.1)),
    ("0.25", Speed::Factor(0.25)),
    ("0.5", Speed::Factor(0.5)),
    ("1", Speed::Factor(1.0)),
    ("2", Speed::Factor(2.0)),
    ("5", Speed::Factor(5.0)),
    ("10", Speed::Factor(10.0)),
    ("100", Speed::Factor(100.0)),
    ("1000", Speed::Factor(1000.0)),
    ("max", Speed::Max),
];

/// The text shown for a speed value: "0.5×", "max".
pub fn speed_text(value: &str) -> String {
    if value == "max" {
        "max".into()
    } else {
        format!("{value}×")
    }
}

/// A seed as typed: empty = the scenario's own; decimal or `0x` hex.
pub fn parse_seed(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse::<u64>().ok(),
    };
    parsed.map(Some).ok_or_else(|| format!("the seed “{t}” is not a whole number from 0 to 18446744073709551615 (or 0x… hex)."))
}

/// Simulated microseconds as seconds: `1.234567 s`.
pub fn format_time(us: u64) -> String {
    format!("{}.{:06} s", us / 1_000_000, us % 1_000_000)
}

/// Simulated microseconds, short: `30 s`, `1.5 s`, `0.000250 s` → `0.00025 s`.
pub fn format_time_short(us: u64) -> String {
    let frac = format!("{:06}", us % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{} s", us / 1_000_000)
    } else {
        format!("{}.{frac} s", us / 1_000_000)
    }
}

/// The 1-based `line` of `text` with a caret under the 1-based `column`:
/// ```text
/// 3 | acks = "most"
///   |        ^
/// ```
pub fn excerpt(text: &str, line: usize, column: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    let content = text.lines().nth(line - 1)?;
    let number = line.to_string();
    let gutter = " ".repeat(number.len());
    let pad: String = content.chars().take(column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
    if column == 0 {
        Some(format!("{number} | {content}"))
    } else {
        Some(format!("{number} | {content}\n{gutter} | {pad}^"))
    }
}

/// The offset (in UTF-16 units, as the DOM counts) where 1-based `line` starts.
pub fn utf16_offset_of_line(text: &str, line: usize) -> u32 {
    let mut offset = 0u32;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 >= line {
            break;
        }
        offset = offset.saturating_add(l.encode_utf16().count() as u32 + 1);
    }
    offset
}

/// Pretty-prints JSON; leaves anything that is not JSON as it is.
pub fn pretty_json(text: &str) -> String {
    if text.contains('\n') {
        return text.to_string(); // already laid out
    }
    serde_json::from_str::<serde_json::Value>(text).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| text.to_string())
}

/// A safe download file name for a scenario: its base name, `.toml`.
pub fn download_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let clean: String = base.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let clean = clean.trim_matches('.').to_string();
    let clean = if clean.is_empty() { "scenario".to_string() } else { clean };
    if clean.ends_with(".toml") {
        clean
    } else {
        format!("{clean}.toml")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds() {
        assert_eq!(parse_seed("  "), Ok(None));
        assert_eq!(parse_seed(" 7 "), Ok(Some(7)));
        assert_eq!(parse_seed("18446744073709551615"), Ok(Some(u64::MAX)));
        assert!(parse_seed("1.5").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(format_time(0), "0.000000 s");
        assert_eq!(format_time(1_234_567), "1.234567 s");
        assert_eq!(format_time_short(30_000_000), "30 s");
        assert_eq!(format_time_short(1_500_000), "1.5 s");
        assert_eq!(format_time_short(250), "0.00025 s");
    }

    #[test]
    fn excerpts_point_at_the_column() {
        let text = "[cluster]\nbrokers = 3\nacks = \"most\"\n";
        assert_eq!(excerpt(text, 3, 8).unwrap(), "3 | acks = \"most\"\n  |        ^");
        assert_eq!(excerpt(text, 9, 1), None);
        assert_eq!(excerpt(text, 0, 1), None);
        assert_eq!(utf16_offset_of_line(text, 1), 0);
        assert_eq!(utf16_offset_of_line(text, 2), 10);
    }

    #[test]
    fn download_names_are_safe() {
        assert_eq!(download_name("kafka/a2-acks1-failover-loss.toml"), "a2-acks1-failover-loss.toml");
        assert_eq!(download_name("../../etc/pass wd"), "pass-wd.toml");
        assert_eq!(download_name(""), "scenario.toml");
        assert_eq!(download_name("..."), "scenario.toml");
    }

    #[test]
    fn json_is_pretty_printed() {
        assert_eq!(pretty_json("{\"a\":1}"), "{\n  \"a\": 1\n}");
        assert_eq!(pretty_json("not json"), "not json");
    }
}
