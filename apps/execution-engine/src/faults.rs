//! Fault injection, a test aid in the way of podinfo's `--random-error` and `--random-delay`: a
//! release is made bad on purpose by its configuration and deployed as such, so the SLO analysis and
//! the automatic switch-back can be shown on the engine's own metrics. Off by default.
//!
//! `FAULT_ERROR_RATE`: the fraction (0 to 1) of service requests answered 500.
//! `FAULT_DELAY_MS`: latency added to every service request.
//! Liveness and metrics are never faulted: the probes and Prometheus see the release as served.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Faults {
    pub error_rate: f64,
    pub delay: Duration,
}

impl Faults {
    pub fn active(&self) -> bool {
        self.error_rate > 0.0 || !self.delay.is_zero()
    }

    /// Reads the settings from a lookup (the environment in `main`); a bad value is an error that
    /// names the variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Faults, String> {
        let number = |name: &str, high: f64, expect: &str| -> Result<f64, String> {
            let raw = get(name).unwrap_or_else(|| "0".into());
            match raw.trim().parse::<f64>() {
                Ok(v) if (0.0..=high).contains(&v) => Ok(v),
                _ => Err(format!("{name} must be {expect}, got {raw:?}")),
            }
        };
        let error_rate = number("FAULT_ERROR_RATE", 1.0, "a number from 0 to 1")?;
        let delay_ms = number(
            "FAULT_DELAY_MS",
            f64::MAX,
            "a number of milliseconds, 0 or more",
        )?;
        Ok(Faults {
            error_rate,
            delay: Duration::from_secs_f64(delay_ms / 1000.0),
        })
    }
}

/// Which requests fail: exactly the configured fraction over any run of requests, spread evenly
/// (request n fails when floor(n * rate) steps up).
#[derive(Debug, Default)]
pub struct FaultPlan {
    count: AtomicU64,
}

impl FaultPlan {
    pub fn next_fails(&self, rate: f64) -> bool {
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        (n as f64 * rate).floor() > ((n - 1) as f64 * rate).floor()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Faults, String> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Faults::from_lookup(|name| env.get(name).cloned())
    }

    #[test]
    fn off_by_default_and_read_by_name() {
        assert!(!from(&[]).unwrap().active());
        let faults = from(&[("FAULT_ERROR_RATE", "0.05"), ("FAULT_DELAY_MS", "800")]).unwrap();
        assert_eq!(
            faults,
            Faults {
                error_rate: 0.05,
                delay: Duration::from_millis(800)
            }
        );
        assert!(faults.active());
    }

    #[test]
    fn bad_settings_name_the_variable() {
        assert_eq!(
            from(&[("FAULT_ERROR_RATE", "1.5")]).unwrap_err(),
            "FAULT_ERROR_RATE must be a number from 0 to 1, got \"1.5\""
        );
        assert_eq!(
            from(&[("FAULT_ERROR_RATE", "often")]).unwrap_err(),
            "FAULT_ERROR_RATE must be a number from 0 to 1, got \"often\""
        );
        assert!(from(&[("FAULT_DELAY_MS", "-3")])
            .unwrap_err()
            .starts_with("FAULT_DELAY_MS must be a number of milliseconds"));
    }

    #[test]
    fn the_error_fraction_is_exact() {
        let plan = FaultPlan::default();
        let failures = (0..200).filter(|_| plan.next_fails(0.05)).count();
        assert_eq!(failures, 10);
    }
}
