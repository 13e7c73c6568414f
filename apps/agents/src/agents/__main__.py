"""Run the agents' HTTP service: `python -m agents` (PORT, default 8000).
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


def openapi_document() -> str:
    agent = TradingAgent(load_config({}), send=lambda intent: None)
    return json.dumps(create_app(agent).openapi(), indent=2, sort_keys=True)


def main() -> None:
    if sys.argv[1:2] == ["openapi"]:
        print(openapi_document())
        return
    # The service routes the agent's intents to its outbox, and from there to ENGINE_URL.
    agent = TradingAgent(load_config(), send=lambda intent: None)
    engine = EngineClient(os.environ.get("ENGINE_URL"))
    faults = load_faults(os.environ)
    if faults.active:
        print(
            f"agents: FAULT INJECTION ON (test aid): error rate {faults.error_rate}, "
            f"added latency {faults.delay_seconds * 1000:.0f} ms",
            file=sys.stderr,
        )
    uvicorn.run(
        create_app(
            agent,
            faults=faults,
            engine=engine,
            retry_seconds=float(os.environ.get("AGENTS_RETRY_SECONDS", "2")),
        ),
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        access_log=False,
    )


if __name__ == "__main__":
    main()
