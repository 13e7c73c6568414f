"""Delivery of order intents to the execution engine over HTTP (`POST {ENGINE_URL}/api/orders`).

The engine books (201, or 200 for a retry it already booked), refuses (4xx, with its reason), or
cannot be reached (connection error, timeout, 5xx): then the intent stays pending in the outbox
and is tried again, with the same client order id, by `deliver_pending`.

A circuit breaker (purgatory) guards the engine: after `breaker_threshold` failures in a row it
opens, and for `breaker_seconds` no request is sent (intents stay pending, their error says so);
then one trial request half-opens it, and a success closes it. Its state changes go to the
`on_state` listeners (the service's metrics: a breaker opening during a canary or soak fails the
analysis and pages).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from agents.orders.outbox import Booking, OrderRecord

if TYPE_CHECKING:
    from agents.state import AgentState

BREAKER = "engine"


class EngineUnavailableError(Exception):
    """The engine could not be reached or answered 5xx: a failure the circuit breaker counts."""


class EngineClient:
    def __init__(
        self,
        base_url: str | None,
        timeout: float = 2.0,
        transport=None,
        breaker_threshold: int = 5,
        breaker_seconds: float = 10.0,
        account: str = "agents",
    ) -> None:
        """`account`: the engine account the orders are booked for (the agent's name): the
        engine's own position limit is checked against its fills."""
        self.base_url = base_url.rstrip("/") if base_url else None
        self.account = account
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self.breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold, default_ttl=breaker_seconds
        )
        self.breaker_seconds = breaker_seconds
        self.on_state: list[Callable[[str, str], None]] = []  # (circuit, state) on every change

        def changed(name: str, event_type: str, event) -> None:
            if event_type == "state_changed":
                for listener in self.on_state:
                    listener(name, event.state)

        self.breakers.add_listener(changed)

    async def post_order(self, record: OrderRecord) -> httpx.Response:
        intent = record.intent
        return await self._http.post(
            f"{self.base_url}/api/orders",
            json={
                "account": self.account,
                "instrument": intent.instrument,
                "client_order_id": record.client_order_id,
                "side": str(intent.side),
                "price": str(intent.limit_price),
                "quantity": str(intent.quantity),
            },
        )

    async def get_booking(self, client_order_id: str) -> httpx.Response:
        return await self._http.get(f"{self.base_url}/api/orders/{client_order_id}")

    async def aclose(self) -> None:
        await self._http.aclose()


async def deliver(
    engine: EngineClient, record: OrderRecord, attempts: int = 3, backoff: float = 0.1
) -> OrderRecord:
    """Try to hand one pending intent to the engine; the record says how it ended."""
    if engine.base_url is None:
        record.last_error = "ENGINE_URL is not set: the intent is kept until it is"
        return record
    for attempt in range(attempts):
        if attempt:
            await asyncio.sleep(backoff * 2 ** (attempt - 1))
        try:
            async with await engine.breakers.get_breaker(BREAKER):
                record.attempts += 1
                try:
                    response = await engine.post_order(record)
                except httpx.HTTPError as error:
                    record.last_error = (
                        f"engine unreachable: {type(error).__name__} {error}".strip()
                    )
                    raise EngineUnavailableError from error
                if response.status_code >= 500:
                    record.last_error = f"engine answered HTTP {response.status_code}"
                    raise EngineUnavailableError
        except OpenedState:
            record.last_error = (
                "circuit open: the engine failed repeatedly; kept pending, tried again "
                f"after {engine.breaker_seconds:g} s"
            )
            return record
        except EngineUnavailableError:
            continue
        if response.status_code in (200, 201):
            body = response.json()
            record.status = "booked"
            record.last_error = None
            record.booking = Booking(
                int(body["id"]),
                tuple((Decimal(t["price"]), Decimal(t["quantity"])) for t in body["trades"]),
            )
            return record
        record.status = "refused"
        record.last_error = f"HTTP {response.status_code}: {response.text[:300]}"
        return record
    return record


async def deliver_pending(engine: EngineClient, records: list[OrderRecord]) -> list[OrderRecord]:
    """One pass over the pending intents, oldest first; each gets one try."""
    return [await deliver(engine, record, attempts=1) for record in records]


@dataclass
class SyncCursor:
    """Where the next pass of `sync_fills` starts: after the resting intent the last one ended
    with, and from the oldest again once a pass finds fewer than it asked for. So every resting
    intent is read in turn however many rest (a pass that always began at the oldest never read
    past the first `limit`: a fill of any later one was never learnt). A scan position, kept in
    the process; a restart starts again from the oldest."""

    after: int = 0


async def sync_fills(
    engine: EngineClient, state: "AgentState", limit: int = 50, cursor: SyncCursor | None = None
) -> int:
    """One pass over up to `limit` of the booked intents that still rest on the engine's book,
    oldest first from `cursor`: each one's booking read back (`GET /api/orders/{client_order_id}`),
    and what another order took of it since (its quantity less what remains, less what the agent
    has applied) becomes the agent's fill at the order's price, once (`AgentState.filled_later`).
    Returns how many records had new fills. An unreachable engine (or an open breaker) ends the
    pass where it was: the next one starts there again.
    """
    if engine.base_url is None:
        return 0
    cursor = cursor or SyncCursor()
    records = await state.resting(limit, cursor.after)
    changed = 0
    for record in records:
        try:
            async with await engine.breakers.get_breaker(BREAKER):
                try:
                    response = await engine.get_booking(record.client_order_id)
                except httpx.HTTPError as error:
                    raise EngineUnavailableError from error
                if response.status_code >= 500:
                    raise EngineUnavailableError
        except (OpenedState, EngineUnavailableError):
            return changed
        cursor.after = record.number
        if response.status_code != 200:
            continue  # not found (an engine that lost it): nothing to learn
        body = response.json()
        filled = Decimal(body["quantity"]) - Decimal(body["remaining"])
        if await state.filled_later(record, filled, Decimal(body["price"])):
            changed += 1
    if len(records) < limit:
        cursor.after = 0  # round the whole book: the next pass starts from the oldest
    return changed
