"""Shared trading domain types."""

from trading_core.money import MoneyError, quantize, to_decimal
from trading_core.types import Fill, OrderIntent, Side, Signal

__all__ = ["Fill", "MoneyError", "OrderIntent", "Side", "Signal", "quantize", "to_decimal"]
