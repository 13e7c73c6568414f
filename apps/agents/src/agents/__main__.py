"""Run the agents' HTTP service: `python -m agents` (PORT, default 8000), the trading state in the
PostgreSQL database DATABASE_URL names (a pool of DATABASE_POOL_SIZE connections, default 8; the
agent's name AGENTS_NAME, default `agents`: replicas of one agent share its state; at most
AGENTS_MAX_BATCH changes per transaction, default 200: 1 turns the group commit off). The circuit
breaker on the engine opens after AGENTS_BREAKER_FAILURES failures in a row (default 5) for
AGENTS_BREAKER_SECONDS (default 10).
AGENTS_STATE=memory keeps it in the process instead: a test aid, the planted defect of the proof
under traffic, never a deployed configuration.
`python -m agents openapi` prints the OpenAPI document (apps/agents/api/openapi.json commits it)."""

import json
import os
import sys

import uvicorn

from agents.agent import TradingAgent
from agents.config import load_config
from agents.faults import load_faults
from agents.orders import EngineClient
from agents.service import create_app
from agents.state.memory import MemoryAgentState
from agents.state.postgres import PgAgentState


def open_state(env=os.environ):
    """The state the environment names; a clear error for a missing or unknown setting."""
    config = load_config(env)
    kind = env.get("AGENTS_STATE", "postgres")
    if kind == "memory":
        print(
            "agents: AGENTS_STATE=memory (test aid): positions, the drawdown stop and the outbox "
            "live in this process and die with it",
            file=sys.stderr,
        )
        return MemoryAgentState(TradingAgent(config, send=lambda intent: None))
    if kind != "postgres":
        raise SystemExit(f"agents: AGENTS_STATE={kind}: one of postgres (the default) or memory")
    url = env.get("DATABASE_URL")
    if not url:
        raise SystemExit(
            "agents: DATABASE_URL is not set: the agents keep positions, the drawdown stop and "
            "the outbox in PostgreSQL (postgres://user:password@host:port/database)"
        )
    size = env.get("DATABASE_POOL_SIZE", "8")
    if not size.isdigit():
        raise SystemExit(f"agents: DATABASE_POOL_SIZE={size}: a number of connections")
    batch = env.get("AGENTS_MAX_BATCH", "200")
    if not batch.isdigit() or int(batch) < 1:
        raise SystemExit(f"agents: AGENTS_MAX_BATCH={batch}: changes per transaction, at least 1")
    return PgAgentState(
        url, config, env.get("AGENTS_NAME", "agents"), int(size), max_batch=int(batch)
    )


def openapi_document() -> str:
    agent = TradingAgent(load_config({}), send=lambda intent: None)
    return json.dumps(create_app(agent).openapi(), indent=2, sort_keys=True)


def main() -> None:
    if sys.argv[1:2] == ["openapi"]:
        print(openapi_document())
        return
    # The service routes the agent's intents to its outbox, and from there to ENGINE_URL.
    state = open_state()
    engine = EngineClient(
        os.environ.get("ENGINE_URL"),
        breaker_threshold=int(os.environ.get("AGENTS_BREAKER_FAILURES", "5")),
        breaker_seconds=float(os.environ.get("AGENTS_BREAKER_SECONDS", "10")),
        account=os.environ.get("AGENTS_NAME", "agents"),
    )
    faults = load_faults(os.environ)
    if faults.active:
        print(
            f"agents: FAULT INJECTION ON (test aid): error rate {faults.error_rate}, "
            f"added latency {faults.delay_seconds * 1000:.0f} ms",
            file=sys.stderr,
        )
    uvicorn.run(
        create_app(
            state,
            faults=faults,
            engine=engine,
            retry_seconds=float(os.environ.get("AGENTS_RETRY_SECONDS", "2")),
        ),
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        access_log=False,
        # Named, not left to "auto": a missing one fails at start instead of halving throughput.
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
