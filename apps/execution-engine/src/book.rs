//! A price-time-priority limit order book for one instrument.

use std::collections::{BTreeMap, VecDeque};

use market_types::{OrderId, Price, Quantity, Side};
use serde::Serialize;

use crate::orders::Order;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Trade {
    #[schema(value_type = u64)]
    pub maker: OrderId,
    #[schema(value_type = u64)]
    pub taker: OrderId,
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub price: Price,
    #[schema(value_type = String, pattern = r"^-?\d+(\.\d+)?$")]
    pub quantity: Quantity,
}

#[derive(Debug, Default)]
pub struct OrderBook {
    bids: BTreeMap<Price, VecDeque<Order>>,
    asks: BTreeMap<Price, VecDeque<Order>>,
}

impl OrderBook {
    pub fn best_bid(&self) -> Option<Price> {
        self.bids.keys().next_back().copied()
    }

    pub fn best_ask(&self) -> Option<Price> {
        self.asks.keys().next().copied()
    }

    pub fn depth(&self, side: Side) -> usize {
        let levels = match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        };
        levels.values().map(VecDeque::len).sum()
    }

    /// Match `order` against the opposite side at the makers' prices, best price first and
    /// oldest first within a price; any remainder rests on the book.
    pub fn submit(&mut self, mut order: Order) -> Vec<Trade> {
        let mut trades = Vec::new();
        while order.quantity.is_positive() {
            let best = match order.side {
                Side::Buy => self.asks.first_entry().filter(|e| *e.key() <= order.price),
                Side::Sell => self.bids.last_entry().filter(|e| *e.key() >= order.price),
            };
            let Some(mut level) = best else { break };
            let price = *level.key();
            let queue = level.get_mut();
            let maker = queue.front_mut().expect("empty levels are removed");
            let quantity = maker.quantity.min(order.quantity);
            trades.push(Trade {
                maker: maker.id,
                taker: order.id,
                price,
                quantity,
            });
            maker.quantity = Quantity(maker.quantity.units() - quantity.units());
            order.quantity = Quantity(order.quantity.units() - quantity.units());
            if !maker.quantity.is_positive() {
                queue.pop_front();
            }
            if queue.is_empty() {
                level.remove();
            }
        }
        if order.quantity.is_positive() {
            let levels = match order.side {
                Side::Buy => &mut self.bids,
                Side::Sell => &mut self.asks,
            };
            levels.entry(order.price).or_default().push_back(order);
        }
        trades
    }

    /// Remove a resting order; returns it if it was on the book.
    pub fn cancel(&mut self, id: OrderId) -> Option<Order> {
        for levels in [&mut self.bids, &mut self.asks] {
            let found = levels
                .iter()
                .find_map(|(price, q)| q.iter().position(|o| o.id == id).map(|i| (*price, i)));
            if let Some((price, index)) = found {
                let queue = levels.get_mut(&price).expect("level exists");
                let order = queue.remove(index);
                if queue.is_empty() {
                    levels.remove(&price);
                }
                return order;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: u64, side: Side, price: &str, qty: &str) -> Order {
        Order {
            id: OrderId(id),
            instrument: "BTC-USD".into(),
            side,
            price: price.parse().unwrap(),
            quantity: qty.parse().unwrap(),
        }
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn non_crossing_orders_rest() {
        let mut book = OrderBook::default();
        assert!(book.submit(order(1, Side::Buy, "99", "1")).is_empty());
        assert!(book.submit(order(2, Side::Sell, "101", "1")).is_empty());
        assert_eq!(book.best_bid(), Some("99".parse().unwrap()));
        assert_eq!(book.best_ask(), Some("101".parse().unwrap()));
        assert_eq!((book.depth(Side::Buy), book.depth(Side::Sell)), (1, 1));
    }

    #[test]
    fn price_priority_then_time_priority() {
        let mut book = OrderBook::default();
        book.submit(order(1, Side::Sell, "101", "1"));
        book.submit(order(2, Side::Sell, "100", "1"));
        book.submit(order(3, Side::Sell, "100", "1"));
        let trades = book.submit(order(4, Side::Buy, "101", "2.5"));
        let makers: Vec<_> = trades
            .iter()
            .map(|t| (t.maker.0, t.price.to_string(), t.quantity))
            .collect();
        assert_eq!(
            makers,
            vec![
                (2, "100".into(), q("1")),
                (3, "100".into(), q("1")),
                (1, "101".into(), q("0.5"))
            ]
        );
        assert_eq!(book.best_ask(), Some("101".parse().unwrap()));
        assert_eq!(book.depth(Side::Sell), 1);
    }

    #[test]
    fn sell_sweeps_bids_and_rests_remainder() {
        let mut book = OrderBook::default();
        book.submit(order(1, Side::Buy, "99", "1"));
        book.submit(order(2, Side::Buy, "100", "1"));
        let trades = book.submit(order(3, Side::Sell, "99.5", "3"));
        assert_eq!(
            trades,
            vec![Trade {
                maker: OrderId(2),
                taker: OrderId(3),
                price: "100".parse().unwrap(),
                quantity: q("1")
            }]
        );
        assert_eq!(book.best_ask(), Some("99.5".parse().unwrap()));
        assert_eq!(book.best_bid(), Some("99".parse().unwrap()));
    }

    #[test]
    fn cancel_removes_resting_orders_only() {
        let mut book = OrderBook::default();
        book.submit(order(1, Side::Buy, "99", "1"));
        book.submit(order(2, Side::Buy, "99", "1"));
        book.submit(order(3, Side::Sell, "105", "1"));
        assert_eq!(book.cancel(OrderId(1)).map(|o| o.id), Some(OrderId(1)));
        assert_eq!(book.depth(Side::Buy), 1);
        assert_eq!(book.cancel(OrderId(3)).map(|o| o.id), Some(OrderId(3)));
        assert_eq!(book.best_ask(), None);
        assert_eq!(book.cancel(OrderId(42)), None);
    }
}
