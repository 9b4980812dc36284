//! The facade the web app (and other embedders) drive: load a scenario, step
//! it, read its trace hash and summary. Thin over [`crate::world::World`].
//!
//! PLACEHOLDER SIGNATURES — the implementation lands with the kernel.

/// An error in a scenario file, pointing at the place.
#[derive(Clone, Debug)]
pub struct ScenarioErrorStub {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ScenarioErrorStub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}: {}", self.file, self.line, self.column, self.path, self.message)
    }
}

pub struct Session {
    now: u64,
}

impl Session {
    pub fn load(_file_name: &str, _toml_text: &str, _seed: Option<u64>) -> Result<Session, ScenarioErrorStub> {
        Ok(Session { now: 0 })
    }
    pub fn scenario_name(&self) -> &str { "stub" }
    pub fn seed(&self) -> u64 { 0 }
    pub fn now(&self) -> u64 { self.now }
    pub fn end_time(&self) -> u64 { 1_000_000 }
    pub fn step(&mut self) -> bool { self.now += 1000; self.now < 1_000_000 }
    pub fn run_until(&mut self, t: u64) { self.now = t.min(1_000_000) }
    pub fn run_to_end(&mut self) { self.now = 1_000_000 }
    pub fn is_finished(&self) -> bool { self.now >= 1_000_000 }
    pub fn trace_len(&self) -> usize { (self.now / 1000) as usize }
    pub fn trace_hash(&self) -> String { format!("{:032x}", self.now) }
    pub fn summary_text(&self) -> String { String::from("stub") }
    pub fn report_json(&self) -> String { String::from("{}") }
    pub fn recent_events(&self, _n: usize) -> Vec<String> { vec![] }
}

/// Example scenarios compiled into the binary: (file name, TOML text).
pub const BUILTIN_SCENARIOS: &[(&str, &str)] = &[];
