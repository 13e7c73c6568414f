//! Where the engine's trading state lives: the book, the bookings journal with its client order
//! ids, order ids. In production and every deployed environment that is PostgreSQL
//! (`postgres::PgStore`): one book per instrument whichever pods and colours serve it, and a
//! retry of a client order id to any pod gets the first booking back. `memory::MemoryStore`
//! keeps it in the process: the engine's unit tests use it, and the proof under traffic runs it
//! as the planted defect it is (a per-pod book and journal), under `ENGINE_STATE=memory`.

pub mod breaker;
pub mod memory;
pub mod postgres;

use market_types::{Price, Quantity, Side};
use serde::Serialize;
use thiserror::Error;

use crate::journal::Booked;
use crate::orders::{InstrumentSpec, Order};
use crate::risk::RiskLimits;

/// The account of an order that names none (and of every order booked before accounts).
pub const UNASSIGNED: &str = "unassigned";

/// An order as the HTTP layer parsed it; the store gives it its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The participant it is booked for: its position limit is checked against this account's
    /// position, the sum of its fills over every pod and colour.
    pub account: String,
    pub client_order_id: Option<String>,
    pub instrument: Option<String>,
    pub side: Side,
    pub price: Price,
    pub quantity: Quantity,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Booked now (HTTP 201).
    Booked(Booked),
    /// A retry of a client order id booked before: that first booking (HTTP 200).
    Replayed(Booked),
    /// Refused by the instrument's rules or pre-trade risk (HTTP 422), with the reason.
    Refused(String),
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(String),
}

/// The top of one instrument's book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Top {
    pub best_bid: Option<Price>,
    pub best_ask: Option<Price>,
    pub resting_bids: usize,
    pub resting_asks: usize,
}

/// An account's position in one instrument: bought less sold over all its fills, and what its
/// orders still rest to buy and to sell (the pre-trade limit counts them as if filled).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Position {
    pub account: String,
    pub instrument: String,
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub quantity: Quantity,
    #[schema(value_type = String, pattern = r"^\d+(\.\d+)?$")]
    pub resting_buys: Quantity,
    #[schema(value_type = String, pattern = r"^\d+(\.\d+)?$")]
    pub resting_sells: Quantity,
}

impl Position {
    /// The worst case on `side`: the position if every order resting on that side filled.
    pub fn exposure(&self, side: Side) -> Quantity {
        match side {
            Side::Buy => Quantity(self.quantity.units() + self.resting_buys.units()),
            Side::Sell => Quantity(self.quantity.units() - self.resting_sells.units()),
        }
    }
}

/// The instrument's rules and the pre-trade risk limits the engine applies to every order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub spec: InstrumentSpec,
    pub limits: RiskLimits,
}

impl Rules {
    /// The synthetic twin of the instrument, `<symbol>.SYNTHETIC`: the same tick, lots and limits
    /// on a book of its own, for test traffic (the deploy analysis writes orders to a canary there),
    /// so nothing a test books ever trades against, or shows on, the real instrument.
    pub fn synthetic(&self) -> Rules {
        Rules {
            spec: InstrumentSpec {
                symbol: format!("{}.SYNTHETIC", self.spec.symbol),
                ..self.spec.clone()
            },
            limits: self.limits.clone(),
        }
    }

    /// Checks an order (its id assigned) against the instrument's rules and the risk limits, given
    /// the book's top and its account's exposure on the order's side (`Position::exposure`): the
    /// reason it is refused, if it is.
    pub fn refusal(
        &self,
        order: &Order,
        top: &Top,
        position: Quantity,
        instrument: Option<&str>,
    ) -> Option<String> {
        if let Some(instrument) = instrument {
            if instrument != self.spec.symbol {
                return Some(format!(
                    "unknown instrument {instrument}: this engine trades {}",
                    self.spec.symbol
                ));
            }
        }
        if let Err(e) = self.spec.validate(order) {
            return Some(e.to_string());
        }
        // The price band is measured from the mid of the book as it is (all pods' one book), else
        // from the order's own price when one side is empty.
        let reference = match (top.best_bid, top.best_ask) {
            (Some(bid), Some(ask)) => Price((bid.units() + ask.units()) / 2),
            _ => order.price,
        };
        self.limits
            .check(order, position, reference)
            .err()
            .map(|e| e.to_string())
    }
}

/// The engine's state, in the process or in PostgreSQL.
pub enum Store {
    Memory(memory::MemoryStore),
    Postgres(postgres::PgStore),
}

impl Store {
    pub fn symbol(&self) -> &str {
        match self {
            Store::Memory(s) => s.symbol(),
            Store::Postgres(s) => s.symbol(),
        }
    }

    pub async fn submit(&self, submission: Submission) -> Result<Outcome, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.submit(submission)),
            Store::Postgres(s) => s.submit(submission).await,
        }
    }

    /// Up to `limit` bookings, newest first.
    pub async fn recent(&self, limit: usize) -> Result<Vec<Booked>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.recent(limit)),
            Store::Postgres(s) => s.recent(limit).await,
        }
    }

    /// The booking made for a client order id, if any.
    pub async fn find(&self, client_order_id: &str) -> Result<Option<Booked>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.find(client_order_id)),
            Store::Postgres(s) => s.find(client_order_id).await,
        }
    }

    pub async fn top(&self) -> Result<Top, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.top()),
            Store::Postgres(s) => s.top().await,
        }
    }

    /// Every account's position in the instrument, by account.
    pub async fn positions(&self) -> Result<Vec<Position>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.positions()),
            Store::Postgres(s) => s.positions().await,
        }
    }

    /// The store's metrics (the database breaker's), in the service's registry.
    pub fn register(&self, registry: &prometheus::Registry) {
        if let Store::Postgres(s) = self {
            s.metrics().register(registry);
        }
    }

    /// Whether the store can serve (the readiness probe): the database answers.
    pub async fn ready(&self) -> Result<(), StoreError> {
        match self {
            Store::Memory(_) => Ok(()),
            Store::Postgres(s) => s.ready().await,
        }
    }
}
