"""Value types that cross module boundaries."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        return 1 if self is Side.BUY else -1


@dataclass(frozen=True)
class Signal:
    """A model's view on an instrument: strength in [-1, 1] at a reference price."""

    instrument: str
    strength: Decimal
    price: Decimal

    def __post_init__(self) -> None:
        if not Decimal(-1) <= self.strength <= Decimal(1):
            raise ValueError(f"signal strength {self.strength} outside [-1, 1]")
        if self.price <= 0:
            raise ValueError(f"signal price must be positive, got {self.price}")


@dataclass(frozen=True)
class Fill:
    instrument: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"fill quantity must be positive, got {self.quantity}")
        if self.price <= 0:
            raise ValueError(f"fill price must be positive, got {self.price}")


@dataclass(frozen=True)
class OrderIntent:
    instrument: str
    side: Side
    quantity: Decimal
    limit_price: Decimal

    @property
    def notional(self) -> Decimal:
        return self.quantity * self.limit_price
