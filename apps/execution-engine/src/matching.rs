//! Matching an incoming order against resting makers, as a pure plan: the book itself lives in
//! PostgreSQL (store::postgres), which hands the crossing makers in priority order (best price,
//! then oldest) and applies the plan in the same transaction. Held to 100% line coverage.

use market_types::{OrderId, Price, Quantity, Side};

use crate::book::Trade;
use crate::orders::Order;

/// A resting order as the book holds it: what is left of it, at its price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resting {
    pub id: OrderId,
    pub price: Price,
    pub remaining: Quantity,
}

/// What crossing `order` does: its trades, each touched maker's new remaining quantity (zero: filled),
/// and what is left of the order to rest on the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crossing {
    pub trades: Vec<Trade>,
    pub makers: Vec<(OrderId, Quantity)>,
    pub remaining: Quantity,
}

/// Whether a maker at `maker` crosses an order on `side` limited at `limit`.
pub fn crosses(side: Side, limit: Price, maker: Price) -> bool {
    match side {
        Side::Buy => maker <= limit,
        Side::Sell => maker >= limit,
    }
}

/// Match `order` against `makers` (the opposite side, best first, oldest first within a price) at
/// the makers' prices until the order is filled or the next maker no longer crosses.
pub fn cross(order: &Order, makers: &[Resting]) -> Crossing {
    let mut remaining = order.quantity;
    let mut trades = Vec::new();
    let mut touched = Vec::new();
    for maker in makers {
        if !remaining.is_positive() || !crosses(order.side, order.price, maker.price) {
            break;
        }
        let quantity = maker.remaining.min(remaining);
        if !quantity.is_positive() {
            continue;
        }
        trades.push(Trade {
            maker: maker.id,
            taker: order.id,
            price: maker.price,
            quantity,
        });
        touched.push((
            maker.id,
            Quantity(maker.remaining.units() - quantity.units()),
        ));
        remaining = Quantity(remaining.units() - quantity.units());
    }
    Crossing {
        trades,
        makers: touched,
        remaining,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(side: Side, price: &str, quantity: &str) -> Order {
        Order {
            id: OrderId(10),
            instrument: "BTC-USD".into(),
            side,
            price: price.parse().unwrap(),
            quantity: quantity.parse().unwrap(),
        }
    }

    fn resting(id: u64, price: &str, remaining: &str) -> Resting {
        Resting {
            id: OrderId(id),
            price: price.parse().unwrap(),
            remaining: remaining.parse().unwrap(),
        }
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn a_buy_fills_best_first_at_the_makers_prices_and_the_rest_rests() {
        let makers = [
            resting(1, "100", "1"),
            resting(2, "101", "1"),
            resting(3, "102", "5"),
        ];
        let plan = cross(&order(Side::Buy, "101", "3"), &makers);
        assert_eq!(
            plan.trades
                .iter()
                .map(|t| (t.maker, t.price, t.quantity))
                .collect::<Vec<_>>(),
            vec![
                (OrderId(1), "100".parse().unwrap(), q("1")),
                (OrderId(2), "101".parse().unwrap(), q("1"))
            ]
        );
        assert_eq!(
            plan.makers,
            vec![(OrderId(1), q("0")), (OrderId(2), q("0"))]
        );
        assert_eq!(plan.remaining, q("1"), "the 102 maker does not cross 101");
    }

    #[test]
    fn a_sell_partially_fills_a_larger_maker() {
        let plan = cross(&order(Side::Sell, "99", "0.25"), &[resting(7, "100", "1")]);
        assert_eq!(plan.makers, vec![(OrderId(7), q("0.75"))]);
        assert_eq!(plan.trades.len(), 1);
        assert_eq!(plan.trades[0].taker, OrderId(10));
        assert_eq!(plan.remaining, Quantity::ZERO);
    }

    #[test]
    fn nothing_crosses_and_an_exhausted_maker_is_skipped() {
        let plan = cross(&order(Side::Sell, "101", "1"), &[resting(1, "100", "1")]);
        assert_eq!((plan.trades.len(), plan.remaining), (0, q("1")));
        let plan = cross(
            &order(Side::Buy, "100", "1"),
            &[resting(1, "100", "0"), resting(2, "100", "1")],
        );
        assert_eq!(plan.makers, vec![(OrderId(2), q("0"))]);
        assert!(!crosses(
            Side::Sell,
            "101".parse().unwrap(),
            "100".parse().unwrap()
        ));
    }
}
