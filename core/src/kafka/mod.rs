//! The Kafka model: a replicated partition log, its controller, and its
//! clients, written against `../shared/reference/kafka-semantics.md`.
//!
//! Pure building blocks (partitioner §4, leader-epoch cache §1.5, replica
//! log §1.1/§1.6/§1.7, configuration §3) are driven by the node state
//! machines (controller, broker, producer, consumer, group coordinator),
//! which talk only through [`protocol::Msg`] and record what they do as
//! [`events::KEvent`]s.

pub mod broker;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod coordinator;
pub mod epoch_cache;
pub mod events;
pub mod log;
pub mod partitioner;
pub mod producer;
pub mod protocol;
pub mod txn_coordinator;
pub mod types;
pub mod view;
