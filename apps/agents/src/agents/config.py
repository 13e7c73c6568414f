"""The agent's default configuration, overridable from the environment."""

import os
from collections.abc import Mapping
from decimal import Decimal

from trading_core import to_decimal

from agents.agent import AgentConfig
from agents.finance import FeeSchedule
from agents.risk import RiskLimits

DEFAULT_LIMITS = {"BTC-USD": "2", "ETH-USD": "40", "SOL-USD": "1500"}
# The execution engine's price ticks (an order off its tick is refused there); others use 0.01.
DEFAULT_TICKS = {"BTC-USD": "0.5"}
# The execution engine's per-order maximum (it refuses a larger order).
DEFAULT_MAX_ORDER = {"BTC-USD": "10"}


def load_config(env: Mapping[str, str] = os.environ) -> AgentConfig:
    def dec(name: str, default: str) -> Decimal:
        return to_decimal(env.get(name, default))

    return AgentConfig(
        starting_equity=dec("AGENTS_EQUITY", "250000"),
        risk_fraction=dec("AGENTS_RISK_FRACTION", "0.01"),
        stop_distance=dec("AGENTS_STOP_DISTANCE", "50"),
        entry_threshold=dec("AGENTS_ENTRY_THRESHOLD", "0.3"),
        tick=Decimal("0.01"),
        lot=Decimal("0.001"),
        limits=RiskLimits(
            max_position={k: to_decimal(v) for k, v in DEFAULT_LIMITS.items()},
            max_gross_exposure=dec("AGENTS_MAX_GROSS", "500000"),
            max_order={k: to_decimal(v) for k, v in DEFAULT_MAX_ORDER.items()},
        ),
        fees=FeeSchedule(maker_bps=Decimal("-1"), taker_bps=Decimal("5"), minimum=Decimal("0.01")),
        max_drawdown=dec("AGENTS_MAX_DRAWDOWN", "0.1"),
        ticks={k: to_decimal(v) for k, v in DEFAULT_TICKS.items()},
    )
