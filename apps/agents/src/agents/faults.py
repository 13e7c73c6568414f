"""Fault injection, a test aid in the way of podinfo's --random-error and --random-delay: a release
is made bad on purpose by its configuration, and deployed as such, so that the SLO analysis and the
automatic switch-back can be shown on the service's own metrics. Off by default.

FAULT_ERROR_RATE: the fraction (0 to 1) of service requests answered 500.
FAULT_DELAY_MS: latency added to every service request.
Liveness, readiness and metrics are never faulted: the probes and Prometheus see the release as it
is served.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    error_rate: float = 0.0
    delay_seconds: float = 0.0

    @property
    def active(self) -> bool:
        return self.error_rate > 0 or self.delay_seconds > 0


def _number(env: Mapping[str, str], name: str, low: float, high: float, expect: str) -> float:
    raw = env.get(name, "0")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (low <= value <= high):
        raise ValueError(f"{name} must be {expect}, got {raw!r}")
    return value


def load_faults(env: Mapping[str, str]) -> Faults:
    rate = _number(env, "FAULT_ERROR_RATE", 0.0, 1.0, "a number from 0 to 1")
    delay_ms = _number(env, "FAULT_DELAY_MS", 0.0, math.inf, "a number of milliseconds, 0 or more")
    return Faults(error_rate=rate, delay_seconds=delay_ms / 1000)


class FaultPlan:
    """Which requests fail: exactly the configured fraction over any run of requests, spread evenly
    (request n fails when floor(n * rate) steps up), so a test and an analysis see the same rate."""

    def __init__(self, faults: Faults):
        self.faults = faults
        self.count = 0

    def next_fails(self) -> bool:
        self.count += 1
        rate = self.faults.error_rate
        return math.floor(self.count * rate) > math.floor((self.count - 1) * rate)
