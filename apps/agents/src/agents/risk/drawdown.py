"""Drawdown stop: halts trading once equity falls a set fraction below its peak."""

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class DrawdownStop:
    max_drawdown: Decimal
    peak: Decimal = Decimal(0)
    tripped: bool = field(default=False)

    def __post_init__(self) -> None:
        if not Decimal(0) < self.max_drawdown < Decimal(1):
            raise ValueError(f"max drawdown {self.max_drawdown} outside (0, 1)")

    def drawdown(self, equity: Decimal) -> Decimal:
        if self.peak <= 0:
            return Decimal(0)
        return max((self.peak - equity) / self.peak, Decimal(0))

    def update(self, equity: Decimal) -> bool:
        """Record equity; return True once the stop has tripped. It stays tripped until reset."""
        self.peak = max(self.peak, equity)
        if self.drawdown(equity) >= self.max_drawdown:
            self.tripped = True
        return self.tripped

    def reset(self, equity: Decimal) -> None:
        self.peak = equity
        self.tripped = False
