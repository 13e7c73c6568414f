"""The agents' state in a real PostgreSQL (Debian's postgresql-15, started by
tools/postgres/postgres.sh; a throwaway database per test). Several PgAgentState objects on one
database stand for several replicas, a new one for a restart."""

import asyncio
import re
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from trading_core import Signal

from agents.orders.outbox import Booking
from agents.state.postgres import PgAgentState

POSTGRES = Path(__file__).resolve().parents[3] / "tools/postgres/postgres.sh"


def postgres(*args: str) -> str:
    done = subprocess.run(["bash", str(POSTGRES), *args], capture_output=True, text=True)
    assert done.returncode == 0, f"postgres.sh {args}: {done.stdout}{done.stderr}"
    return done.stdout.strip()


@pytest.fixture
def database_url(request):
    postgres("up")
    # The unique part first: PostgreSQL cuts names at 63 bytes, and a test name alone collided
    # with the same test run at the same time on the server (two scratch copies' runs did).
    unique = f"agents_{uuid.uuid4().hex[:12]}_{request.node.name}".lower()
    name = re.sub(r"[^a-z0-9_]", "_", unique)[:63]
    postgres("createdb", name)
    yield postgres("url", name)
    postgres("dropdb", name)


def run(coroutine):
    return asyncio.run(coroutine)


def book(record, price: str, quantity: str, engine_id: int = 1):
    record.status = "booked"
    record.attempts += 1
    record.booking = Booking(engine_id, ((Decimal(price), Decimal(quantity)),))
    return record


def test_replicas_share_positions_limits_and_settle_each_answer_once(config, database_url):
    async def scenario():
        blue = await PgAgentState.connect(database_url, config)
        green = await PgAgentState.connect(database_url, config)
        try:
            record, reason = await blue.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert reason == "sent" and record.status == "pending"
            assert record.client_order_id.startswith(blue.client_prefix)
            # Both replicas record the engine's answer (a retry answered 200): one settles it.
            first = await blue.answered(book(record, "40000", str(record.intent.quantity)))
            again = await green.answered(book(record, "40000", str(record.intent.quantity)))
            assert (first, again) == (True, False)
            view = await green.view()
            assert view.positions["BTC-USD"].quantity == record.intent.quantity == Decimal("5")
            # The other replica sees the position: the 5 BTC limit holds across replicas.
            none, why = await green.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert none is None and "risk limits" in why, why
            assert await green.counts() == {"pending": 0, "booked": 1, "refused": 0}
        finally:
            await blue.aclose()
            await green.aclose()

    run(scenario())


def test_pending_intents_count_against_the_limits_across_replicas(config, database_url):
    """Issue 28: the limits counted filled positions only. A second signal while the first intent
    was still pending (not yet delivered or answered) was approved in full: both filled would hold
    10 BTC against the 5 BTC limit. An open intent counts as filled until its answer settles it."""

    async def scenario():
        blue = await PgAgentState.connect(database_url, config)
        green = await PgAgentState.connect(database_url, config)
        try:
            first, _ = await blue.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert first.status == "pending" and first.intent.quantity == Decimal("5")
            none, why = await green.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert none is None and "risk limits" in why, why
            # Selling against the open buy reduces the exposure: allowed.
            sell, why = await green.decide(Signal("BTC-USD", Decimal("-0.3"), Decimal("40000")))
            assert sell is not None, why
            # A refused intent never fills: its room is free again.
            first.status, first.attempts, first.last_error = "refused", 1, "422: price band"
            assert await blue.answered(first)
            again, why = await green.decide(Signal("BTC-USD", Decimal("0.3"), Decimal("40000")))
            assert again is not None, why
        finally:
            await blue.aclose()
            await green.aclose()

    run(scenario())


def test_the_drawdown_stop_and_pending_intents_survive_a_restart(config, database_url):
    async def before_restart():
        state = await PgAgentState.connect(database_url, config)
        try:
            record, _ = await state.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            await state.answered(book(record, "40000", "5"))
            pending, _ = await state.decide(Signal("ETH-USD", Decimal("0.9"), Decimal("2000")))
            # 5 BTC marked 3000 lower: 15% below the peak, past the 10% stop.
            none, why = await state.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("37000")))
            assert none is None and "drawdown" in why
            return pending
        finally:
            await state.aclose()

    async def after_restart(pending):
        state = await PgAgentState.connect(database_url, config)
        try:
            view = await state.view()
            assert view.halted, "the stop stays tripped through a restart"
            none, why = await state.decide(Signal("ETH-USD", Decimal("0.9"), Decimal("2000")))
            assert none is None and "drawdown" in why
            assert [r.client_order_id for r in await state.pending()] == [pending.client_order_id]
            recent = await state.recent()
            assert [r.status for r in recent] == ["pending", "booked"]
            assert recent[1].booking.trades == ((Decimal("40000"), Decimal("5")),)
        finally:
            await state.aclose()

    run(after_restart(run(before_restart())))


def test_racing_replicas_decide_one_at_a_time_with_unique_client_ids(config, database_url):
    async def scenario():
        replicas = [await PgAgentState.connect(database_url, config) for _ in range(3)]
        try:
            signals = [
                replicas[n % 3].decide(Signal("ETH-USD", Decimal("0.4"), Decimal("2000")))
                for n in range(30)
            ]
            decided = await asyncio.gather(*signals)
            records = [r for r, _ in decided if r is not None]
            assert len({r.client_order_id for r in records}) == len(records)
            assert (await replicas[0].counts())["pending"] == len(records)
            # One at a time, each seeing the others' open intents: together they stop at the 50 ETH
            # limit (the last one reduced to the room left), never past it.
            assert sum(r.intent.quantity for r in records) == Decimal("50")
            refused = [why for r, why in decided if r is None]
            assert len(refused) == 30 - len(records) > 0
            assert all("risk limits" in why for why in refused), refused
        finally:
            for replica in replicas:
                await replica.aclose()

    run(scenario())


def test_later_fills_of_a_resting_order_become_the_position_once_across_replicas(
    config, database_url
):
    """Issue 28: the agents learnt fills only from the booking's answer, so an order that rested
    and was taken later never became a position (positions differed from the engine's fills)."""

    async def scenario():
        blue = await PgAgentState.connect(database_url, config)
        green = await PgAgentState.connect(database_url, config)
        try:
            record, _ = await blue.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            record.status, record.attempts = "booked", 1
            record.booking = Booking(3, ())  # it rests: nothing matched when booked
            assert await blue.answered(record)
            assert [r.client_order_id for r in await green.resting()] == [record.client_order_id]
            # The engine says 2 of its 5 traded since: both replicas learn it, one applies it.
            first = await blue.filled_later(record, Decimal("2"), Decimal("40000"))
            again = await green.filled_later(record, Decimal("2"), Decimal("40000"))
            assert (first, again) == (True, False)
            assert (await green.view()).positions["BTC-USD"].quantity == Decimal("2")
            assert await green.filled_later(record, Decimal("5"), Decimal("40000"))
            view = await blue.view()
            assert view.positions["BTC-USD"].quantity == Decimal("5")
            assert view.positions["BTC-USD"].average_price == Decimal("40000")
            assert await blue.resting() == [], "wholly filled: no longer resting"
            [listed] = await blue.recent()
            assert listed.as_json()["filledQuantity"] == "5"
        finally:
            await blue.aclose()
            await green.aclose()

    run(scenario())


def test_a_database_from_before_later_fills_keeps_what_it_applied(config, database_url):
    """The schema adds `filled` to an outbox written without it: the trades already applied
    count as filled, so no booking's fills are applied twice by the first sync."""
    postgres_sql = [
        "CREATE TABLE agents_agents (agent text PRIMARY KEY, peak numeric NOT NULL, "
        "tripped boolean NOT NULL DEFAULT false, rejected bigint NOT NULL DEFAULT 0, "
        "token text NOT NULL DEFAULT 'old')",
        "INSERT INTO agents_agents (agent, peak) VALUES ('agents', 100000)",
        "CREATE TABLE agents_outbox (id bigint PRIMARY KEY, client_order_id text NOT NULL UNIQUE, "
        "agent text NOT NULL REFERENCES agents_agents (agent), instrument text NOT NULL, "
        "side text NOT NULL, quantity numeric NOT NULL, limit_price numeric NOT NULL, "
        "status text NOT NULL DEFAULT 'pending', attempts integer NOT NULL DEFAULT 0, "
        "last_error text, engine_order_id bigint, trades jsonb NOT NULL DEFAULT '[]', "
        "settled boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now())",
        "INSERT INTO agents_outbox (id, client_order_id, agent, instrument, side, quantity, "
        "limit_price, status, engine_order_id, trades, settled) VALUES (1, 'agents-old-1', "
        "'agents', 'BTC-USD', 'buy', 5, 40000, 'booked', 9, "
        '\'[["40000", "1.5"], ["40000", "0.5"]]\', true)',
    ]
    for sql in postgres_sql:
        subprocess.run(
            ["psql", database_url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True
        )

    async def scenario():
        state = await PgAgentState.connect(database_url, config)
        try:
            [resting] = await state.resting()
            assert resting.booking.filled == Decimal("2")
        finally:
            await state.aclose()

    run(scenario())


def test_a_start_beside_live_writes_runs_no_ddl_once_the_schema_is_applied(config, database_url):
    """A replica starting while another writes: the schema is applied (by the release's migration
    Job, here by the first replica), so the start runs no DDL and waits on no lock of the tables.
    A transaction holding what every write holds (ROW EXCLUSIVE on agents_outbox) stays open;
    before, the start's CREATE INDEX IF NOT EXISTS waited for it and failed at its lock_timeout."""

    async def scenario():
        import psycopg

        first = await PgAgentState.connect(database_url, config)
        writer = await psycopg.AsyncConnection.connect(database_url)
        try:
            await writer.execute("LOCK TABLE agents_outbox IN ROW EXCLUSIVE MODE")
            second = await asyncio.wait_for(PgAgentState.connect(database_url, config), 4)
            await second.aclose()
            await writer.rollback()
            rows = await (
                await writer.execute("SELECT version FROM agents_schema_migrations")
            ).fetchall()
            assert rows == [("20261204000000",)]
        finally:
            await writer.close()
            await first.aclose()

    run(scenario())


def test_the_first_migrations_up_section_is_what_the_agents_apply():
    from agents.state.postgres import SCHEMA, up_section

    assert up_section("-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\nDROP TABLE a;\n") == (
        "CREATE TABLE a ();\n"
    )
    assert up_section("SELECT 1;") == "SELECT 1;"
    assert SCHEMA.startswith("SET LOCAL lock_timeout") and "migrate:down" not in SCHEMA


def test_a_replicas_concurrent_changes_commit_together_and_a_failed_batch_fails_only_its_own(
    config, database_url
):
    """Issue 28: each signal took two transactions holding the agent's row lock across the event
    loop's other work, which capped the signal path near 150/s on two replicas. A replica's
    concurrent changes now go in one transaction (group commit), deciding exactly as before."""

    async def scenario():
        state = await PgAgentState.connect(database_url, config)
        try:
            decided = await asyncio.gather(
                *[
                    state.decide(Signal("ETH-USD", Decimal("0.4"), Decimal("2000")))
                    for _ in range(40)
                ]
            )
            records = [r for r, _ in decided if r is not None]
            assert sum(r.intent.quantity for r in records) == Decimal("50")
            assert state.changes == 40 and state.batches < 10, (state.batches, state.changes)
            assert state.pending_known == len(records) == (await state.counts())["pending"]
            # A transaction that fails fails its changes, and the next batch commits.
            subprocess.run(
                [
                    "psql",
                    database_url,
                    "-qAtX",
                    "-c",
                    "ALTER TABLE agents_outbox "
                    "ADD CONSTRAINT t_small CHECK (quantity < 1) NOT VALID",
                ],
                check=True,
            )
            with pytest.raises(Exception, match="t_small"):
                await state.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            subprocess.run(
                [
                    "psql",
                    database_url,
                    "-qAtX",
                    "-c",
                    "ALTER TABLE agents_outbox DROP CONSTRAINT t_small",
                ],
                check=True,
            )
            record, why = await state.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert record is not None, why
            assert (await state.counts())["pending"] == len(records) + 1
        finally:
            await state.aclose()
        with pytest.raises(RuntimeError, match="not open"):
            await state.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))

    run(scenario())


def test_what_a_booked_intent_still_rests_counts_against_the_limits(config, database_url):
    """Issue 28: a booked intent stopped counting once the engine answered, though what it rests
    fills later: each signal could rest another 5 BTC, and their fills took an agent on staging
    to 20 BTC long against its 5 BTC limit."""

    async def scenario():
        blue = await PgAgentState.connect(database_url, config)
        green = await PgAgentState.connect(database_url, config)
        try:
            record, _ = await blue.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            record.status, record.attempts = "booked", 1
            record.booking = Booking(3, ((Decimal("40000"), Decimal("1")),))  # 1 of 5 at once
            assert await blue.answered(record)
            none, why = await green.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert none is None and "risk limits" in why, "1 held and 4 resting: no room"
            assert await green.filled_later(record, Decimal("3"), Decimal("40000"))
            none, why = await blue.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
            assert none is None and "risk limits" in why, "3 held and 2 resting: still none"
            sell, why = await blue.decide(Signal("BTC-USD", Decimal("-0.5"), Decimal("40000")))
            assert sell is not None and sell.intent.quantity <= Decimal("10"), why
        finally:
            await blue.aclose()
            await green.aclose()

    run(scenario())
