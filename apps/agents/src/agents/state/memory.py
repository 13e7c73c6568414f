"""The agents' state in the process: lost with it, one copy per replica. For the unit tests, and
the planted defect of the proof under traffic (AGENTS_STATE=memory)."""

from dataclasses import replace
from decimal import Decimal

from trading_core import Signal

from agents.agent import TradingAgent
from agents.orders.outbox import OrderRecord, Outbox
from agents.state import AgentView


class MemoryAgentState:
    def __init__(self, agent: TradingAgent, outbox: Outbox | None = None) -> None:
        self.agent = agent
        self.config = agent.config
        self.outbox = outbox or Outbox()
        agent.send = self.outbox.add

    async def decide(self, signal: Signal) -> tuple[OrderRecord | None, str]:
        outcome = self.agent.decide(signal)
        if outcome.intent is None:
            return None, outcome.reason
        record = next(r for r in reversed(self.outbox.records) if r.intent is outcome.intent)
        return record, outcome.reason

    @property
    def pending_known(self) -> int:
        return len(self.outbox.pending())

    async def answered(self, record: OrderRecord) -> bool:
        if record.status == "pending" or record.settled:
            return False
        record.settled = True
        booking = record.booking
        self.agent.opened(record.intent, -(booking.filled if booking else record.intent.quantity))
        if record.booking is not None:
            intent = record.intent
            for price, quantity in record.booking.trades:
                self.agent.on_fill(intent.instrument, intent.side, quantity, price, maker=False)
        return True

    async def pending(self, limit: int = 100) -> list[OrderRecord]:
        return self.outbox.pending()[:limit]

    async def resting(self, limit: int = 100, after: int = 0) -> list[OrderRecord]:
        return [
            r
            for r in self.outbox.records
            if r.status == "booked"
            and r.booking
            and r.booking.filled < r.intent.quantity
            and r.number > after
        ][:limit]

    async def filled_later(self, record: OrderRecord, filled: Decimal, price: Decimal) -> bool:
        booking = record.booking
        if booking is None or filled <= booking.filled:
            return False
        intent = record.intent
        self.agent.on_fill(
            intent.instrument, intent.side, filled - booking.filled, price, maker=True
        )
        self.agent.opened(intent, booking.filled - filled)  # from resting to held
        record.booking = replace(booking, filled=filled)
        return True

    async def recent(self, limit: int = 100) -> list[OrderRecord]:
        return self.outbox.recent(limit)

    async def counts(self) -> dict[str, int]:
        return self.outbox.counts()

    async def view(self) -> AgentView:
        agent = self.agent
        equity = agent.equity()
        return AgentView(
            equity=equity,
            halted=agent.halted,
            drawdown=agent.stop.drawdown(equity),
            positions=dict(agent.positions),
            marks=dict(agent.marks),
        )

    async def ready(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


__all__ = ["MemoryAgentState"]
