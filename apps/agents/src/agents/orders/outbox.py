"""The outbox: every order intent the agent sends is kept here until the engine has answered it.

An intent is `pending` until the engine books it (`booked`) or refuses it (`refused`). A pending
intent is never dropped: delivery retries it with the same client order id, which the engine uses
to answer a retry with its first booking instead of booking the order twice.
"""

import itertools
import os
from dataclasses import dataclass, field
from decimal import Decimal

from trading_core import OrderIntent


@dataclass(frozen=True)
class Booking:
    """The engine's answer to a booked order: its id and the trades it matched at once; `filled`,
    all of its quantity applied to the agent so far (those trades, then the fills that came later,
    when the order rested and another took it: `sync_fills`)."""

    engine_order_id: int
    trades: tuple[tuple[Decimal, Decimal], ...]  # (price, quantity)
    filled: Decimal | None = None  # default: the trades' quantity

    def __post_init__(self) -> None:
        if self.filled is None:
            object.__setattr__(self, "filled", sum((q for _, q in self.trades), Decimal(0)))


@dataclass
class OrderRecord:
    client_order_id: str
    intent: OrderIntent
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    booking: Booking | None = None
    settled: bool = False  # its outcome counted and its trades applied to the agent (once)

    @property
    def number(self) -> int:
        """Its place in the outbox: the client order id's last part (<prefix>-<n>)."""
        return int(self.client_order_id.rsplit("-", 1)[1])

    def as_json(self) -> dict:
        return {
            "clientOrderId": self.client_order_id,
            "instrument": self.intent.instrument,
            "side": str(self.intent.side),
            "quantity": str(self.intent.quantity),
            "limitPrice": str(self.intent.limit_price),
            "status": self.status,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "engineOrderId": self.booking.engine_order_id if self.booking else None,
            "filledQuantity": str(self.booking.filled) if self.booking else "0",
        }


@dataclass
class Outbox:
    # A per-process prefix keeps ids unique across restarts and replicas of the agents.
    prefix: str = field(default_factory=lambda: f"agents-{os.urandom(4).hex()}")
    records: list[OrderRecord] = field(default_factory=list)
    # Answered records kept for GET /api/orders (the oldest go first); pending ones always stay.
    keep_answered: int = 1000
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def add(self, intent: OrderIntent) -> OrderRecord:
        record = OrderRecord(f"{self.prefix}-{next(self._counter)}", intent)
        self.records.append(record)
        answered = [r for r in self.records if r.status != "pending"]
        if len(answered) > self.keep_answered:
            dropped = {id(r) for r in answered[: len(answered) - self.keep_answered]}
            self.records = [r for r in self.records if id(r) not in dropped]
        return record

    def pending(self) -> list[OrderRecord]:
        return [r for r in self.records if r.status == "pending"]

    def counts(self) -> dict[str, int]:
        """Of the records kept."""
        counts = {"pending": 0, "booked": 0, "refused": 0}
        for record in self.records:
            counts[record.status] += 1
        return counts

    def recent(self, limit: int = 100) -> list[OrderRecord]:
        return list(reversed(self.records[-limit:]))
