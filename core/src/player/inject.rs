//! Faults a student injects by hand (click a broker, "crash it"), turned
//! into scenario text.
//!
//! The rule: an injected fault is not a side effect on a running world, it
//! becomes part of the scenario — a `[[faults]]` entry with `at` = the
//! current moment, to the microsecond, appended to the end of the text
//! (the student's own text is kept byte for byte). The player then
//! re-parses the text, rebuilds the world and re-runs to the same moment.
//! So the run with the fault is again a pure function of (text, seed): it
//! can be replayed, shared in a permalink, and run by `streamlab run`.
//! (The kernel's `Sim::inject` would change the world without the text; it
//! is not used for this reason.)

use crate::time::{fmt_time, Duration, Micros};
use crate::world::World;

/// A fault on named nodes, as the app's buttons offer them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserFault {
    /// `hard`: a machine crash (power loss: unflushed data may go);
    /// otherwise a process crash (`kill -9`).
    Crash {
        node: String,
        hard: bool,
    },
    Restart {
        node: String,
    },
    Pause {
        node: String,
    },
    Resume {
        node: String,
    },
    LoseDisk {
        node: String,
    },
    /// Block `from → to` (and `to → from` when `symmetric`).
    Cut {
        from: String,
        to: String,
        symmetric: bool,
    },
    Heal {
        from: String,
        to: String,
        symmetric: bool,
    },
    HealAll,
}

impl UserFault {
    /// The fault's label in the trace and the report.
    pub fn label(&self) -> String {
        let arrow = |s: bool| if s { "↔" } else { "→" };
        match self {
            UserFault::Crash { node, hard } => format!("injected: crash {node} ({})", if *hard { "machine" } else { "process" }),
            UserFault::Restart { node } => format!("injected: restart {node}"),
            UserFault::Pause { node } => format!("injected: pause {node}"),
            UserFault::Resume { node } => format!("injected: resume {node}"),
            UserFault::LoseDisk { node } => format!("injected: lose the disk of {node}"),
            UserFault::Cut { from, to, symmetric } => format!("injected: cut {from} {} {to}", arrow(*symmetric)),
            UserFault::Heal { from, to, symmetric } => format!("injected: heal {from} {} {to}", arrow(*symmetric)),
            UserFault::HealAll => "injected: heal all links".to_string(),
        }
    }

    /// The `[[faults]]` entry (with its comment line and a leading blank
    /// line) for this fault at `at`, after checking the nodes exist in
    /// `world`.
    pub fn to_toml(&self, world: &World, at: Micros) -> Result<String, String> {
        let check = |n: &str| -> Result<String, String> {
            if world.sim.node_id(n).is_some() {
                Ok(quote(n))
            } else {
                Err(format!("there is no node “{n}” in this scenario; its nodes are {}", world.sim.node_names().join(", ")))
            }
        };
        let mut fields: Vec<(&str, String)> = Vec::new();
        match self {
            UserFault::Crash { node, hard } => {
                fields.push(("action", quote("crash")));
                fields.push(("target", check(node)?));
                fields.push(("mode", quote(if *hard { "machine" } else { "process" })));
            }
            UserFault::Restart { node } => fields.extend([("action", quote("restart")), ("target", check(node)?)]),
            UserFault::Pause { node } => fields.extend([("action", quote("pause")), ("target", check(node)?)]),
            UserFault::Resume { node } => fields.extend([("action", quote("resume")), ("target", check(node)?)]),
            UserFault::LoseDisk { node } => fields.extend([("action", quote("lose-disk")), ("target", check(node)?)]),
            UserFault::Cut { from, to, symmetric } | UserFault::Heal { from, to, symmetric } => {
                if from == to {
                    return Err(format!("a link joins two different nodes; “{from}” was given at both ends"));
                }
                let action = if matches!(self, UserFault::Cut { .. }) { "cut" } else { "heal" };
                fields.extend([("action", quote(action)), ("from", check(from)?), ("to", check(to)?), ("symmetric", symmetric.to_string())]);
            }
            UserFault::HealAll => fields.push(("action", quote("heal-all"))),
        }
        let mut s = format!(
            "\n# injected in the browser at {}\n[[faults]]\nlabel = {}\nat = {}\n",
            fmt_time(at),
            quote(&self.label()),
            quote(&Duration(at).to_string())
        );
        for (k, v) in fields {
            s.push_str(&format!("{k} = {v}\n"));
        }
        Ok(s)
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The scenario text with `entry` appended (after a newline if the text
/// does not end with one).
pub(crate) fn append(text: &str, entry: &str) -> String {
    let mut t = String::with_capacity(text.len() + entry.len() + 1);
    t.push_str(text);
    if !t.is_empty() && !t.ends_with('\n') {
        t.push('\n');
    }
    t.push_str(entry);
    t
}
