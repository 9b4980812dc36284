//! PLACEHOLDER
use crate::kernel::{Ctx, NodeId};
use crate::model::Model;
use crate::kafka::protocol::Msg;

#[derive(Clone, Debug)]
pub enum ProducerTimer {}

#[derive(Clone, Debug)]
pub struct Producer {}

impl Producer {
    pub fn on_start(&mut self, _ctx: &mut Ctx<'_, Model>) {}
    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.on_start(ctx)
    }
    pub fn on_msg(&mut self, _ctx: &mut Ctx<'_, Model>, _from: NodeId, _msg: Msg) {}
    pub fn on_timer(&mut self, _ctx: &mut Ctx<'_, Model>, t: ProducerTimer) {
        match t {}
    }
}
impl Producer { pub fn on_crash(&mut self) {} }
