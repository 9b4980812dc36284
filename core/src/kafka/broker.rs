//! PLACEHOLDER
use crate::kernel::{Ctx, NodeId};
use crate::model::Model;
use crate::kafka::protocol::Msg;

#[derive(Clone, Debug)]
pub enum BrokerTimer {}

#[derive(Clone, Debug)]
pub struct Broker {}

impl Broker {
    pub fn on_start(&mut self, _ctx: &mut Ctx<'_, Model>) {}
    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.on_start(ctx)
    }
    pub fn on_msg(&mut self, _ctx: &mut Ctx<'_, Model>, _from: NodeId, _msg: Msg) {}
    pub fn on_timer(&mut self, _ctx: &mut Ctx<'_, Model>, t: BrokerTimer) {
        match t {}
    }
}
impl Broker {
    pub fn on_crash(&mut self, _k: crate::kernel::CrashKind, _r: &mut crate::rng::RngStream) {}
    pub fn on_disk_loss(&mut self) {}
}
