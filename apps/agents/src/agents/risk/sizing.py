"""Fixed-fractional position sizing."""

from decimal import Decimal

from trading_core import quantize


def position_size(
    equity: Decimal,
    risk_fraction: Decimal,
    entry: Decimal,
    stop: Decimal,
    lot: Decimal,
) -> Decimal:
    """Quantity whose loss at the stop equals `risk_fraction` of equity, rounded down to the lot."""
    if not Decimal(0) < risk_fraction <= Decimal("0.05"):
        raise ValueError(f"risk fraction {risk_fraction} outside (0, 0.05]")
    if equity <= 0:
        return Decimal(0)
    distance = abs(entry - stop)
    if distance == 0:
        raise ValueError("stop equals entry: risk per unit is zero")
    return quantize(equity * risk_fraction / distance, lot, round_down=True)
