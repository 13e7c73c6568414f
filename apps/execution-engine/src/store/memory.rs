//! The engine's state in the process: one book and journal per process, lost with it. For the
//! engine's unit tests, and the planted defect of the proof under traffic (`ENGINE_STATE=memory`).

use std::sync::Mutex;

use market_types::{OrderId, Quantity, Side};

use super::{Outcome, Rules, Submission, Top};
use crate::book::OrderBook;
use crate::journal::{Booked, Journal};
use crate::orders::Order;

struct State {
    book: OrderBook,
    journal: Journal,
    next_id: u64,
    position: Quantity,
}

pub struct MemoryStore {
    rules: Rules,
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new(rules: Rules, journal_capacity: usize) -> MemoryStore {
        MemoryStore {
            rules,
            state: Mutex::new(State {
                book: OrderBook::default(),
                journal: Journal::with_capacity(journal_capacity),
                next_id: 0,
                position: Quantity::ZERO,
            }),
        }
    }

    pub fn symbol(&self) -> &str {
        &self.rules.spec.symbol
    }

    fn top_of(&self, state: &State) -> Top {
        Top {
            best_bid: state.book.best_bid(),
            best_ask: state.book.best_ask(),
            resting_bids: state.book.depth(Side::Buy),
            resting_asks: state.book.depth(Side::Sell),
            position: state.position,
        }
    }

    pub fn top(&self) -> Top {
        let state = self.state.lock().expect("engine state lock");
        self.top_of(&state)
    }

    pub fn submit(&self, submission: Submission) -> Outcome {
        let mut state = self.state.lock().expect("engine state lock");
        if let Some(booked) = submission
            .client_order_id
            .as_deref()
            .and_then(|c| state.journal.find(c))
        {
            return Outcome::Replayed(booked.clone());
        }
        let order = Order {
            id: OrderId(state.next_id + 1),
            instrument: self.rules.spec.symbol.clone(),
            side: submission.side,
            price: submission.price,
            quantity: submission.quantity,
        };
        let top = self.top_of(&state);
        if let Some(reason) = self
            .rules
            .refusal(&order, &top, submission.instrument.as_deref())
        {
            return Outcome::Refused(reason);
        }
        state.next_id += 1;
        let (id, quantity) = (order.id, order.quantity);
        let trades = state.book.submit(order.clone());
        let filled: i64 = trades.iter().map(|t| t.quantity.units()).sum();
        for trade in &trades {
            state.journal.filled(trade.maker, trade.quantity);
        }
        let booked = Booked {
            id,
            client_order_id: submission.client_order_id,
            instrument: order.instrument,
            side: order.side,
            price: order.price,
            quantity,
            remaining: Quantity(quantity.units() - filled),
            trades,
        };
        state.journal.record(booked.clone());
        Outcome::Booked(booked)
    }

    pub fn find(&self, client_order_id: &str) -> Option<Booked> {
        let state = self.state.lock().expect("engine state lock");
        state.journal.find(client_order_id).cloned()
    }

    pub fn recent(&self, limit: usize) -> Vec<Booked> {
        let state = self.state.lock().expect("engine state lock");
        state.journal.recent(limit).into_iter().cloned().collect()
    }
}
