//! `groupByKey().aggregate(...)` without a window (`KStreamAggregate`): a
//! KTable of one row per key, updated by every record, never closed.

use super::update::{Agg, Step, Update};
use crate::stream::types::{Aggregate, Elem};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct TableStore {
    rows: BTreeMap<String, Agg>,
}

impl TableStore {
    /// Updates the key's row; the forwarded timestamp is `max(record.ts,
    /// old.ts)` as in `KStreamAggregate`.
    pub fn process(&mut self, agg: &Aggregate, e: &Elem, steps: &mut Vec<Step>) {
        let row = self.rows.entry(e.key.clone()).or_insert_with(|| Agg { values: Vec::new(), ids: Vec::new(), ts: e.ts });
        row.ts = row.ts.max(e.ts);
        row.values.push(e.value.clone());
        row.ids.push(e.id);
        steps.push(Step::Update(Update {
            window: None,
            key: e.key.clone(),
            value: row.value(agg),
            ts: row.ts,
            ids: row.ids.clone(),
            tombstone: false,
            buffer_time: row.ts,
        }));
    }
}
