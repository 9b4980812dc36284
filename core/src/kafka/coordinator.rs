//! PLACEHOLDER — the group coordinator is being written.
use crate::kernel::{Ctx, NodeId};
use crate::model::Model;
use crate::kafka::protocol::Msg;

#[derive(Clone, Debug)]
pub enum GroupTimer {}

#[derive(Clone, Debug, Default)]
pub struct GroupCoordinator {}

impl GroupCoordinator {
    pub fn new(_config: &crate::kafka::config::Props) -> Self {
        GroupCoordinator {}
    }
    /// The controller node started or restarted (re-arm timers).
    pub fn on_start(&mut self, _ctx: &mut Ctx<'_, Model>) {}
    /// Handles JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch.
    pub fn on_msg(&mut self, _ctx: &mut Ctx<'_, Model>, _from: NodeId, _msg: Msg) {}
    pub fn on_timer(&mut self, _ctx: &mut Ctx<'_, Model>, t: GroupTimer) {
        match t {}
    }
    /// The controller restarted: volatile group state (members, generations in progress) is lost; committed offsets are durable.
    pub fn on_crash(&mut self) {}
}
