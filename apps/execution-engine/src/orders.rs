//! Orders and their static validation against the instrument's rules.

use market_types::{OrderId, Price, Quantity, Side};
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: OrderId,
    pub instrument: String,
    pub side: Side,
    pub price: Price,
    pub quantity: Quantity,
}

/// Trading rules for one instrument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentSpec {
    pub symbol: String,
    pub tick: Price,
    pub lot: Quantity,
    pub min_quantity: Quantity,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum OrderError {
    #[error("order {0:?} is for {1}, but the spec is for {2}")]
    WrongInstrument(OrderId, String, String),
    #[error("order {0:?}: quantity must be positive")]
    NonPositiveQuantity(OrderId),
    #[error("order {0:?}: price must be positive")]
    NonPositivePrice(OrderId),
    #[error("order {0:?}: price {1} is not on the {2} tick")]
    OffTick(OrderId, Price, Price),
    #[error("order {0:?}: quantity {1} is not a multiple of the {2} lot")]
    OffLot(OrderId, Quantity, Quantity),
    #[error("order {0:?}: quantity {1} is below the minimum {2}")]
    BelowMinimum(OrderId, Quantity, Quantity),
}

impl InstrumentSpec {
    pub fn validate(&self, order: &Order) -> Result<(), OrderError> {
        let id = order.id;
        if order.instrument != self.symbol {
            return Err(OrderError::WrongInstrument(
                id,
                order.instrument.clone(),
                self.symbol.clone(),
            ));
        }
        if !order.quantity.is_positive() {
            return Err(OrderError::NonPositiveQuantity(id));
        }
        if !order.price.is_positive() {
            return Err(OrderError::NonPositivePrice(id));
        }
        if !order.price.is_on_tick(self.tick) {
            return Err(OrderError::OffTick(id, order.price, self.tick));
        }
        if self.lot.units() <= 0 || order.quantity.units() % self.lot.units() != 0 {
            return Err(OrderError::OffLot(id, order.quantity, self.lot));
        }
        if order.quantity < self.min_quantity {
            return Err(OrderError::BelowMinimum(
                id,
                order.quantity,
                self.min_quantity,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> InstrumentSpec {
        InstrumentSpec {
            symbol: "BTC-USD".into(),
            tick: "0.5".parse().unwrap(),
            lot: "0.001".parse().unwrap(),
            min_quantity: "0.01".parse().unwrap(),
        }
    }

    fn order(price: &str, qty: &str) -> Order {
        Order {
            id: OrderId(1),
            instrument: "BTC-USD".into(),
            side: Side::Buy,
            price: price.parse().unwrap(),
            quantity: qty.parse().unwrap(),
        }
    }

    #[test]
    fn accepts_a_valid_order() {
        assert_eq!(spec().validate(&order("40000.5", "0.25")), Ok(()));
    }

    #[test]
    fn rejects_each_rule() {
        let s = spec();
        let mut other = order("1", "1");
        other.instrument = "ETH-USD".into();
        assert!(matches!(
            s.validate(&other),
            Err(OrderError::WrongInstrument(..))
        ));
        assert_eq!(
            s.validate(&order("1", "0")),
            Err(OrderError::NonPositiveQuantity(OrderId(1)))
        );
        assert_eq!(
            s.validate(&order("0", "1")),
            Err(OrderError::NonPositivePrice(OrderId(1)))
        );
        assert!(matches!(
            s.validate(&order("1.2", "1")),
            Err(OrderError::OffTick(..))
        ));
        assert!(matches!(
            s.validate(&order("1", "0.0105")),
            Err(OrderError::OffLot(..))
        ));
        assert!(matches!(
            s.validate(&order("1", "0.005")),
            Err(OrderError::BelowMinimum(..))
        ));
        let e = s.validate(&order("1.2", "1")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "order OrderId(1): price 1.2 is not on the 0.5 tick"
        );
    }

    #[test]
    fn a_zero_lot_spec_rejects_rather_than_divides_by_zero() {
        let mut s = spec();
        s.lot = Quantity::ZERO;
        assert!(matches!(
            s.validate(&order("1", "1")),
            Err(OrderError::OffLot(..))
        ));
    }
}
