//! PLACEHOLDER — the consumer client is being written (see coordinator.rs).
use crate::kernel::{Ctx, NodeId};
use crate::model::Model;
use crate::kafka::protocol::Msg;
use crate::scenario::{ConsumerSpec, TopicSpec};

#[derive(Clone, Debug)]
pub enum ConsumerTimer {}

#[derive(Clone, Debug)]
pub struct Consumer {
    pub name: String,
}

impl Consumer {
    pub fn new(spec: &ConsumerSpec, _topics: &[TopicSpec], _brokers: u32) -> Self {
        Consumer { name: spec.name.clone() }
    }
    pub fn on_start(&mut self, _ctx: &mut Ctx<'_, Model>) {}
    pub fn on_restart(&mut self, ctx: &mut Ctx<'_, Model>) {
        self.on_start(ctx)
    }
    pub fn on_msg(&mut self, _ctx: &mut Ctx<'_, Model>, _from: NodeId, _msg: Msg) {}
    pub fn on_timer(&mut self, _ctx: &mut Ctx<'_, Model>, t: ConsumerTimer) {
        match t {}
    }
    pub fn on_crash(&mut self) {}
}
