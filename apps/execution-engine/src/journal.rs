//! The orders the engine booked, newest last, bounded; and the client order ids it has seen, so a
//! client that retries after a lost answer gets the first booking back instead of a second order.

use std::collections::{HashMap, VecDeque};

use market_types::{OrderId, Price, Quantity, Side};
use serde::Serialize;

use crate::book::Trade;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Booked {
    #[schema(value_type = u64)]
    pub id: OrderId,
    /// The participant it was booked for ("unassigned" when the order named none).
    pub account: String,
    #[schema(required = true)] // null when absent, never omitted
    pub client_order_id: Option<String>,
    pub instrument: String,
    #[schema(value_type = crate::api_doc::SideDoc)]
    pub side: Side,
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub price: Price,
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub quantity: Quantity,
    /// What still rests on the book: the quantity less every fill, those it matched when booked
    /// (`trades`) and those that came later, when another order took it. A client learns its later
    /// fills from it (they are at the order's own price: a maker trades at its price).
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub remaining: Quantity,
    /// The trades it matched when booked (it was the taker).
    pub trades: Vec<Trade>,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: VecDeque<Booked>,
    by_client: HashMap<String, OrderId>,
}

impl Journal {
    /// Keeps the last `capacity` bookings (at least one); older ones, and their client ids, are forgotten.
    pub fn with_capacity(capacity: usize) -> Journal {
        Journal {
            capacity: capacity.max(1),
            entries: VecDeque::new(),
            by_client: HashMap::new(),
        }
    }

    /// The booking made for this client order id, while it is still kept.
    pub fn find(&self, client_order_id: &str) -> Option<&Booked> {
        let id = self.by_client.get(client_order_id)?;
        self.entries.iter().find(|b| b.id == *id)
    }

    pub fn record(&mut self, booked: Booked) {
        if self.entries.len() == self.capacity {
            if let Some(old) = self.entries.pop_front() {
                if let Some(client) = old.client_order_id {
                    self.by_client.remove(&client);
                }
            }
        }
        if let Some(client) = &booked.client_order_id {
            self.by_client.insert(client.clone(), booked.id);
        }
        self.entries.push_back(booked);
    }

    /// A later fill of a resting booking (a maker's side of a trade), while it is still kept.
    pub fn filled(&mut self, id: OrderId, quantity: Quantity) {
        if let Some(booked) = self.entries.iter_mut().find(|b| b.id == id) {
            booked.remaining = Quantity(booked.remaining.units() - quantity.units());
        }
    }

    /// Up to `limit` bookings, newest first.
    pub fn recent(&self, limit: usize) -> Vec<&Booked> {
        self.entries.iter().rev().take(limit).collect()
    }
}

/// A client order id is 1 to 64 characters of letters, digits, '-' and '_'.
pub fn valid_client_order_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booked(id: u64, client: Option<&str>) -> Booked {
        Booked {
            id: OrderId(id),
            account: "unassigned".into(),
            client_order_id: client.map(str::to_string),
            instrument: "BTC-USD".into(),
            side: Side::Buy,
            price: "100".parse().unwrap(),
            quantity: "1".parse().unwrap(),
            remaining: "1".parse().unwrap(),
            trades: vec![],
        }
    }

    #[test]
    fn a_later_fill_lowers_what_rests_of_a_kept_booking_only() {
        let mut journal = Journal::with_capacity(2);
        journal.record(booked(1, Some("a")));
        journal.filled(OrderId(1), "0.25".parse().unwrap());
        journal.filled(OrderId(9), "1".parse().unwrap());
        assert_eq!(
            journal.find("a").map(|b| b.remaining),
            Some("0.75".parse().unwrap())
        );
    }

    #[test]
    fn finds_a_booking_by_client_id_and_lists_newest_first() {
        let mut journal = Journal::with_capacity(3);
        journal.record(booked(1, Some("a")));
        journal.record(booked(2, None));
        assert_eq!(journal.find("a").map(|b| b.id), Some(OrderId(1)));
        assert_eq!(journal.find("b"), None);
        let ids: Vec<_> = journal.recent(10).iter().map(|b| b.id).collect();
        assert_eq!(ids, vec![OrderId(2), OrderId(1)]);
        assert_eq!(journal.recent(1).len(), 1);
    }

    #[test]
    fn forgets_the_oldest_booking_and_its_client_id_past_capacity() {
        let mut journal = Journal::with_capacity(2);
        journal.record(booked(1, Some("a")));
        journal.record(booked(2, Some("b")));
        journal.record(booked(3, None));
        assert_eq!(journal.find("a"), None);
        assert_eq!(journal.find("b").map(|b| b.id), Some(OrderId(2)));
        assert_eq!(journal.recent(10).len(), 2);
        let mut tiny = Journal::with_capacity(0);
        tiny.record(booked(4, None));
        tiny.record(booked(5, None));
        assert_eq!(tiny.recent(10).len(), 1);
    }

    #[test]
    fn client_order_ids_are_short_and_plain() {
        assert!(valid_client_order_id("agents-0f3a_9"));
        assert!(valid_client_order_id(&"x".repeat(64)));
        assert!(!valid_client_order_id(""));
        assert!(!valid_client_order_id(&"x".repeat(65)));
        assert!(!valid_client_order_id("a b"));
        assert!(!valid_client_order_id("a/b"));
    }
}
