//! Trace export as JSON Lines, and reading such a file back for replay.
//!
//! Line 1 is a header naming the streamlab version, the scenario (its text
//! included, so a trace replays from itself), its hash and the seed; then
//! one line per trace record; the last line is a footer with the record
//! count and the trace hash. See `docs/report-format.md`.

use crate::report::VERSION;
use crate::world::World;
use serde_json::{json, Value};

/// Format version of the JSONL trace.
pub const TRACE_FORMAT: u32 = 1;

/// The header line.
pub fn header(world: &World) -> String {
    json!({
        "streamlab": VERSION,
        "format": TRACE_FORMAT,
        "scenario": world.scenario.name,
        "file": world.scenario.file,
        "scenario_hash": world.scenario.hash,
        "seed": world.seed,
        "until_us": world.sim.end(),
        "nodes": world.sim.node_names(),
        "topics": world.scenario.topics.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "source": world.scenario.source,
    })
    .to_string()
}

/// One line per record, in order.
pub fn record_lines(world: &World) -> impl Iterator<Item = String> + '_ {
    world.sim.trace().records().iter().enumerate().map(move |(i, r)| {
        let mut v = serde_json::to_value(&r.ev).unwrap_or(Value::Null);
        let obj = match v.as_object_mut() {
            Some(o) => o,
            None => return json!({ "i": i, "t": r.t, "node": world.sim.node_name(r.node), "ev": v }).to_string(),
        };
        let mut line = serde_json::Map::new();
        line.insert("i".into(), json!(i));
        line.insert("t".into(), json!(r.t));
        line.insert("node".into(), json!(world.sim.node_name(r.node)));
        line.append(obj);
        Value::Object(line).to_string()
    })
}

/// The footer line.
pub fn footer(world: &World) -> String {
    json!({ "end": true, "records": world.sim.trace().len(), "trace_hash": world.sim.trace().hash_hex() }).to_string()
}

/// What a trace file says about the run that made it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceHeader {
    pub version: String,
    pub file: String,
    pub source: String,
    pub seed: u64,
    pub until_us: u64,
    pub records: Option<usize>,
    pub trace_hash: Option<String>,
}

/// Reads the header and footer of a JSONL trace. Errors name the line.
pub fn read_trace(text: &str) -> Result<TraceHeader, String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or("the trace file is empty")?;
    let h: Value = serde_json::from_str(first).map_err(|e| format!("line 1: not a streamlab trace header ({e})"))?;
    let get_str = |k: &str| h.get(k).and_then(Value::as_str).map(str::to_string).ok_or(format!("line 1: header has no {k:?}"));
    let format = h.get("format").and_then(Value::as_u64).ok_or("line 1: header has no \"format\"")?;
    if format != u64::from(TRACE_FORMAT) {
        return Err(format!("line 1: trace format {format} is not supported (this streamlab reads format {TRACE_FORMAT})"));
    }
    let seed = h.get("seed").and_then(Value::as_u64).ok_or("line 1: header has no numeric \"seed\"")?;
    let until_us = h.get("until_us").and_then(Value::as_u64).ok_or("line 1: header has no \"until_us\"")?;
    let mut records = None;
    let mut trace_hash = None;
    if let Some((n, last)) = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).last() {
        if n > 0 {
            match serde_json::from_str::<Value>(last) {
                Ok(f) if f.get("end").and_then(Value::as_bool) == Some(true) => {
                    records = f.get("records").and_then(Value::as_u64).map(|x| x as usize);
                    trace_hash = f.get("trace_hash").and_then(Value::as_str).map(str::to_string);
                }
                Ok(_) => {}
                Err(e) => return Err(format!("line {}: not JSON ({e}); the file may be truncated", n + 1)),
            }
        }
    }
    Ok(TraceHeader { version: get_str("streamlab")?, file: get_str("file")?, source: get_str("source")?, seed, until_us, records, trace_hash })
}
