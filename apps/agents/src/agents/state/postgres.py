"""The agents' state in PostgreSQL (psycopg 3 with its async connection pool).

Every decision runs in one transaction that locks the agent's row (`SELECT ... FOR UPDATE`): the
agent is rebuilt from its persisted positions, marks and drawdown stop, decides, and its marks,
stop and the intent it made are written before the lock is released. So replicas decide one at a
time on one state: position and exposure limits hold across them, and the stop, once tripped,
stays tripped through restarts, deploys and rollbacks. Delivery is at least once (any replica
retries a pending intent with its client order id); the engine books each client order id once;
the first answer recorded settles the intent (its trades become fills) under the same lock, once.
"""

import json
from dataclasses import replace
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
SCHEMA_LOCK = 0x7472616469_6E6702  # the advisory lock the schema is applied under
RECORD_COLUMNS = (
    "client_order_id, instrument, side, quantity, limit_price, status, attempts, last_error, "
    "engine_order_id, trades, settled, filled"
)


# The agent row's counter of each settled status (the column names the settle step updates).
_COUNTED = {"booked": "booked", "refused": "refused"}


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


class PgAgentState:
    def __init__(self, url: str, config: AgentConfig, name: str = "agents", pool_size: int = 8):
        """The state at `url` (postgres://…), not yet opened: `await open()` in the event loop
        that uses it (the service's lifespan)."""
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

    @classmethod
    async def connect(
        cls, url: str, config: AgentConfig, name: str = "agents", pool_size: int = 8
    ) -> "PgAgentState":
        state = cls(url, config, name, pool_size)
        await state.open()
        return state

    async def open(self) -> None:
        """The pool opened, the schema applied and the agent's row present (its stop at the
        configured starting equity the first time only). Fails when the database does not answer."""
        await self.pool.open(wait=True, timeout=10)
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            await conn.execute(SCHEMA)
            await conn.execute(
                "INSERT INTO agents_agents (agent, peak) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (self.name, self.config.starting_equity),
            )
            row = await (
                await conn.execute("SELECT token FROM agents_agents WHERE agent = %s", (self.name,))
            ).fetchone()
        # Client order ids are <agent>-<token>-<n>: the token, drawn when the agent's row is made,
        # keeps them unique against an engine that outlived a reset of this database (its bookings
        # would otherwise answer new intents as retries of old ones).
        self.client_prefix = f"{self.name}-{row['token']}"

    async def _load(
        self, conn: AsyncConnection, sink, lock: bool = True
    ) -> tuple[TradingAgent, dict]:
        """The agent as persisted; with `lock`, its row locked until the transaction ends."""
        row = await (
            await conn.execute(
                "SELECT peak, tripped, rejected FROM agents_agents WHERE agent = %s"
                + (" FOR UPDATE" if lock else ""),
                (self.name,),
            )
        ).fetchone()
        agent = TradingAgent(self.config, send=sink)
        agent.stop.peak, agent.stop.tripped, agent.rejected = (
            row["peak"],
            row["tripped"],
            row["rejected"],
        )
        for p in await (
            await conn.execute("SELECT * FROM agents_positions WHERE agent = %s", (self.name,))
        ).fetchall():
            agent.positions[p["instrument"]] = Position(
                p["instrument"],
                p["quantity"],
                p["average_price"],
                p["realized_pnl"],
                p["fees_paid"],
            )
        for m in await (
            await conn.execute(
                "SELECT instrument, price FROM agents_marks WHERE agent = %s", (self.name,)
            )
        ).fetchall():
            agent.marks[m["instrument"]] = m["price"]
        # The intents not yet answered, any replica's: they count against the limits (the decision
        # that sends one holds the agent's row lock, so no two decisions miss each other's).
        for o in await (
            await conn.execute(
                "SELECT instrument, sum(CASE side WHEN 'buy' THEN quantity ELSE -quantity END) "
                "AS q FROM agents_outbox WHERE agent = %s AND status = 'pending' "
                "GROUP BY instrument",
                (self.name,),
            )
        ).fetchall():
            agent.open_intents[o["instrument"]] = o["q"]
        return agent, row

    async def _save(self, conn: AsyncConnection, agent: TradingAgent) -> None:
        await conn.execute(
            "UPDATE agents_agents SET peak = %s, tripped = %s, rejected = %s WHERE agent = %s",
            (agent.stop.peak, agent.stop.tripped, agent.rejected, self.name),
        )
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO agents_marks (agent, instrument, price) VALUES (%s, %s, %s) "
                "ON CONFLICT (agent, instrument) DO UPDATE SET price = EXCLUDED.price",
                [(self.name, i, price) for i, price in agent.marks.items()],
            )
            await cur.executemany(
                "INSERT INTO agents_positions (agent, instrument, quantity, average_price, "
                "realized_pnl, fees_paid) VALUES (%s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (agent, instrument) DO UPDATE SET quantity = EXCLUDED.quantity, "
                "average_price = EXCLUDED.average_price, realized_pnl = EXCLUDED.realized_pnl, "
                "fees_paid = EXCLUDED.fees_paid",
                [
                    (self.name, i, p.quantity, p.average_price, p.realized_pnl, p.fees_paid)
                    for i, p in agent.positions.items()
                ],
            )

    async def decide(self, signal: Signal) -> tuple[OrderRecord | None, str]:
        sent: list[OrderIntent] = []
        async with self.pool.connection() as conn, conn.transaction():
            agent, _ = await self._load(conn, sent.append)
            outcome = agent.decide(signal)
            await self._save(conn, agent)
            if outcome.intent is None:
                return None, outcome.reason
            intent = sent[-1]
            row = await (
                await conn.execute(
                    "INSERT INTO agents_outbox (id, client_order_id, agent, instrument, side, "
                    "quantity, limit_price) SELECT n, %s || '-' || n, %s, %s, %s, %s, %s "
                    "FROM nextval('agents_intent_ids') AS n RETURNING " + RECORD_COLUMNS,
                    (
                        self.client_prefix,
                        self.name,
                        intent.instrument,
                        str(intent.side),
                        intent.quantity,
                        intent.limit_price,
                    ),
                )
            ).fetchone()
            await conn.execute(
                "UPDATE agents_agents SET pending = pending + 1 WHERE agent = %s", (self.name,)
            )
            return _record(row), outcome.reason

    async def answered(self, record: OrderRecord) -> bool:
        if record.status == "pending":
            async with self.pool.connection() as conn:
                await conn.execute(
                    "UPDATE agents_outbox SET attempts = greatest(attempts, %s), last_error = %s "
                    "WHERE client_order_id = %s AND status = 'pending'",
                    (record.attempts, record.last_error, record.client_order_id),
                )
            return False
        booking = record.booking
        async with self.pool.connection() as conn, conn.transaction():
            agent, _ = await self._load(conn, lambda intent: None)
            updated = await (
                await conn.execute(
                    "UPDATE agents_outbox SET status = %s, attempts = greatest(attempts, %s), "
                    "last_error = %s, engine_order_id = %s, trades = %s, filled = %s, "
                    "settled = true WHERE client_order_id = %s AND NOT settled RETURNING id",
                    (
                        record.status,
                        record.attempts,
                        record.last_error,
                        booking.engine_order_id if booking else None,
                        json.dumps(
                            [[str(p), str(q)] for p, q in booking.trades] if booking else []
                        ),
                        booking.filled if booking else 0,
                        record.client_order_id,
                    ),
                )
            ).fetchone()
            if updated is None:
                return False  # another replica recorded the answer first, and settled it
            await conn.execute(
                f"UPDATE agents_agents SET pending = pending - 1, {_COUNTED[record.status]} = "
                f"{_COUNTED[record.status]} + 1 WHERE agent = %s",
                (self.name,),
            )
            record.settled = True
            if booking is not None:
                for price, quantity in booking.trades:
                    agent.on_fill(
                        record.intent.instrument, record.intent.side, quantity, price, maker=False
                    )
            await self._save(conn, agent)
            return True

    async def _records(self, where: str, order: str, limit: int) -> list[OrderRecord]:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    f"SELECT {RECORD_COLUMNS} FROM agents_outbox WHERE agent = %s {where} "
                    f"ORDER BY id {order} LIMIT %s",
                    (self.name, limit),
                )
            ).fetchall()
        return [_record(r) for r in rows]

    async def pending(self, limit: int = 100) -> list[OrderRecord]:
        return await self._records("AND status = 'pending'", "ASC", limit)

    async def recent(self, limit: int = 100) -> list[OrderRecord]:
        return await self._records("", "DESC", limit)

    async def resting(self, limit: int = 100) -> list[OrderRecord]:
        return await self._records("AND status = 'booked' AND filled < quantity", "ASC", limit)

    async def filled_later(self, record: OrderRecord, filled: Decimal, price: Decimal) -> bool:
        async with self.pool.connection() as conn, conn.transaction():
            agent, _ = await self._load(conn, lambda intent: None)
            # Under the agent's row lock: replicas syncing the same order apply each fill once.
            row = await (
                await conn.execute(
                    "SELECT filled FROM agents_outbox WHERE client_order_id = %s AND agent = %s",
                    (record.client_order_id, self.name),
                )
            ).fetchone()
            if row is None or filled <= row["filled"]:
                return False
            intent = record.intent
            agent.on_fill(intent.instrument, intent.side, filled - row["filled"], price, maker=True)
            await conn.execute(
                "UPDATE agents_outbox SET filled = %s WHERE client_order_id = %s",
                (filled, record.client_order_id),
            )
            await self._save(conn, agent)
        if record.booking is not None:
            record.booking = replace(record.booking, filled=filled)
        return True

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
        async with self.pool.connection() as conn, conn.transaction():
            agent, _ = await self._load(conn, lambda intent: None, lock=False)
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
        await self.pool.close()
