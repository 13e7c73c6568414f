"""A batch of changes applied to the agent as loaded (the group commit's pure part): each change
sees the ones before it, as if each had been its own transaction."""

import itertools
from decimal import Decimal

from trading_core import Signal

from agents.agent import TradingAgent
from agents.orders.outbox import Booking, OrderRecord
from agents.state.batch import Answer, Decide, FilledLater, OutboxRow, apply_batch

BUY = Signal("BTC-USD", Decimal("0.5"), Decimal("40000"))


def fresh(config) -> TradingAgent:
    return TradingAgent(config, send=lambda intent: None)


def booked(record: OrderRecord, trades=(), engine_id: int = 1) -> OrderRecord:
    record.status, record.attempts = "booked", 1
    record.booking = Booking(engine_id, tuple((Decimal(p), Decimal(q)) for p, q in trades))
    return record


def _intent(config):
    agent = fresh(config)
    sent = []
    agent.send = sent.append
    agent.decide(BUY)
    return sent[0]


def test_decisions_in_one_batch_see_each_others_open_intents(config):
    agent = fresh(config)
    results, writes = apply_batch(
        agent, [Decide(BUY), Decide(BUY)], {}, itertools.count(41), "agents-t"
    )
    (first, reason), (second, why) = results
    assert reason == "sent" and first.client_order_id == "agents-t-41"
    assert first.intent.quantity == Decimal("5")
    assert second is None and "risk limits" in why, "the first 5 BTC are open: no room left"
    assert [(n, r.client_order_id) for n, r in writes.inserted] == [(41, "agents-t-41")]
    assert writes.counts == {"pending": 1, "booked": 0, "refused": 0}
    assert writes.marks == {"BTC-USD"} and writes.positions == set()
    assert agent.rejected == 1


def test_an_answer_frees_the_room_for_a_later_decision_and_settles_once(config):
    agent = fresh(config)
    agent.open_intents["BTC-USD"] = Decimal("5")  # as loaded: an intent pending in the outbox
    intent = _intent(config)
    refused = OrderRecord("agents-t-1", intent, status="refused", attempts=1)
    again = OrderRecord("agents-t-1", intent, status="refused", attempts=2)
    outbox = {"agents-t-1": OutboxRow(settled=False, filled=Decimal(0))}
    results, writes = apply_batch(
        agent,
        [Decide(BUY), Answer(refused), Answer(again), Decide(BUY)],
        outbox,
        itertools.count(2),
        "agents-t",
    )
    assert results[0][0] is None, "the pending 5 BTC leave no room"
    assert results[1:3] == [True, False], "the second answer of the same intent settles nothing"
    assert results[3][0] is not None, "refused: its room is free again"
    assert refused.settled and outbox["agents-t-1"].settled
    assert writes.settled == [refused]
    assert writes.counts == {"pending": 0, "booked": 0, "refused": 1}


def test_a_booked_answer_becomes_fills_and_later_fills_apply_once(config):
    agent = fresh(config)
    intent = _intent(config)
    record = booked(OrderRecord("agents-t-7", intent), [("40000", "2")])
    outbox = {"agents-t-7": OutboxRow(settled=False, filled=Decimal(0))}
    results, writes = apply_batch(
        agent,
        [
            Answer(record),
            FilledLater(record, Decimal("2"), Decimal("40000")),  # nothing new yet
            FilledLater(record, Decimal("3.5"), Decimal("40000")),
            FilledLater(record, Decimal("3.5"), Decimal("40000")),  # another replica's, again
        ],
        outbox,
        itertools.count(1),
        "agents-t",
    )
    assert results == [True, False, True, False]
    assert agent.positions["BTC-USD"].quantity == Decimal("3.5")
    assert writes.positions == {"BTC-USD"} and writes.marks == {"BTC-USD"}
    assert writes.filled == {"agents-t-7": Decimal("3.5")}
    assert record.booking.filled == Decimal("3.5")
    assert writes.counts == {"pending": -1, "booked": 1, "refused": 0}


def test_answers_still_pending_keep_their_attempts_and_unknown_rows_change_nothing(config):
    agent = fresh(config)
    intent = _intent(config)
    tried = OrderRecord("agents-t-3", intent, attempts=2, last_error="engine unreachable")
    gone = booked(OrderRecord("agents-t-9", intent), [("40000", "1")])
    later = OrderRecord("agents-t-9", intent)  # no booking on this copy
    results, writes = apply_batch(
        agent,
        [Answer(tried), Answer(gone), FilledLater(later, Decimal("1"), Decimal("40000"))],
        {},
        itertools.count(1),
        "agents-t",
    )
    assert results == [False, False, False]
    assert writes.attempts == [tried] and writes.settled == [] and writes.filled == {}
    assert agent.positions == {}


def test_a_refused_intent_has_no_fills_and_a_later_fill_without_booking_is_recorded(config):
    agent = fresh(config)
    intent = _intent(config)
    refused = OrderRecord("agents-t-4", intent, status="refused", attempts=1)
    resting = OrderRecord("agents-t-5", intent)  # its booking not on this copy of the record
    outbox = {
        "agents-t-4": OutboxRow(settled=False, filled=Decimal(0)),
        "agents-t-5": OutboxRow(settled=True, filled=Decimal(0)),
    }
    results, writes = apply_batch(
        agent,
        [Answer(refused), FilledLater(resting, Decimal("1"), Decimal("40000"))],
        outbox,
        itertools.count(1),
        "agents-t",
    )
    assert results == [True, True]
    assert agent.positions["BTC-USD"].quantity == Decimal("1")
    assert resting.booking is None and writes.filled == {"agents-t-5": Decimal("1")}
