"""Position accounting with average cost: realized and unrealized PnL net of fees."""

from dataclasses import dataclass, field
from decimal import Decimal

from trading_core import Fill


@dataclass
class Position:
    instrument: str
    quantity: Decimal = Decimal(0)
    average_price: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    fees_paid: Decimal = Decimal(0)
    fills: list[Fill] = field(default_factory=list)

    def apply(self, fill: Fill) -> None:
        if fill.instrument != self.instrument:
            raise ValueError(f"fill for {fill.instrument} applied to position in {self.instrument}")
        signed = fill.quantity * fill.side.sign
        self.fees_paid += fill.fee
        self.realized_pnl -= fill.fee
        self.fills.append(fill)

        same_direction = self.quantity == 0 or (self.quantity > 0) == (signed > 0)
        if same_direction:
            new_qty = self.quantity + signed
            self.average_price = (
                self.average_price * abs(self.quantity) + fill.price * fill.quantity
            ) / abs(new_qty)
            self.quantity = new_qty
            return

        closed = min(abs(signed), abs(self.quantity))
        direction = 1 if self.quantity > 0 else -1
        self.realized_pnl += (fill.price - self.average_price) * closed * direction
        remaining = self.quantity + signed
        if remaining == 0:
            self.average_price = Decimal(0)
        elif (remaining > 0) != (self.quantity > 0):
            # The fill flipped the position: the excess opens at the fill price.
            self.average_price = fill.price
        self.quantity = remaining

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return (mark - self.average_price) * self.quantity

    def total_pnl(self, mark: Decimal) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl(mark)

    def exposure(self, mark: Decimal) -> Decimal:
        """Gross notional at the mark price."""
        return abs(self.quantity) * mark
