"""One batch of changes to an agent's state, applied in order to the agent as loaded: the pure
part of `postgres.PgAgentState`'s group commit (no I/O here).

A replica queues its signals, the engine's answers and the later fills as they come; one task
takes whatever is queued, loads the agent once under its row lock, applies the batch here in
arrival order, and writes the result in one transaction. Each change sees the ones before it
exactly as if they had been committed one by one (an intent decided earlier in the batch counts
against the limits of the next decision; an answer recorded twice settles once), so batching
changes how many transactions there are, never what they decide.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trading_core import OrderIntent, Signal

from agents.agent import TradingAgent
from agents.orders.outbox import OrderRecord


@dataclass(frozen=True)
class Decide:
    """A signal to decide: its result is (the intent's record, or None; the reason)."""

    signal: Signal


@dataclass(frozen=True)
class Answer:
    """The engine's answer to a record, as delivery left it: True when it settles the record."""

    record: OrderRecord


@dataclass(frozen=True)
class FilledLater:
    """The engine says `filled` of the record's order has traded in all, at `price`."""

    record: OrderRecord
    filled: Decimal
    price: Decimal


Change = Decide | Answer | FilledLater


@dataclass
class OutboxRow:
    """What the batch needs of a persisted intent: whether its answer was settled, and how much
    of it the agent has applied as fills."""

    settled: bool
    filled: Decimal


@dataclass
class Writes:
    """What a batch changed: the rows to write in its transaction."""

    # New intents (pending), with their ids.
    inserted: list[tuple[int, OrderRecord]] = field(default_factory=list)
    settled: list[OrderRecord] = field(default_factory=list)  # first answers (booked or refused)
    attempts: list[OrderRecord] = field(default_factory=list)  # answers still pending
    filled: dict[str, Decimal] = field(default_factory=dict)  # client order id -> filled in all
    # What the agent's counts of pending, booked and refused intents change by.
    counts: dict[str, int] = field(
        default_factory=lambda: {"pending": 0, "booked": 0, "refused": 0}
    )
    # Instruments whose mark or position changed.
    marks: set[str] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)


def apply_batch(
    agent: TradingAgent,
    changes: Sequence[Change],
    outbox: dict[str, OutboxRow],
    ids: Iterator[int],
    client_prefix: str,
) -> tuple[list[object], Writes]:
    """Applies `changes` in order to `agent` (as loaded, its open intents included) and to
    `outbox` (the persisted rows the answers and fills name); new intents take their ids from
    `ids`. Returns each change's result and the writes."""
    writes = Writes()
    results: list[object] = []
    sent: list[OrderIntent] = []
    agent.send = sent.append
    for change in changes:
        if isinstance(change, Decide):
            results.append(_decide(agent, change.signal, ids, client_prefix, sent, writes))
        elif isinstance(change, Answer):
            results.append(_answer(agent, change.record, outbox, writes))
        else:
            results.append(_filled_later(agent, change, outbox, writes))
    return results, writes


def _decide(agent, signal, ids, client_prefix, sent, writes):
    before = len(sent)
    outcome = agent.decide(signal)
    writes.marks.add(signal.instrument)
    if outcome.intent is None:
        return None, outcome.reason
    intent = sent[before]
    number = next(ids)
    record = OrderRecord(f"{client_prefix}-{number}", intent)
    writes.inserted.append((number, record))
    writes.counts["pending"] += 1
    return record, outcome.reason


def _answer(agent, record, outbox, writes):
    if record.status == "pending":
        writes.attempts.append(record)  # tried and not answered: its attempts and error kept
        return False
    row = outbox.get(record.client_order_id)
    if row is None or row.settled:
        return False  # another replica (or an earlier change here) settled it first
    row.settled = True
    record.settled = True
    writes.settled.append(record)
    writes.counts["pending"] -= 1
    writes.counts[record.status] += 1
    booking = record.booking
    # Refused: none of it is open any more; booked: what it traded is the agent's now, the rest
    # rests on the book and stays open until it fills.
    agent.opened(record.intent, -(booking.filled if booking else record.intent.quantity))
    if booking is not None:
        for price, quantity in booking.trades:
            intent = record.intent
            agent.on_fill(intent.instrument, intent.side, quantity, price, maker=False)
            writes.positions.add(intent.instrument)
            writes.marks.add(intent.instrument)
        row.filled = booking.filled  # written with the settled row
    return True


def _filled_later(agent, change, outbox, writes):
    record = change.record
    row = outbox.get(record.client_order_id)
    if row is None or change.filled <= row.filled:
        return False  # applied already, by this replica or another
    intent = record.intent
    quantity = change.filled - row.filled
    agent.on_fill(intent.instrument, intent.side, quantity, change.price, maker=True)
    agent.opened(intent, -quantity)  # from resting to held
    writes.positions.add(intent.instrument)
    writes.marks.add(intent.instrument)
    row.filled = change.filled
    writes.filled[record.client_order_id] = change.filled
    if record.booking is not None:
        record.booking = replace(record.booking, filled=change.filled)
    return True
