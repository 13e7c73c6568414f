"""Order intents on their way to the execution engine: the outbox that keeps them, and delivery."""

from agents.orders.delivery import EngineClient, deliver, deliver_pending, sync_fills
from agents.orders.outbox import Booking, OrderRecord, Outbox

__all__ = [
    "Booking",
    "EngineClient",
    "OrderRecord",
    "Outbox",
    "deliver",
    "deliver_pending",
    "sync_fills",
]
