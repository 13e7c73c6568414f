//! Routing to an external venue: validation and risk first, then the gateway.

use market_types::{Price, Quantity};
use serde::Serialize;
use thiserror::Error;

use crate::orders::{InstrumentSpec, Order, OrderError};
use crate::risk::{RiskError, RiskLimits};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ack {
    pub venue_order_id: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum GatewayError {
    #[error("venue rejected the order: {0}")]
    Rejected(String),
    #[error("venue unreachable: {0}")]
    Unreachable(String),
}

/// A connection to a trading venue. Tests use the mockall double.
#[cfg_attr(test, mockall::automock)]
pub trait VenueGateway: Send + Sync {
    fn send(&self, order: &Order) -> Result<Ack, GatewayError>;
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum RouteError {
    #[error(transparent)]
    Invalid(#[from] OrderError),
    #[error(transparent)]
    Risk(#[from] RiskError),
    #[error(transparent)]
    Venue(#[from] GatewayError),
}

pub struct Router<G: VenueGateway> {
    pub spec: InstrumentSpec,
    pub limits: RiskLimits,
    pub gateway: G,
}

impl<G: VenueGateway> Router<G> {
    /// Validate, risk-check, then send. Nothing reaches the venue unless both pass.
    pub fn route(
        &self,
        order: &Order,
        position: Quantity,
        reference: Price,
    ) -> Result<Ack, RouteError> {
        self.spec.validate(order)?;
        self.limits.check(order, position, reference)?;
        Ok(self.gateway.send(order)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use market_types::{OrderId, Side};
    use mockall::predicate::eq;

    fn order(qty: &str) -> Order {
        Order {
            id: OrderId(9),
            instrument: "ETH-USD".into(),
            side: Side::Sell,
            price: "2000".parse().unwrap(),
            quantity: qty.parse().unwrap(),
        }
    }

    fn router(gateway: MockVenueGateway) -> Router<MockVenueGateway> {
        Router {
            spec: InstrumentSpec {
                symbol: "ETH-USD".into(),
                tick: "0.01".parse().unwrap(),
                lot: "0.01".parse().unwrap(),
                min_quantity: "0.01".parse().unwrap(),
            },
            limits: RiskLimits {
                max_order_quantity: "100".parse().unwrap(),
                max_order_notional: "1000000".parse().unwrap(),
                price_band_bps: 100,
                max_position: "100".parse().unwrap(),
            },
            gateway,
        }
    }

    #[test]
    fn sends_valid_orders_once() {
        let mut gw = MockVenueGateway::new();
        gw.expect_send()
            .with(eq(order("1")))
            .times(1)
            .returning(|_| {
                Ok(Ack {
                    venue_order_id: "V-1".into(),
                })
            });
        let ack = router(gw).route(&order("1"), Quantity::ZERO, "2000".parse().unwrap());
        assert_eq!(
            ack,
            Ok(Ack {
                venue_order_id: "V-1".into()
            })
        );
    }

    #[test]
    fn invalid_or_risky_orders_never_reach_the_venue() {
        let mut gw = MockVenueGateway::new();
        gw.expect_send().never();
        let r = router(gw);
        assert!(matches!(
            r.route(&order("0.001"), Quantity::ZERO, "2000".parse().unwrap()),
            Err(RouteError::Invalid(_))
        ));
        assert!(matches!(
            r.route(&order("101"), Quantity::ZERO, "2000".parse().unwrap()),
            Err(RouteError::Risk(_))
        ));
    }

    #[test]
    fn venue_errors_propagate() {
        let mut gw = MockVenueGateway::new();
        gw.expect_send()
            .returning(|_| Err(GatewayError::Unreachable("timeout".into())));
        let err = router(gw)
            .route(&order("1"), Quantity::ZERO, "2000".parse().unwrap())
            .unwrap_err();
        assert_eq!(err.to_string(), "venue unreachable: timeout");
    }
}
