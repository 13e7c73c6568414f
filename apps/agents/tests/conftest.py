from decimal import Decimal

import pytest

from agents.agent import AgentConfig, TradingAgent
from agents.finance import FeeSchedule
from agents.risk import RiskLimits


@pytest.fixture
def config() -> AgentConfig:
    return AgentConfig(
        starting_equity=Decimal("100000"),
        risk_fraction=Decimal("0.01"),
        stop_distance=Decimal("100"),
        entry_threshold=Decimal("0.3"),
        tick=Decimal("0.01"),
        lot=Decimal("0.001"),
        limits=RiskLimits({"BTC-USD": Decimal("5"), "ETH-USD": Decimal("50")}, Decimal("300000")),
        fees=FeeSchedule(Decimal("-1"), Decimal("5"), Decimal("0.01")),
        max_drawdown=Decimal("0.1"),
    )


@pytest.fixture
def agent(config, mocker) -> TradingAgent:
    return TradingAgent(config, send=mocker.Mock(name="order_sink"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
