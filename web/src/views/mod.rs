//! The views of a run, each drawing one `streamlab_core::views` model.
//! A view never changes the run itself: clicks are reported to the app as a
//! [`Poke`], and the app decides (a fault menu, a jump in time).

pub mod canvas_kit;
pub mod canvas_size;
pub mod cluster;
pub mod event_time;
pub mod in_view;
pub mod messages;
pub mod messages_canvas;
pub mod metrics;
pub mod outputs;
pub mod partitions;
pub mod plot_canvas;
pub mod strip_canvas;
pub mod trace_table;

/// Something the student clicked in a view.
#[derive(Clone, Debug, PartialEq)]
pub enum Poke {
    /// A node (broker, producer, consumer, job) by its scenario name.
    Node(String),
    /// The network link from one node to another (as drawn; the app offers
    /// one-way and symmetric cuts and heals).
    Link { from: String, to: String },
    /// Jump the player to this simulated time (µs), e.g. from a checker hit
    /// or a trace row.
    Seek(u64),
}

use std::cell::{Ref, RefCell};
use std::rc::Rc;
use streamlab_core::world::World;
use yew::prelude::*;

/// The run every view draws, shared with the app.
///
/// `frame` changes whenever the run moved (a tick, a step, a seek), so a view
/// re-renders exactly when its picture may have changed. `run` changes when
/// the run was replaced (load, injected fault, seek backward): a view that
/// keeps an incremental fold over the trace must start it again then (also
/// when the trace got shorter than the fold's position).
/// Anything that has a world to show: the player, a lesson being taken.
pub trait WorldSource {
    fn world(&self) -> &World;
}

#[derive(Clone)]
pub struct RunHandle {
    player: Rc<RefCell<dyn WorldSource>>,
    pub frame: u64,
    pub run: u64,
    /// The run is playing: a view may spread a costly redraw over several
    /// frames (see `partitions`). False when paused, stepped or scrubbed:
    /// then every view shows the moment whole.
    pub live: bool,
}

impl RunHandle {
    pub fn new(player: Rc<RefCell<dyn WorldSource>>, frame: u64, run: u64) -> Self {
        RunHandle { player, frame, run, live: false }
    }
    pub fn live(self, live: bool) -> Self {
        RunHandle { live, ..self }
    }
    /// The world at the current moment (borrow it only while rendering).
    pub fn world(&self) -> Ref<'_, World> {
        Ref::map(self.player.borrow(), |p| p.world())
    }
}

impl PartialEq for RunHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.player, &other.player) && self.frame == other.frame && self.run == other.run && self.live == other.live
    }
}

/// What every view component takes.
#[derive(Properties, Clone, PartialEq)]
pub struct ViewProps {
    pub run: RunHandle,
    /// Clicks the app should act on (a fault menu, a seek).
    pub on_poke: Callback<Poke>,
}

impl WorldSource for streamlab_core::player::Player {
    fn world(&self) -> &World {
        streamlab_core::player::Player::world(self)
    }
}
