"""Financial calculations. Every line here is held to 100% coverage."""

from agents.finance.fees import FeeSchedule
from agents.finance.pnl import Position
from agents.finance.vwap import vwap

__all__ = ["FeeSchedule", "Position", "vwap"]
