"""Volume-weighted average price."""

from collections.abc import Iterable
from decimal import Decimal

from trading_core import Fill


def vwap(fills: Iterable[Fill]) -> Decimal:
    """Sum(price * qty) / sum(qty). An empty set of fills has no VWAP."""
    notional = Decimal(0)
    volume = Decimal(0)
    for fill in fills:
        notional += fill.price * fill.quantity
        volume += fill.quantity
    if volume == 0:
        raise ValueError("VWAP of no fills is undefined")
    return notional / volume
