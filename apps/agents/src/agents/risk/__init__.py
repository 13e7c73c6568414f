"""Risk management. Every line here is held to 100% coverage."""

from agents.risk.drawdown import DrawdownStop
from agents.risk.limits import Decision, RiskLimits
from agents.risk.sizing import position_size

__all__ = ["Decision", "DrawdownStop", "RiskLimits", "position_size"]
