"""The agents' state in PostgreSQL (psycopg 3 with its async connection pool).

Every change to the agent (a signal decided, the engine's answer recorded, a later fill applied)
runs in a transaction that locks the agent's row (`SELECT ... FOR UPDATE`): the agent is rebuilt
from its persisted positions, marks, open intents and drawdown stop, changed, and written back
with the intents it made before the lock is released. So replicas change it one at a time on one
state: position and exposure limits hold across them, and the stop, once tripped, stays tripped
through restarts, deploys and rollbacks. Delivery is at least once (any replica retries a pending
intent with its client order id); the engine books each client order id once; the first answer
recorded settles the intent (its trades become fills) under the same lock, once.

Group commit: a replica's changes go through one queue. One task takes whatever has queued while
the previous transaction ran, and applies it all in one transaction (`batch.apply_batch`, in
arrival order, each change seeing the ones before it): one lock, one read of the agent and one
round of writes for many signals. Under load the lock is held for a batch, not for each signal
across the event loop's other work, which is what capped a replica near 75 signals/s.
"""

import asyncio
import contextlib
import json
from decimal import Decimal
from pathlib import Path

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from trading_core import OrderIntent, Side, Signal

from agents.agent import AgentConfig, TradingAgent
from agents.finance import Position
from agents.orders.outbox import Booking, OrderRecord
from agents.state import AgentView
from agents.state.batch import Answer, Change, Decide, FilledLater, OutboxRow, Writes, apply_batch

# The first migration (migrations/, dbmate's format): its up section is applied at start until the
# deploy runs migrations as a Job (issue 30).
FIRST_MIGRATION = Path(__file__).parent / "migrations" / "20261204000000_agents_state.sql"


def up_section(migration: str) -> str:
    """A dbmate migration's up section: from its `-- migrate:up` line to its `-- migrate:down`."""
    start = migration.find("-- migrate:up")
    start = 0 if start < 0 else migration.index("\n", start) + 1
    end = migration.find("-- migrate:down", start)
    return migration[start : None if end < 0 else end]


SCHEMA = up_section(FIRST_MIGRATION.read_text())
SCHEMA_VERSION = FIRST_MIGRATION.name.split("_", 1)[0]
# dbmate's table of applied versions for the agents (apps/agents/migrations.yaml), in its shape.
MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS agents_schema_migrations (version varchar(128) PRIMARY KEY)"
)
SCHEMA_LOCK = 0x7472616469_6E6702  # the advisory lock the schema is applied under
RECORD_COLUMNS = (
    "client_order_id, instrument, side, quantity, limit_price, status, attempts, last_error, "
    "engine_order_id, trades, settled, filled"
)


def _record(row: dict) -> OrderRecord:
    intent = OrderIntent(row["instrument"], Side(row["side"]), row["quantity"], row["limit_price"])
    booking = None
    if row["engine_order_id"] is not None:
        booking = Booking(
            int(row["engine_order_id"]),
            tuple((Decimal(p), Decimal(q)) for p, q in row["trades"]),
            row["filled"],
        )
    return OrderRecord(
        row["client_order_id"],
        intent,
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        booking=booking,
        settled=row["settled"],
    )


# One read of the agent: the stop, positions and marks (what the API shows) and, for a batch of
# changes under its row lock, the open orders (every replica's pending intents and what booked
# ones still rest: they count against the limits as if filled), the outbox rows its answers and
# fills name, and ids for the intents it may make. Numbers as text: never through a float.
VIEW = """
SELECT a.peak, a.tripped, a.rejected, a.pending,
  (SELECT coalesce(json_agg(json_build_array(p.instrument, p.quantity::text,
            p.average_price::text, p.realized_pnl::text, p.fees_paid::text)), '[]')
     FROM agents_positions p WHERE p.agent = a.agent) AS positions,
  (SELECT coalesce(json_object_agg(m.instrument, m.price::text), '{}')
     FROM agents_marks m WHERE m.agent = a.agent) AS marks__EXTRA__
FROM agents_agents a WHERE a.agent = %(agent)s
"""
LOAD = VIEW.replace(
    "__EXTRA__",
    """,
  (SELECT coalesce(json_object_agg(o.instrument, o.q::text), '{}')
     FROM (SELECT instrument, sum(CASE side WHEN 'buy' THEN left_ ELSE -left_ END) AS q
             FROM (SELECT instrument, side, quantity AS left_ FROM agents_outbox
                    WHERE agent = a.agent AND status = 'pending'
                   UNION ALL
                   SELECT instrument, side, quantity - filled FROM agents_outbox
                    WHERE agent = a.agent AND status = 'booked' AND filled < quantity) open
            GROUP BY instrument) o) AS open,
  (SELECT coalesce(json_object_agg(t.client_order_id,
            json_build_array(t.settled, t.filled::text)), '{}')
     FROM agents_outbox t
    WHERE t.agent = a.agent AND t.client_order_id = ANY(%(touched)s)) AS touched,
  (SELECT coalesce(array_agg(nextval('agents_intent_ids')), '{}')
     FROM generate_series(1, %(ids)s)) AS ids""",
)
VIEW = VIEW.replace("__EXTRA__", "")
LOCK = "SELECT 1 FROM agents_agents WHERE agent = %s FOR UPDATE"


class PgAgentState:
    def __init__(
        self,
        url: str,
        config: AgentConfig,
        name: str = "agents",
        pool_size: int = 8,
        max_batch: int = 200,
    ):
        """The state at `url` (postgres://…), not yet opened: `await open()` in the event loop
        that uses it (the service's lifespan). At most `max_batch` changes per transaction."""
        self.pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=5,
            kwargs={"row_factory": dict_row},
        )
        self.config = config
        self.name = name
        self.client_prefix = ""
        self.max_batch = max_batch
        self.batches = 0  # transactions the changes took
        self.changes = 0  # changes committed
        self.pending_known = 0  # the agent's pending intents as of this replica's last commit
        self._queue: asyncio.Queue[tuple[Change, asyncio.Future]] | None = None
        self._committer: asyncio.Task | None = None

    @classmethod
    async def connect(
        cls, url: str, config: AgentConfig, name: str = "agents", pool_size: int = 8
    ) -> "PgAgentState":
        state = cls(url, config, name, pool_size)
        await state.open()
        return state

    async def open(self) -> None:
        """The pool opened, the schema applied and the agent's row present (its stop at the
        configured starting equity the first time only), and the committer started. Fails when
        the database does not answer."""
        await self.pool.open(wait=True, timeout=10)
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            # Deployed, the release's migration Job (dbmate) applied the schema before this pod
            # started: no DDL then, so a start queues no lock behind the live replicas' writes
            # (a CREATE INDEX IF NOT EXISTS waits for them and stalls every later one). Started
            # on its own (tests, a developer), the agents apply it and record it as dbmate would.
            await conn.execute(MIGRATIONS_TABLE)
            applied = await (
                await conn.execute(
                    "SELECT 1 FROM agents_schema_migrations WHERE version = %s", (SCHEMA_VERSION,)
                )
            ).fetchone()
            if applied is None:
                await conn.execute(SCHEMA)
                await conn.execute(
                    "INSERT INTO agents_schema_migrations (version) VALUES (%s) "
                    "ON CONFLICT DO NOTHING",
                    (SCHEMA_VERSION,),
                )
            await conn.execute(
                "INSERT INTO agents_agents (agent, peak) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (self.name, self.config.starting_equity),
            )
            row = await (
                await conn.execute(
                    "SELECT token, pending FROM agents_agents WHERE agent = %s", (self.name,)
                )
            ).fetchone()
        # Client order ids are <agent>-<token>-<n>: the token, drawn when the agent's row is made,
        # keeps them unique against an engine that outlived a reset of this database (its bookings
        # would otherwise answer new intents as retries of old ones).
        self.client_prefix = f"{self.name}-{row['token']}"
        self.pending_known = int(row["pending"])
        self._queue = asyncio.Queue()
        self._committer = asyncio.create_task(self._commit_forever())

    async def _load(
        self, conn: AsyncConnection, lock: bool, touched: list[str] = (), ids: int = 0
    ) -> tuple[TradingAgent, dict[str, OutboxRow], list[int], int]:
        """The agent as persisted and its pending count; with `lock` (a batch of changes), its row
        locked until the transaction ends, its open orders, the outbox rows `touched` names and
        `ids` new intent ids."""
        params = {"agent": self.name, "touched": list(touched), "ids": ids}
        async with conn.pipeline():
            if lock:
                # Its own statement, before the read: a statement that waits for a row lock
                # reads with the snapshot it took before waiting (READ COMMITTED), so a read in
                # the locking statement would miss what the lock's last holder committed.
                await conn.execute(LOCK, (self.name,))
            row = await (await conn.execute(LOAD if lock else VIEW, params)).fetchone()
        agent = TradingAgent(self.config, send=lambda intent: None)
        agent.stop.peak, agent.stop.tripped, agent.rejected = (
            row["peak"],
            row["tripped"],
            row["rejected"],
        )
        for instrument, quantity, average, realized, fees in row["positions"]:
            agent.positions[instrument] = Position(
                instrument, Decimal(quantity), Decimal(average), Decimal(realized), Decimal(fees)
            )
        agent.marks = {i: Decimal(price) for i, price in row["marks"].items()}
        if not lock:
            return agent, {}, [], int(row["pending"])  # the view: no open orders, no ids
        agent.open_intents = {i: Decimal(q) for i, q in row["open"].items()}
        outbox = {
            cid: OutboxRow(settled, Decimal(filled))
            for cid, (settled, filled) in row["touched"].items()
        }
        return agent, outbox, list(row["ids"]), int(row["pending"])

    async def _write(self, conn: AsyncConnection, agent: TradingAgent, writes: Writes) -> None:
        """A batch's writes, pipelined: one round trip for all of them."""
        counts = writes.counts
        async with conn.pipeline(), conn.cursor() as cur:
            await cur.execute(
                "UPDATE agents_agents SET peak = %s, tripped = %s, rejected = %s, "
                "pending = pending + %s, booked = booked + %s, refused = refused + %s "
                "WHERE agent = %s",
                (
                    agent.stop.peak,
                    agent.stop.tripped,
                    agent.rejected,
                    counts["pending"],
                    counts["booked"],
                    counts["refused"],
                    self.name,
                ),
            )
            if writes.marks:
                await cur.executemany(
                    "INSERT INTO agents_marks (agent, instrument, price) VALUES (%s, %s, %s) "
                    "ON CONFLICT (agent, instrument) DO UPDATE SET price = EXCLUDED.price",
                    [(self.name, i, agent.marks[i]) for i in sorted(writes.marks)],
                )
            if writes.positions:
                await cur.executemany(
                    "INSERT INTO agents_positions (agent, instrument, quantity, average_price, "
                    "realized_pnl, fees_paid) VALUES (%s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (agent, instrument) DO UPDATE SET quantity = EXCLUDED.quantity, "
                    "average_price = EXCLUDED.average_price, "
                    "realized_pnl = EXCLUDED.realized_pnl, fees_paid = EXCLUDED.fees_paid",
                    [
                        (self.name, i, p.quantity, p.average_price, p.realized_pnl, p.fees_paid)
                        for i in sorted(writes.positions)
                        for p in [agent.positions[i]]
                    ],
                )
            if writes.inserted:
                await cur.executemany(
                    "INSERT INTO agents_outbox (id, client_order_id, agent, instrument, side, "
                    "quantity, limit_price) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [
                        (
                            number,
                            r.client_order_id,
                            self.name,
                            r.intent.instrument,
                            str(r.intent.side),
                            r.intent.quantity,
                            r.intent.limit_price,
                        )
                        for number, r in writes.inserted
                    ],
                )
            if writes.settled:
                await cur.executemany(
                    "UPDATE agents_outbox SET status = %s, attempts = greatest(attempts, %s), "
                    "last_error = %s, engine_order_id = %s, trades = %s, filled = %s, "
                    "settled = true WHERE client_order_id = %s AND NOT settled",
                    [
                        (
                            r.status,
                            r.attempts,
                            r.last_error,
                            r.booking.engine_order_id if r.booking else None,
                            json.dumps(
                                [[str(p), str(q)] for p, q in r.booking.trades] if r.booking else []
                            ),
                            r.booking.filled if r.booking else 0,
                            r.client_order_id,
                        )
                        for r in writes.settled
                    ],
                )
            if writes.attempts:
                await cur.executemany(
                    "UPDATE agents_outbox SET attempts = greatest(attempts, %s), last_error = %s "
                    "WHERE client_order_id = %s AND status = 'pending'",
                    [(r.attempts, r.last_error, r.client_order_id) for r in writes.attempts],
                )
            if writes.filled:
                await cur.executemany(
                    "UPDATE agents_outbox SET filled = %s WHERE client_order_id = %s",
                    [(filled, cid) for cid, filled in writes.filled.items()],
                )

    async def _commit(self, changes: list[Change]) -> list[object]:
        """One transaction for `changes`, under the agent's row lock: their results."""
        touched = [
            c.record.client_order_id
            for c in changes
            if isinstance(c, FilledLater)
            or (isinstance(c, Answer) and c.record.status != "pending")
        ]
        decisions = sum(isinstance(c, Decide) for c in changes)
        async with self.pool.connection() as conn, conn.transaction():
            agent, outbox, ids, pending = await self._load(conn, True, touched, decisions)
            results, writes = apply_batch(agent, changes, outbox, iter(ids), self.client_prefix)
            await self._write(conn, agent, writes)
        self.batches += 1
        self.changes += len(changes)
        self.pending_known = pending + writes.counts["pending"]
        return results

    async def _commit_forever(self) -> None:
        """The replica's one committer: whatever queued while the last transaction ran, at most
        `max_batch`, goes in the next. A failed transaction fails its own changes (their
        requests answer 500, as one transaction each would), never the committer."""
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            live = [(c, f) for c, f in batch if not f.done()]  # a cancelled request's: dropped
            try:
                results = await self._commit([c for c, _ in live]) if live else []
            except Exception as error:
                for _, future in live:
                    if not future.done():
                        future.set_exception(error)
                continue
            except BaseException:
                for _, future in live:
                    if not future.done():
                        future.set_exception(RuntimeError("the agents' state was closed"))
                raise
            for (_, future), result in zip(live, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _submit(self, change: Change):
        if self._committer is None or self._committer.done():
            raise RuntimeError("the agents' state is not open (await open() first)")
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((change, future))
        return await future

    async def decide(self, signal: Signal) -> tuple[OrderRecord | None, str]:
        return await self._submit(Decide(signal))

    async def answered(self, record: OrderRecord) -> bool:
        return await self._submit(Answer(record))

    async def filled_later(self, record: OrderRecord, filled: Decimal, price: Decimal) -> bool:
        return await self._submit(FilledLater(record, filled, price))

    async def _records(
        self, where: str, order: str, limit: int, after: int = 0
    ) -> list[OrderRecord]:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    f"SELECT {RECORD_COLUMNS} FROM agents_outbox WHERE agent = %s {where} "
                    f"AND id > %s ORDER BY id {order} LIMIT %s",
                    (self.name, after, limit),
                )
            ).fetchall()
        return [_record(r) for r in rows]

    async def pending(self, limit: int = 100) -> list[OrderRecord]:
        return await self._records("AND status = 'pending'", "ASC", limit)

    async def recent(self, limit: int = 100) -> list[OrderRecord]:
        return await self._records("", "DESC", limit)

    async def resting(self, limit: int = 100, after: int = 0) -> list[OrderRecord]:
        return await self._records(
            "AND status = 'booked' AND filled < quantity", "ASC", limit, after
        )

    async def counts(self) -> dict[str, int]:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "SELECT pending, booked, refused FROM agents_agents WHERE agent = %s",
                    (self.name,),
                )
            ).fetchone()
        return {k: int(row[k]) if row else 0 for k in ("pending", "booked", "refused")}

    async def view(self) -> AgentView:
        async with self.pool.connection() as conn:
            agent, _, _, _ = await self._load(conn, lock=False)
        equity = agent.equity()
        return AgentView(
            equity=equity,
            halted=agent.halted,
            drawdown=agent.stop.drawdown(equity),
            positions=dict(agent.positions),
            marks=dict(agent.marks),
        )

    async def ready(self) -> bool:
        try:
            async with self.pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
            return True
        except Exception:
            return False

    async def aclose(self) -> None:
        if self._committer is not None:
            self._committer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._committer
            while not self._queue.empty():
                _, future = self._queue.get_nowait()
                if not future.done():
                    future.set_exception(RuntimeError("the agents' state was closed"))
        await self.pool.close()
