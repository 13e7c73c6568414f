"""Where the agents' trading state lives: positions, marks, the drawdown stop and the outbox of
order intents. Deployed, that is PostgreSQL (`postgres.PgAgentState`): every replica decides
under one lock on the agent's row, so position and exposure limits hold across replicas, the
drawdown stop survives restarts, deploys and rollbacks, and an intent is written in the same
transaction as the decision that made it. `memory.MemoryAgentState` keeps it in the process: the
unit tests use it, and the proof under traffic runs it as the planted defect (AGENTS_STATE=memory).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from trading_core import Signal

from agents.finance import Position
from agents.orders.outbox import OrderRecord


@dataclass(frozen=True)
class AgentView:
    """The agent as the API shows it."""

    equity: Decimal
    halted: bool
    drawdown: Decimal
    positions: dict[str, Position]
    marks: dict[str, Decimal]


class AgentState(Protocol):
    # The agent's pending intents as of this replica's last change (read without a query).
    pending_known: int

    async def decide(self, signal: Signal) -> tuple[OrderRecord | None, str]:
        """One signal decided under the agent's lock: the intent it made (pending), or why none."""
        ...

    async def answered(self, record: OrderRecord) -> bool:
        """The engine's answer to `record` (as delivery left it) kept; True when it is the first
        answer recorded for it, whose trades then became the agent's fills."""
        ...

    async def pending(self, limit: int = 100) -> list[OrderRecord]: ...

    async def resting(self, limit: int = 100, after: int = 0) -> list[OrderRecord]:
        """Booked intents not yet wholly filled (they rest on the engine's book), oldest first,
        from the one after number `after`."""
        ...

    async def filled_later(self, record: OrderRecord, filled: Decimal, price: Decimal) -> bool:
        """The engine says `filled` of `record`'s order has traded in all: what the agent has not
        applied yet becomes its fill at `price` (the order's own: it was the maker), once, under
        the agent's lock. True when there was something new."""
        ...

    async def recent(self, limit: int = 100) -> list[OrderRecord]: ...

    async def counts(self) -> dict[str, int]: ...

    async def view(self) -> AgentView: ...

    async def ready(self) -> bool: ...

    async def aclose(self) -> None: ...
