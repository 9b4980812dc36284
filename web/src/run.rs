//! TEMPORARY stand-in for `streamlab_core::player::Player` (being written):
//! the same API over `Session`, with seek by re-running from the start.

use streamlab_core::session::{ScenarioError, Session};
use streamlab_core::world::World;

#[derive(Clone, Debug, PartialEq)]
pub enum UserFault {
    Crash { node: String, hard: bool },
    Restart { node: String },
    Pause { node: String },
    Resume { node: String },
    LoseDisk { node: String },
    Cut { from: String, to: String, symmetric: bool },
    Heal { from: String, to: String, symmetric: bool },
    HealAll,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Interesting {
    pub t: u64,
    pub index: usize,
    pub kind: &'static str,
    pub text: String,
}

pub struct Player {
    session: Session,
    file: String,
    text: String,
}

impl Player {
    pub fn load(file_name: &str, text: &str, seed: Option<u64>) -> Result<Player, ScenarioError> {
        Ok(Player { session: Session::load(file_name, text, seed)?, file: file_name.into(), text: text.into() })
    }
    pub fn world(&self) -> &World {
        self.session.world()
    }
    pub fn now(&self) -> u64 {
        self.session.now()
    }
    pub fn end_time(&self) -> u64 {
        self.session.end_time()
    }
    pub fn is_finished(&self) -> bool {
        self.session.is_finished()
    }
    pub fn seed(&self) -> u64 {
        self.session.seed()
    }
    pub fn scenario_text(&self) -> &str {
        &self.text
    }
    pub fn file_name(&self) -> &str {
        &self.file
    }
    pub fn trace_hash(&self) -> String {
        self.session.trace_hash()
    }
    pub fn trace_len(&self) -> usize {
        self.session.trace_len()
    }
    pub fn summary_text(&self) -> String {
        self.session.summary_text()
    }
    pub fn report_json(&self) -> String {
        self.session.report_json()
    }
    pub fn step(&mut self) -> bool {
        self.session.step()
    }
    pub fn advance_to(&mut self, t: u64) {
        self.session.run_until(t)
    }
    pub fn run_to_end(&mut self) {
        self.session.run_to_end()
    }
    pub fn seek(&mut self, t: u64) {
        if t < self.now() {
            if let Ok(s) = Session::load(&self.file, &self.text, Some(self.seed())) {
                self.session = s;
            }
        }
        self.session.run_until(t);
    }
    pub fn next_interesting(&mut self) -> Option<Interesting> {
        while self.session.step() {
            let recs = self.session.world().sim.trace().records();
            if let Some(r) = recs.last() {
                let json = serde_json::to_string(&r.ev).unwrap_or_default();
                if json.contains("partition_changed") || json.contains("fault_fired") {
                    return Some(Interesting { t: r.t, index: recs.len() - 1, kind: "event", text: json });
                }
            }
        }
        None
    }
    pub fn inject(&mut self, _f: UserFault) -> Result<(), String> {
        Err("not yet".into())
    }
    pub fn recent_events(&self, n: usize) -> Vec<String> {
        self.session.recent_events(n)
    }
    pub fn scenario_name(&self) -> &str {
        self.session.scenario_name()
    }
}

impl crate::views::WorldSource for Player {
    fn world(&self) -> &World {
        Player::world(self)
    }
}
