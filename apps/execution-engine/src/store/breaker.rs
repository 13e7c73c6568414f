//! The circuit breaker on the engine's database pool (failsafe): after `failures` failed calls in
//! a row it opens, and for `open_seconds` every call fails at once (HTTP 503) instead of queueing on
//! a pool that cannot connect; then it lets one call through (half-open) and closes on a success.
//! Its state and openings are metrics (`circuit_breaker_state`, `circuit_breaker_opens_total`, label
//! circuit="database"): an opening during a canary or soak fails the analysis and pages.

use std::time::Duration;

use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{self, ConsecutiveFailures};
use failsafe::{Config, Instrument, StateMachine};
use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

/// The breaker's metrics, registered once per process registry.
#[derive(Clone)]
pub struct BreakerMetrics {
    state: IntGaugeVec,
    opens: IntCounterVec,
}

impl BreakerMetrics {
    pub fn new() -> BreakerMetrics {
        BreakerMetrics {
            state: IntGaugeVec::new(
                Opts::new(
                    "circuit_breaker_state",
                    "Circuit breaker state: 0 closed, 1 half-open, 2 open",
                ),
                &["circuit"],
            )
            .expect("valid metric"),
            opens: IntCounterVec::new(
                Opts::new(
                    "circuit_breaker_opens_total",
                    "Times a circuit breaker opened",
                ),
                &["circuit"],
            )
            .expect("valid metric"),
        }
    }

    pub fn register(&self, registry: &Registry) {
        registry
            .register(Box::new(self.state.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(self.opens.clone()))
            .expect("unique metric");
    }
}

impl Default for BreakerMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes the breaker's transitions to its metrics.
#[derive(Clone)]
pub struct Observed {
    state: IntGauge,
    opens: IntCounter,
}

impl Instrument for Observed {
    fn on_call_rejected(&self) {}
    fn on_open(&self) {
        self.state.set(2);
        self.opens.inc();
    }
    fn on_half_open(&self) {
        self.state.set(1);
    }
    fn on_closed(&self) {
        self.state.set(0);
    }
}

pub type Breaker = StateMachine<ConsecutiveFailures<Constant>, Observed>;

/// A breaker named `circuit`, closed, its metrics at zero.
pub fn breaker(
    circuit: &str,
    failures: u32,
    open_seconds: u64,
    metrics: &BreakerMetrics,
) -> Breaker {
    let observed = Observed {
        state: metrics.state.with_label_values(&[circuit]),
        opens: metrics.opens.with_label_values(&[circuit]),
    };
    observed.state.set(0);
    Config::new()
        .failure_policy(failure_policy::consecutive_failures(
            failures,
            backoff::constant(Duration::from_secs(open_seconds)),
        ))
        .instrument(observed)
        .build()
}
