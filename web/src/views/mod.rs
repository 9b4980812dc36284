//! The views of a run, each drawing one `streamlab_core::views` model.
//! A view never changes the run itself: clicks are reported to the app as a
//! [`Poke`], and the app decides (a fault menu, a jump in time).

pub mod cluster;
pub mod event_time;
pub mod messages;
pub mod metrics;
pub mod outputs;
pub mod partitions;
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
