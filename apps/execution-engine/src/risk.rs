//! Pre-trade risk checks. Held to 100% line coverage.

use market_types::{Price, Quantity, Side};
use thiserror::Error;

use crate::orders::Order;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskLimits {
    pub max_order_quantity: Quantity,
    pub max_order_notional: Price,
    /// Largest allowed distance from the reference price, in basis points.
    pub price_band_bps: i64,
    /// Largest absolute position after the order fills.
    pub max_position: Quantity,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RiskError {
    #[error("quantity {0} exceeds the per-order maximum {1}")]
    QuantityTooLarge(Quantity, Quantity),
    #[error("notional {0} exceeds the per-order maximum {1}")]
    NotionalTooLarge(Price, Price),
    #[error("notional overflows")]
    NotionalOverflow,
    #[error("price {0} is more than {1} bps from the reference {2}")]
    OutsidePriceBand(Price, i64, Price),
    #[error("position would reach {0}, over the limit {1}")]
    PositionLimit(Quantity, Quantity),
}

impl RiskLimits {
    /// Check `order` given the current signed `position` and the `reference` price.
    pub fn check(
        &self,
        order: &Order,
        position: Quantity,
        reference: Price,
    ) -> Result<(), RiskError> {
        if order.quantity > self.max_order_quantity {
            return Err(RiskError::QuantityTooLarge(
                order.quantity,
                self.max_order_quantity,
            ));
        }
        let notional = order
            .price
            .notional(order.quantity)
            .ok_or(RiskError::NotionalOverflow)?;
        if notional > self.max_order_notional {
            return Err(RiskError::NotionalTooLarge(
                notional,
                self.max_order_notional,
            ));
        }
        let distance = (order.price.units() as i128 - reference.units() as i128).abs();
        if distance * 10_000 > reference.units() as i128 * self.price_band_bps as i128 {
            return Err(RiskError::OutsidePriceBand(
                order.price,
                self.price_band_bps,
                reference,
            ));
        }
        let signed = match order.side {
            Side::Buy => order.quantity.units() as i128,
            Side::Sell => -(order.quantity.units() as i128),
        };
        let after = position.units() as i128 + signed;
        if after.abs() > self.max_position.units() as i128 {
            let shown = Quantity(i64::try_from(after).unwrap_or(i64::MAX));
            return Err(RiskError::PositionLimit(shown, self.max_position));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use market_types::OrderId;

    fn limits() -> RiskLimits {
        RiskLimits {
            max_order_quantity: "10".parse().unwrap(),
            max_order_notional: "500000".parse().unwrap(),
            price_band_bps: 500,
            max_position: "20".parse().unwrap(),
        }
    }

    fn order(side: Side, price: &str, qty: &str) -> Order {
        Order {
            id: OrderId(7),
            instrument: "BTC-USD".into(),
            side,
            price: price.parse().unwrap(),
            quantity: qty.parse().unwrap(),
        }
    }

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    fn p(s: &str) -> Price {
        s.parse().unwrap()
    }

    #[test]
    fn passes_within_all_limits() {
        assert_eq!(
            limits().check(&order(Side::Buy, "40000", "1"), q("0"), p("40000")),
            Ok(())
        );
    }

    #[test]
    fn quantity_limit() {
        let r = limits().check(&order(Side::Buy, "1", "11"), q("0"), p("1"));
        assert_eq!(r, Err(RiskError::QuantityTooLarge(q("11"), q("10"))));
    }

    #[test]
    fn notional_limit_and_overflow() {
        let r = limits().check(&order(Side::Buy, "60000", "9"), q("0"), p("60000"));
        assert_eq!(
            r,
            Err(RiskError::NotionalTooLarge(p("540000"), p("500000")))
        );
        let mut huge = limits();
        huge.max_order_quantity = Quantity(i64::MAX);
        let o = Order {
            price: Price(i64::MAX),
            quantity: Quantity(i64::MAX),
            ..order(Side::Buy, "1", "1")
        };
        assert_eq!(
            huge.check(&o, q("0"), p("1")),
            Err(RiskError::NotionalOverflow)
        );
    }

    #[test]
    fn price_band_both_sides_and_edge() {
        let l = limits();
        assert!(matches!(
            l.check(&order(Side::Buy, "42001", "1"), q("0"), p("40000")),
            Err(RiskError::OutsidePriceBand(..))
        ));
        assert!(matches!(
            l.check(&order(Side::Sell, "37999", "1"), q("0"), p("40000")),
            Err(RiskError::OutsidePriceBand(..))
        ));
        assert_eq!(
            l.check(&order(Side::Buy, "42000", "1"), q("0"), p("40000")),
            Ok(())
        );
    }

    #[test]
    fn position_limit_for_buys_and_sells() {
        let l = limits();
        assert_eq!(
            l.check(&order(Side::Buy, "100", "6"), q("15"), p("100")),
            Err(RiskError::PositionLimit(q("21"), q("20")))
        );
        assert_eq!(
            l.check(&order(Side::Sell, "100", "6"), q("-15"), p("100")),
            Err(RiskError::PositionLimit(q("-21"), q("20")))
        );
        assert_eq!(
            l.check(&order(Side::Sell, "100", "10"), q("15"), p("100")),
            Ok(())
        );
        let e = l
            .check(&order(Side::Buy, "100", "6"), q("15"), p("100"))
            .unwrap_err();
        assert_eq!(e.to_string(), "position would reach 21, over the limit 20");
    }
}
