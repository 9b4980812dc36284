//! Simulated time.
//!
//! All time in the simulator is an integer count of **microseconds** since
//! the start of the run. There is no wall clock anywhere in `core/`.
//! Durations in scenario files are written as strings with a unit:
//! `"250us"`, `"250ms"`, `"30s"`, `"2m"`, `"1h"`, `"1.5s"` (a decimal is
//! allowed as long as the result is a whole number of microseconds).

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A point in simulated time, in microseconds since the run started.
pub type Micros = u64;

pub const MICROS_PER_MS: u64 = 1_000;
pub const MICROS_PER_SEC: u64 = 1_000_000;

/// A span of simulated time. Serialized as a human string (`"250ms"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub Micros);

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const fn from_micros(us: u64) -> Self {
        Duration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms * MICROS_PER_MS)
    }
    pub const fn from_secs(s: u64) -> Self {
        Duration(s * MICROS_PER_SEC)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Parses `"250ms"`, `"30s"`, `"2m"`, `"1h"`, `"1000d"`, `"10us"`,
    /// `"1.5s"`, and Spark's spelled-out `"10 minutes"`.
    /// A bare `"0"` is accepted; any other number needs a unit.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let t = s.trim();
        if t == "0" {
            return Ok(Duration(0));
        }
        let split =
            t.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(|| format!("duration {s:?} has no unit; write e.g. \"250ms\", \"30s\", \"2m\""))?;
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err(format!("duration {s:?} must start with a number, e.g. \"250ms\""));
        }
        let scale: u64 = match unit.trim() {
            "us" | "µs" | "microsecond" | "microseconds" => 1,
            "ms" | "millisecond" | "milliseconds" => MICROS_PER_MS,
            "s" | "second" | "seconds" => MICROS_PER_SEC,
            "m" | "min" | "minute" | "minutes" => 60 * MICROS_PER_SEC,
            "h" | "hour" | "hours" => 3600 * MICROS_PER_SEC,
            "d" | "day" | "days" => 86_400 * MICROS_PER_SEC,
            other => return Err(format!("duration {s:?} has unknown unit {other:?}; expected one of us, ms, s, m, h, d")),
        };
        let (int_part, frac_part) = match num.split_once('.') {
            Some((i, f)) => (i, f),
            None => (num, ""),
        };
        if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
            return Err(format!("duration {s:?} is not a number followed by a unit"));
        }
        let int: u64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| format!("duration {s:?} is too large"))? };
        let mut total = int.checked_mul(scale).ok_or_else(|| format!("duration {s:?} is too large"))?;
        if !frac_part.is_empty() {
            // exact decimal arithmetic: frac * scale / 10^len must be whole
            let digits = frac_part.len() as u32;
            if digits > 12 {
                return Err(format!("duration {s:?} has too many decimals"));
            }
            let frac: u128 = frac_part.parse().map_err(|_| format!("duration {s:?} is not a number"))?;
            let denom = 10u128.pow(digits);
            let num = frac * u128::from(scale);
            if !num.is_multiple_of(denom) {
                return Err(format!("duration {s:?} is finer than one microsecond"));
            }
            total = total.checked_add((num / denom) as u64).ok_or_else(|| format!("duration {s:?} is too large"))?;
        }
        Ok(Duration(total))
    }
}

impl fmt::Display for Duration {
    /// The shortest exact form: `0`, `250us`, `250ms`, `30s`, `2m`, `1h`,
    /// falling back to the finest unit that represents the value exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us == 0 {
            return write!(f, "0");
        }
        for (scale, unit) in [(3600 * MICROS_PER_SEC, "h"), (60 * MICROS_PER_SEC, "m"), (MICROS_PER_SEC, "s"), (MICROS_PER_MS, "ms")] {
            if us.is_multiple_of(scale) {
                return write!(f, "{}{}", us / scale, unit);
            }
        }
        write!(f, "{us}us")
    }
}

/// Formats a point in time for people: `12.345678s`.
pub fn fmt_time(t: Micros) -> String {
    format!("{}.{:06}s", t / MICROS_PER_SEC, t % MICROS_PER_SEC)
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\", \"30s\" or \"2m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                if v == 0 {
                    Ok(Duration(0))
                } else {
                    Err(E::custom(format!("duration {v} needs a unit; write it as a string such as \"{v}ms\"")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                self.visit_i64(v as i64)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("250ms"), Ok(Duration(250_000)));
        assert_eq!(Duration::parse("30s"), Ok(Duration(30_000_000)));
        assert_eq!(Duration::parse("2m"), Ok(Duration(120_000_000)));
        assert_eq!(Duration::parse("1h"), Ok(Duration(3_600_000_000)));
        assert_eq!(Duration::parse("10us"), Ok(Duration(10)));
        assert_eq!(Duration::parse("1.5s"), Ok(Duration(1_500_000)));
        assert_eq!(Duration::parse("0"), Ok(Duration(0)));
    }

    #[test]
    fn rejects_bad_input_with_reason() {
        assert!(Duration::parse("250").unwrap_err().contains("no unit"));
        assert!(Duration::parse("5 parsecs").unwrap_err().contains("unknown unit"));
        assert!(Duration::parse("ms").unwrap_err().contains("start with a number"));
        assert!(Duration::parse("0.0000001s").unwrap_err().contains("microsecond"));
        assert!(Duration::parse("-5s").is_err());
        assert!(Duration::parse("99999999999999999999s").is_err());
    }

    #[test]
    fn display_round_trips() {
        for s in ["0", "250us", "250ms", "30s", "2m", "1h", "1500ms", "90s"] {
            let d = Duration::parse(s).unwrap();
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
        assert_eq!(Duration::from_millis(1500).to_string(), "1500ms");
    }
}
