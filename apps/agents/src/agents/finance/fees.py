"""Exchange fees in basis points with a minimum per fill."""

from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

BPS = Decimal(10_000)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class FeeSchedule:
    maker_bps: Decimal
    taker_bps: Decimal
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.taker_bps < 0 or self.minimum < 0:
            raise ValueError("taker fee and minimum fee cannot be negative")

    def fee(self, notional: Decimal, *, maker: bool) -> Decimal:
        """Fee for one fill, rounded up to the cent. Rebates (negative bps) skip the minimum."""
        if notional < 0:
            raise ValueError(f"notional cannot be negative, got {notional}")
        rate = self.maker_bps if maker else self.taker_bps
        raw = (notional * rate / BPS).quantize(CENT, rounding=ROUND_UP)
        if raw < 0:
            return raw
        return max(raw, self.minimum)
