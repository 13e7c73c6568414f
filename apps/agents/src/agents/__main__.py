"""Run the agents' HTTP service: `python -m agents` (PORT, default 8000)."""

import os

import uvicorn

from agents.agent import TradingAgent
from agents.config import load_config
from agents.service import create_app


def main() -> None:
    agent = TradingAgent(load_config(), send=lambda intent: None)
    uvicorn.run(
        create_app(agent),
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        access_log=False,
    )


if __name__ == "__main__":
    main()
