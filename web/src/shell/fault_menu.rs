//! The fault menu: what a click on a node or a link offers. A student breaks
//! the cluster by direct manipulation; each choice becomes a `[[faults]]`
//! entry at the current moment, so the run stays reproducible.

use crate::{App, Msg};
use streamlab_core::kernel::NodeStatus;
use streamlab_core::player::UserFault;
use yew::prelude::*;

/// A sentence for the notice after the fault was applied.
pub fn describe(f: &UserFault) -> String {
    match f {
        UserFault::Crash { node, hard: false } => format!("crash {node} (kill -9 of the process)"),
        UserFault::Crash { node, hard: true } => format!("crash {node}'s machine (power loss: unflushed data is gone)"),
        UserFault::Restart { node } => format!("restart {node}"),
        UserFault::Pause { node } => format!("pause {node} (a long GC pause: alive but silent)"),
        UserFault::Resume { node } => format!("resume {node}"),
        UserFault::LoseDisk { node } => format!("wipe {node}'s disk"),
        UserFault::Cut { from, to, symmetric: true } => format!("cut the link between {from} and {to}"),
        UserFault::Cut { from, to, symmetric: false } => format!("cut the link from {from} to {to} (one way)"),
        UserFault::Heal { from, to, symmetric: true } => format!("heal the link between {from} and {to}"),
        UserFault::Heal { from, to, symmetric: false } => format!("heal the link from {from} to {to} (one way)"),
        UserFault::HealAll => "heal every link".into(),
    }
}

/// The faults offered for a node of `group` in `status`.
pub fn node_faults(node: &str, group: &str, status: NodeStatus) -> Vec<(&'static str, &'static str, UserFault)> {
    let n = || node.to_string();
    let mut out = Vec::new();
    match status {
        NodeStatus::Up => {
            out.push(("fault-crash", "Crash (kill the process)", UserFault::Crash { node: n(), hard: false }));
            if matches!(group, "brokers" | "controller") {
                out.push(("fault-crash-machine", "Crash the machine (lose unflushed data)", UserFault::Crash { node: n(), hard: true }));
            }
            out.push(("fault-pause", "Pause (freeze, like a long GC pause)", UserFault::Pause { node: n() }));
        }
        NodeStatus::Paused => out.push(("fault-resume", "Resume", UserFault::Resume { node: n() })),
        NodeStatus::Down => {
            out.push(("fault-restart", "Restart", UserFault::Restart { node: n() }));
            if group == "brokers" {
                out.push(("fault-lose-disk", "Wipe its disk (before restarting it)", UserFault::LoseDisk { node: n() }));
            }
        }
    }
    out
}

/// The faults offered for the link `from → to`.
pub fn link_faults(from: &str, to: &str) -> Vec<(&'static str, String, UserFault)> {
    let (f, t) = (from.to_string(), to.to_string());
    vec![
        ("fault-cut-both", format!("Cut both ways ({from} ⇎ {to})"), UserFault::Cut { from: f.clone(), to: t.clone(), symmetric: true }),
        ("fault-cut-one", format!("Cut one way ({from} ⇸ {to})"), UserFault::Cut { from: f.clone(), to: t.clone(), symmetric: false }),
        ("fault-cut-back", format!("Cut one way ({to} ⇸ {from})"), UserFault::Cut { from: t.clone(), to: f.clone(), symmetric: false }),
        ("fault-heal", format!("Heal both ways ({from} ⇔ {to})"), UserFault::Heal { from: f, to: t, symmetric: true }),
        ("fault-heal-all", "Heal every link".into(), UserFault::HealAll),
    ]
}

impl App {
    pub(crate) fn view_menu(&self, ctx: &Context<Self>) -> Html {
        let (Some(poke), Some(player)) = (&self.menu, &self.player) else {
            return html! {};
        };
        let link = ctx.link();
        let player = player.borrow();
        let world = player.world();
        let (title, items): (String, Vec<(&'static str, String, UserFault)>) = match poke {
            crate::Poke::Node(name) => {
                let Some(id) = world.sim.node_id(name) else {
                    return html! {};
                };
                let status = world.sim.node_status(id);
                let word = match status {
                    NodeStatus::Up => "up",
                    NodeStatus::Paused => "paused",
                    NodeStatus::Down => "down",
                };
                let items = node_faults(name, world.sim.node_group(id), status).into_iter().map(|(id, l, f)| (id, l.to_string(), f)).collect();
                (format!("{name} ({word})"), items)
            }
            crate::Poke::Link { from, to } => (format!("Link {from} → {to}"), link_faults(from, to)),
            crate::Poke::Seek(_) => return html! {},
        };
        html! {
            <div class="overlay overlay-light" onclick={link.callback(|_| Msg::CloseMenu)}>
                <div id="fault-menu" class="fault-menu" role="menu" aria-label={title.clone()} onclick={|e: MouseEvent| e.stop_propagation()}>
                    <p class="fault-menu-title">{ title }</p>
                    <p class="muted fault-menu-when">{ format!("at {}", crate::logic::format_time(player.now())) }</p>
                    { for items.into_iter().map(|(id, label, fault)| {
                        let onclick = link.callback(move |_| Msg::Inject(fault.clone()));
                        html! { <button id={id} role="menuitem" class="fault-item" {onclick}>{ label }</button> }
                    }) }
                    <button class="fault-item fault-cancel" onclick={link.callback(|_| Msg::CloseMenu)}>{ "Cancel" }</button>
                </div>
            </div>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_down_broker_can_be_restarted_or_wiped_but_not_crashed() {
        let ids: Vec<_> = node_faults("b1", "brokers", NodeStatus::Down).into_iter().map(|(id, _, _)| id).collect();
        assert_eq!(ids, ["fault-restart", "fault-lose-disk"]);
        let ids: Vec<_> = node_faults("c1", "consumers", NodeStatus::Up).into_iter().map(|(id, _, _)| id).collect();
        assert_eq!(ids, ["fault-crash", "fault-pause"]);
        assert_eq!(describe(&UserFault::Cut { from: "b1".into(), to: "b2".into(), symmetric: false }), "cut the link from b1 to b2 (one way)");
    }
}
