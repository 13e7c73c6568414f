import json
from decimal import Decimal

import httpx
import pytest
from trading_core import OrderIntent, Side

from agents.orders import (
    Booking,
    EngineClient,
    Outbox,
    SyncCursor,
    deliver,
    deliver_pending,
    sync_fills,
)
from agents.state.memory import MemoryAgentState

pytestmark = pytest.mark.anyio

INTENT = OrderIntent("BTC-USD", Side.BUY, Decimal("0.25"), Decimal("40000.5"))


def engine_answering(*answers):
    """An engine double for delivery's unit tests: answers in turn, recording each request."""
    seen = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content) if request.content else request.url.path)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return EngineClient("http://engine.test/", transport=httpx.MockTransport(handle)), seen


def booked(order_id=7, trades=()):
    return httpx.Response(
        201,
        json={
            "id": order_id,
            "client_order_id": "x",
            "trades": [{"price": p, "quantity": q} for p, q in trades],
        },
    )


async def test_a_booked_intent_carries_the_engines_id_and_trades():
    engine, seen = engine_answering(booked(7, [("40000", "0.1")]))
    record = await deliver(engine, Outbox(prefix="t").add(INTENT))
    assert record.status == "booked"
    assert record.booking.engine_order_id == 7
    assert record.booking.trades == ((Decimal("40000"), Decimal("0.1")),)
    assert seen == [
        {
            "account": "agents",
            "instrument": "BTC-USD",
            "client_order_id": "t-1",
            "side": "buy",
            "price": "40000.5",
            "quantity": "0.25",
        }
    ]
    assert record.as_json()["filledQuantity"] == "0.1"


async def test_a_refusal_is_final_and_keeps_the_engines_reason():
    engine, seen = engine_answering(httpx.Response(422, text="price off tick"))
    record = await deliver(engine, Outbox().add(INTENT))
    assert (record.status, record.last_error, len(seen)) == (
        "refused",
        "HTTP 422: price off tick",
        1,
    )


async def test_an_unreachable_engine_is_retried_with_the_same_id_then_left_pending():
    engine, seen = engine_answering(httpx.ConnectError("refused"), httpx.Response(503))
    record = await deliver(engine, Outbox().add(INTENT), attempts=3, backoff=0)
    assert record.status == "pending"
    assert record.attempts == 3
    assert record.last_error == "engine answered HTTP 503"
    assert len({s["client_order_id"] for s in seen}) == 1
    engine, _ = engine_answering(httpx.ConnectError("refused"))
    await deliver(engine, record, attempts=1)
    assert record.last_error == "engine unreachable: ConnectError refused"


async def test_pending_intents_are_delivered_later_oldest_first():
    outbox = Outbox(prefix="t")
    first, second = outbox.add(INTENT), outbox.add(INTENT)
    engine, seen = engine_answering(booked(1), booked(2))
    await deliver_pending(engine, outbox.pending())
    assert [s["client_order_id"] for s in seen] == ["t-1", "t-2"]
    assert (first.status, second.status) == ("booked", "booked")
    assert outbox.pending() == []
    assert outbox.counts() == {"pending": 0, "booked": 2, "refused": 0}
    assert [r.client_order_id for r in outbox.recent(1)] == ["t-2"]


async def test_without_an_engine_url_the_intent_is_kept():
    record = await deliver(EngineClient(None), Outbox().add(INTENT))
    assert (record.status, record.attempts) == ("pending", 0)
    assert "ENGINE_URL" in record.last_error
    assert record.as_json()["engineOrderId"] is None


def test_the_outbox_forgets_the_oldest_answered_records_but_never_a_pending_one():
    outbox = Outbox(prefix="t", keep_answered=2)
    records = [outbox.add(INTENT) for _ in range(3)]
    for record in records[1:]:
        record.status = "booked"
    outbox.add(INTENT).status = "refused"
    outbox.add(INTENT)
    assert [r.client_order_id for r in outbox.records] == ["t-1", "t-3", "t-4", "t-5"]
    assert outbox.counts() == {"pending": 2, "booked": 1, "refused": 1}


def booking_read_back(quantity="0.25", remaining="0.15", price="40000.5"):
    return httpx.Response(
        200, json={"id": 7, "quantity": quantity, "remaining": remaining, "price": price}
    )


async def test_later_fills_are_read_back_for_resting_bookings_and_applied_once(agent):
    state = MemoryAgentState(agent, Outbox(prefix="t"))
    record = state.outbox.add(INTENT)
    record.status, record.booking = "booked", Booking(7, ())
    engine, seen = engine_answering(booking_read_back())
    assert await sync_fills(engine, state) == 1
    assert seen == ["/api/orders/t-1"]
    position = agent.positions["BTC-USD"]
    assert (position.quantity, position.average_price) == (Decimal("0.10"), Decimal("40000.5"))
    assert record.as_json()["filledQuantity"] == "0.10"
    # Nothing new: nothing applied; then the rest, and it no longer rests.
    assert await sync_fills(engine, state) == 0
    assert agent.positions["BTC-USD"].quantity == Decimal("0.10")
    engine, _ = engine_answering(booking_read_back(remaining="0"))
    assert await sync_fills(engine, state) == 1
    assert await state.resting() == []
    assert agent.positions["BTC-USD"].quantity == Decimal("0.25")


async def test_every_resting_booking_is_read_in_turn_however_many_rest(agent):
    """Issue 28: each pass read the oldest `limit` resting bookings only, so with more resting
    than that, a later one's fill was never learnt (positions short of the engine's fills)."""
    state = MemoryAgentState(agent, Outbox(prefix="t"))
    for _ in range(3):
        record = state.outbox.add(INTENT)
        record.status, record.booking = "booked", Booking(7, ())
    engine, seen = engine_answering(booking_read_back(remaining="0.25"))
    cursor = SyncCursor()
    for _ in range(3):
        await sync_fills(engine, state, limit=2, cursor=cursor)
    assert [path.rsplit("/", 1)[1] for path in seen] == ["t-1", "t-2", "t-3", "t-1", "t-2"]
    # The third resting booking trades: the next passes learn it.
    engine, seen = engine_answering(booking_read_back(remaining="0"))
    assert await sync_fills(engine, state, limit=2, cursor=cursor) == 1
    assert seen == ["/api/orders/t-3"]
    assert agent.positions["BTC-USD"].quantity == Decimal("0.25")


async def test_the_fills_sync_stops_at_an_unreachable_engine_and_skips_an_unknown_booking(agent):
    state = MemoryAgentState(agent, Outbox(prefix="t"))
    for _ in range(2):
        record = state.outbox.add(INTENT)
        record.status, record.booking = "booked", Booking(7, ())
    engine, seen = engine_answering(httpx.ConnectError("refused"))
    assert await sync_fills(engine, state) == 0
    assert len(seen) == 1, "an unreachable engine ends the pass"
    engine, _ = engine_answering(httpx.Response(503))
    assert await sync_fills(engine, state) == 0
    engine, seen = engine_answering(httpx.Response(404, text="no booking"))
    assert await sync_fills(engine, state) == 0
    assert len(seen) == 2, "an unknown booking is skipped, the next one asked"
    assert len(await state.resting()) == 2
    assert await sync_fills(EngineClient(None), state) == 0
    # A record without a booking changes nothing.
    assert not await state.filled_later(state.outbox.add(INTENT), Decimal("1"), Decimal("1"))
    assert agent.positions == {}
