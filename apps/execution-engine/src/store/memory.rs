//! The engine's state in the process: one book and journal per process, lost with it. For the
//! engine's unit tests, and the planted defect of the proof under traffic (`ENGINE_STATE=memory`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use market_types::{OrderId, Quantity, Side};

use super::{Outcome, Position, Rules, Submission, Top};
use crate::book::OrderBook;
use crate::journal::{Booked, Journal};
use crate::orders::Order;

struct State {
    book: OrderBook,
    journal: Journal,
    next_id: u64,
    /// Each order's account, and each account's position and resting orders.
    accounts: HashMap<OrderId, String>,
    positions: BTreeMap<String, Position>,
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
                accounts: HashMap::new(),
                positions: BTreeMap::new(),
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
        let position = state
            .positions
            .get(&submission.account)
            .map_or(Quantity::ZERO, |p| p.exposure(order.side));
        if let Some(reason) =
            self.rules
                .refusal(&order, &top, position, submission.instrument.as_deref())
        {
            return Outcome::Refused(reason);
        }
        state.next_id += 1;
        let (id, quantity, side) = (order.id, order.quantity, order.side);
        state.accounts.insert(id, submission.account.clone());
        let trades = state.book.submit(order.clone());
        let filled: i64 = trades.iter().map(|t| t.quantity.units()).sum();
        let bought = match side {
            Side::Buy => 1,
            Side::Sell => -1,
        };
        for trade in &trades {
            state.journal.filled(trade.maker, trade.quantity);
            let maker = state
                .accounts
                .get(&trade.maker)
                .cloned()
                .unwrap_or_default();
            let units = trade.quantity.units();
            let maker = self.figures(&mut state, &maker);
            maker.quantity = Quantity(maker.quantity.units() - bought * units);
            match side {
                Side::Buy => maker.resting_sells = Quantity(maker.resting_sells.units() - units),
                Side::Sell => maker.resting_buys = Quantity(maker.resting_buys.units() - units),
            }
            let taker = self.figures(&mut state, &submission.account);
            taker.quantity = Quantity(taker.quantity.units() + bought * units);
        }
        let rests = quantity.units() - filled;
        let taker = self.figures(&mut state, &submission.account);
        match side {
            Side::Buy => taker.resting_buys = Quantity(taker.resting_buys.units() + rests),
            Side::Sell => taker.resting_sells = Quantity(taker.resting_sells.units() + rests),
        }
        let booked = Booked {
            id,
            account: submission.account,
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

    /// An account's figures, made at zero the first time it is named.
    fn figures<'a>(&self, state: &'a mut State, account: &str) -> &'a mut Position {
        state
            .positions
            .entry(account.to_string())
            .or_insert_with(|| Position {
                account: account.to_string(),
                instrument: self.rules.spec.symbol.clone(),
                ..Position::default()
            })
    }

    pub fn positions(&self) -> Vec<Position> {
        let state = self.state.lock().expect("engine state lock");
        state.positions.values().cloned().collect()
    }

    pub fn recent(&self, limit: usize) -> Vec<Booked> {
        let state = self.state.lock().expect("engine state lock");
        state.journal.recent(limit).into_iter().cloned().collect()
    }
}
