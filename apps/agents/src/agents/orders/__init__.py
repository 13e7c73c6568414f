"""Order intents on their way to the execution engine: the outbox that keeps them, and delivery."""

from agents.orders.delivery import (
    EngineClient,
    SyncCursor,
    deliver,
    deliver_pending,
    sync_fills,
)
from agents.orders.outbox import Booking, OrderRecord, Outbox

__all__ = [
    "Booking",
    "EngineClient",
    "OrderRecord",
    "Outbox",
    "SyncCursor",
    "deliver",
    "deliver_pending",
    "sync_fills",
]
