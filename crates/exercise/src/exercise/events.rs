//! The exercise's queue of timed events (hazard onsets, injects, condition deadlines,
//! impacts, arrivals, bot actions) and the order among events at the same second.

use crate::action::Action;
use crate::def::ReliefPackage;
use std::collections::BTreeMap;

/// Something due at a scenario time.
#[derive(Debug, Clone)]
pub(super) enum Event {
    /// Hazard `0` (index in the plan) begins.
    HazardOnset(usize),
    BotAction {
        team: String,
        action: Action,
    },
    Sitrep {
        team: String,
    },
    Inject {
        inject: usize,
        trigger: String,
    },
    /// The deadline of inject `inject`'s "no action by" condition.
    Deadline {
        inject: usize,
    },
    /// Unit `unit` of hazard `hazard` is reached.
    Impact {
        hazard: usize,
        unit: usize,
    },
    UsarArrival {
        request: String,
        team: String,
        country: String,
    },
    ReliefDelivery {
        request: String,
        team: String,
        country: String,
        package: ReliefPackage,
    },
    /// Report `0` (index in the plan's feed) is published.
    Feed(usize),
    /// The daily Sphere needs record.
    Needs,
    End,
}

/// Condition deadlines and every event ordered after them ([`Event::priority`] at least
/// this).
pub(super) const DEADLINE_PRIORITY: u8 = 3;

impl Event {
    /// Order among events at the same second: onsets, then actions, then injects, then
    /// condition deadlines (so an action at the deadline counts), then impacts.
    fn priority(&self) -> u8 {
        match self {
            Event::HazardOnset(_) => 0,
            Event::BotAction { .. } | Event::Sitrep { .. } => 1,
            Event::Inject { .. } | Event::Feed(_) => 2,
            Event::Deadline { .. } => DEADLINE_PRIORITY,
            Event::Impact { .. } => 4,
            Event::UsarArrival { .. } | Event::ReliefDelivery { .. } => 5,
            Event::Needs => 6,
            Event::End => 9,
        }
    }
}

/// Where an event stands in the queue: by scenario time, then priority, then the order it
/// was scheduled in (fields compared in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct EventKey {
    pub t_s: i64,
    pub priority: u8,
    pub seq: u64,
}

/// The events still due, in the order they are processed.
#[derive(Debug, Clone, Default)]
pub(super) struct EventQueue {
    events: BTreeMap<EventKey, Event>,
    next_seq: u64,
}

impl EventQueue {
    /// Queues `e` at scenario time `t_s`.
    pub fn push(&mut self, t_s: i64, e: Event) {
        let key = EventKey {
            t_s,
            priority: e.priority(),
            seq: self.next_seq,
        };
        self.next_seq += 1;
        self.events.insert(key, e);
    }

    /// The key of the next event.
    pub fn peek(&self) -> Option<EventKey> {
        self.events.keys().next().copied()
    }

    pub fn remove(&mut self, key: &EventKey) -> Option<Event> {
        self.events.remove(key)
    }
}
