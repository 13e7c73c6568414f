import json
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient
from trading_core import Side

from agents import __main__ as entry
from agents.config import load_config
from agents.orders import EngineClient
from agents.service import create_app
from agents.state.postgres import PgAgentState


@pytest.fixture
def registry():
    return CollectorRegistry()


@pytest.fixture
def client(agent, registry):
    return TestClient(create_app(agent, registry))


def test_health_and_readiness(client):
    assert client.get("/healthz").text == "ok"
    assert client.get("/readyz").status_code == 200


def test_readiness_fails_when_halted(agent, client):
    agent.stop.tripped = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "drawdown" in response.text


def test_readiness_flag(client):
    client.app.state.readiness["ready"] = False
    assert client.get("/readyz").status_code == 503


def test_metrics_count_requests_by_status(client, registry):
    client.get("/healthz")
    client.get("/nope")
    body = client.get("/metrics").text
    assert 'http_requests_total{code="200",route="/healthz"} 1.0' in body
    assert 'http_requests_total{code="404",route="other"} 1.0' in body
    assert "http_request_duration_seconds_bucket" in body
    assert (
        registry.get_sample_value("http_request_duration_seconds_count", {"route": "/healthz"})
        == 1.0
    )


def test_unhandled_error_counts_as_500(agent, client, registry, mocker):
    mocker.patch.object(agent, "equity", side_effect=RuntimeError("boom"))
    with pytest.raises(RuntimeError):
        client.get("/api/positions")
    assert (
        registry.get_sample_value("http_requests_total", {"route": "/api/positions", "code": "500"})
        == 1.0
    )


def test_positions_and_limits_as_json(agent, client):
    agent.on_fill("BTC-USD", Side.BUY, Decimal(1), Decimal(40000), maker=False)
    body = client.get("/api/positions").json()
    assert body["positions"][0]["instrument"] == "BTC-USD"
    assert body["positions"][0]["quantity"] == "1"
    assert body["halted"] is False
    limits = client.get("/api/risk/limits").json()
    assert limits["maxPosition"]["BTC-USD"] == "5"
    assert limits["maxGrossExposure"] == "300000"


def test_load_config_reads_environment():
    config = load_config({"AGENTS_EQUITY": "1000", "AGENTS_MAX_DRAWDOWN": "0.2"})
    assert config.starting_equity == Decimal(1000)
    assert config.max_drawdown == Decimal("0.2")
    assert config.limits.max_position["BTC-USD"] == Decimal(2)


def test_main_serves_on_configured_port(mocker, monkeypatch):
    monkeypatch.setenv("AGENTS_STATE", "memory")
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("PORT", "9123")
    entry.main()
    assert run.call_args.kwargs["port"] == 9123


def test_main_says_when_fault_injection_is_on(mocker, monkeypatch, capsys):
    monkeypatch.setenv("AGENTS_STATE", "memory")
    mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("FAULT_ERROR_RATE", "0.05")
    monkeypatch.setenv("FAULT_DELAY_MS", "800")
    entry.main()
    assert (
        "FAULT INJECTION ON (test aid): error rate 0.05, added latency 800 ms"
        in capsys.readouterr().err
    )


def test_main_refuses_a_bad_fault_setting(mocker, monkeypatch):
    monkeypatch.setenv("AGENTS_STATE", "memory")
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("FAULT_ERROR_RATE", "often")
    with pytest.raises(ValueError, match="FAULT_ERROR_RATE must be a number from 0 to 1"):
        entry.main()
    run.assert_not_called()


def engine_double(answer, breaker_seconds=0.2):
    """An engine stand-in for the service's unit tests (the real one: tests/integration)."""
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return answer(request) if callable(answer) else answer

    client = EngineClient(
        "http://engine.test",
        transport=httpx.MockTransport(handle),
        breaker_seconds=breaker_seconds,
    )
    return client, calls


BUY = {"instrument": "BTC-USD", "price": "40000", "strength": "0.5"}
# The opposite intent: with a BUY still open (unanswered), a SELL is within the limits again.
SELL = {"instrument": "BTC-USD", "price": "40000", "strength": "-0.5"}


def test_a_signal_becomes_a_booked_order_and_its_trades_a_position(agent, registry):
    engine, calls = engine_double(
        httpx.Response(201, json={"id": 3, "trades": [{"price": "39990", "quantity": "1"}]})
    )
    client = TestClient(create_app(agent, registry, engine=engine))
    response = client.post("/api/signals", json=BUY)
    assert response.status_code == 201, response.text
    order = response.json()["order"]
    assert (order["status"], order["engineOrderId"], order["filledQuantity"]) == ("booked", 3, "1")
    assert calls[0]["client_order_id"] == order["clientOrderId"]
    assert agent.positions["BTC-USD"].quantity == Decimal(1)
    listed = client.get("/api/orders").json()
    assert listed["counts"] == {"pending": 0, "booked": 1, "refused": 0}
    assert listed["orders"][0]["clientOrderId"] == order["clientOrderId"]
    assert registry.get_sample_value("agents_order_intents_total", {"outcome": "booked"}) == 1.0


def test_an_engine_refusal_is_reported_and_nothing_is_filled(agent, registry):
    engine, _ = engine_double(httpx.Response(422, text="price outside the band"))
    client = TestClient(create_app(agent, registry, engine=engine))
    response = client.post("/api/signals", json=BUY)
    assert response.status_code == 200
    assert response.json()["order"]["status"] == "refused"
    assert response.json()["order"]["lastError"] == "HTTP 422: price outside the band"
    assert agent.positions == {}


def test_a_signal_without_an_intent_says_why(agent, registry):
    client = TestClient(create_app(agent, registry))
    response = client.post("/api/signals", json={**BUY, "strength": "0.1"})
    assert response.status_code == 200
    assert response.json() == {"order": None, "reason": "strength 0.1 below the entry threshold"}


@pytest.mark.parametrize(
    ("body", "field", "problem"),
    [
        (b"{", "body", "JSON decode error"),
        (b'{"price": "1", "strength": "0.5"}', "instrument", "Field required"),
        (b'{"instrument": "", "price": "1", "strength": "0.5"}', "instrument", "at least 1"),
        (b'{"instrument": "BTC-USD", "price": "abc", "strength": "0.5"}', "price", "decimal"),
        (b'{"instrument": "BTC-USD", "price": "NaN", "strength": "0.5"}', "price", "finite"),
        (b'{"instrument": "BTC-USD", "price": "-1", "strength": "0.5"}', "price", "greater than 0"),
        (b'{"instrument": "BTC-USD", "price": "1", "strength": "2"}', "strength", "less than or"),
        (b'{"instrument": "X", "price": "1", "strength": "0", "qty": 1}', "qty", "not permitted"),
        # Found by Schemathesis (each answered 500): prices the agent cannot size or price.
        (b'{"instrument": "BTC-USD", "price": 5e-324, "strength": "0.5"}', "price", "digits"),
        (b'{"instrument": "X", "price": "0.123456789", "strength": 0}', "price", "places"),
        (b'{"instrument": "BTC-USD", "price": 1e30, "strength": "0.5"}', "price", "digits"),
    ],
)
def test_an_unusable_signal_is_refused_with_the_field_and_the_problem(
    agent, registry, body, field, problem
):
    client = TestClient(create_app(agent, registry))
    response = client.post(
        "/api/signals", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert field in detail["loc"], detail
    assert problem in detail["msg"], detail
    assert agent.marks == {}


def test_the_openapi_document_describes_the_api(client):
    doc = client.get("/openapi.json").json()
    assert doc["info"]["title"] == "agents"
    assert set(doc["paths"]) == {
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/positions",
        "/api/risk/limits",
        "/api/signals",
        "/api/orders",
    }
    signal_answers = set(doc["paths"]["/api/signals"]["post"]["responses"])
    assert signal_answers == {"200", "201", "202", "400", "422"}
    assert "clientOrderId" in doc["components"]["schemas"]["OrderOut"]["required"]


def test_intents_the_engine_missed_are_kept_and_delivered_in_the_background(agent, registry):
    up = {"now": False}

    def answer(_):
        if not up["now"]:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(201, json={"id": 1, "trades": []})

    engine, calls = engine_double(answer)
    with TestClient(create_app(agent, registry, engine=engine, retry_seconds=0.05)) as client:
        response = client.post("/api/signals", json=BUY)
        assert response.status_code == 202
        assert response.json()["order"]["status"] == "pending"
        assert registry.get_sample_value("agents_order_intents_pending") == 1.0
        up["now"] = True
        deadline = time.monotonic() + 5
        while client.get("/api/orders").json()["counts"]["booked"] == 0:
            assert time.monotonic() < deadline, client.get("/api/orders").json()
            time.sleep(0.02)
        assert registry.get_sample_value("agents_order_intents_pending") == 0.0
    assert len({c["client_order_id"] for c in calls}) == 1
    assert len(calls) >= 4


def test_the_engine_breaker_opens_after_repeated_failures_and_closes_on_recovery(agent, registry):
    up = {"now": False}

    def answer(_):
        return (
            httpx.Response(201, json={"id": 1, "trades": []}) if up["now"] else httpx.Response(503)
        )

    engine, calls = engine_double(answer, breaker_seconds=0.5)

    def state():
        return registry.get_sample_value("circuit_breaker_state", {"circuit": "engine"})

    def opens():
        return registry.get_sample_value("circuit_breaker_opens_total", {"circuit": "engine"})

    with TestClient(create_app(agent, registry, engine=engine, retry_seconds=3600)) as client:
        assert (state(), opens()) == (0.0, 0.0)
        client.post("/api/signals", json=BUY)  # 3 attempts, 3 failures
        client.post("/api/signals", json=SELL)  # 2 more failures open it; the third is not sent
        assert (state(), opens()) == (2.0, 1.0)
        assert len(calls) == 5
        orders = client.get("/api/orders").json()["orders"]
        assert orders[0]["lastError"].startswith("circuit open"), orders[0]
        client.post("/api/signals", json=BUY)
        assert len(calls) == 5, "nothing is sent while the breaker is open"
        # Three intents open (+5, -5, +5 BTC): the next buy would exceed the 5 BTC limit.
        time.sleep(0.6)
        up["now"] = True
        assert client.post("/api/signals", json=SELL).status_code == 201
        assert (state(), opens()) == (0.0, 1.0)


def test_main_sends_intents_to_engine_url(mocker, monkeypatch):
    monkeypatch.setenv("AGENTS_STATE", "memory")
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("ENGINE_URL", "http://engine.test:8080/")
    monkeypatch.setenv("AGENTS_BREAKER_SECONDS", "2.5")
    entry.main()
    app = run.call_args.args[0]
    assert app.state.outbox.records == []
    assert app.state.engine.breaker_seconds == 2.5


def test_main_keeps_the_state_in_the_database_the_environment_names(mocker, monkeypatch):
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.delenv("AGENTS_STATE", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="DATABASE_URL is not set"):
        entry.main()
    monkeypatch.setenv("AGENTS_STATE", "disk")
    with pytest.raises(SystemExit, match="AGENTS_STATE=disk: one of postgres"):
        entry.main()
    monkeypatch.setenv("AGENTS_STATE", "postgres")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/db")
    monkeypatch.setenv("DATABASE_POOL_SIZE", "many")
    with pytest.raises(SystemExit, match="DATABASE_POOL_SIZE=many"):
        entry.main()
    run.assert_not_called()
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("AGENTS_MAX_BATCH", "0")
    with pytest.raises(SystemExit, match="AGENTS_MAX_BATCH=0: changes per transaction"):
        entry.main()
    run.assert_not_called()
    monkeypatch.setenv("AGENTS_MAX_BATCH", "1")
    entry.main()
    state = run.call_args.args[0].state.agent_state
    assert isinstance(state, PgAgentState) and state.pool.max_size == 3
    assert state.max_batch == 1


def test_the_committed_openapi_document_is_the_one_the_code_describes():
    committed = (Path(__file__).parents[1] / "api" / "openapi.json").read_text()
    assert committed.rstrip("\n") == entry.openapi_document(), (
        "apps/agents/api/openapi.json is stale: regenerate it with `npx nx run agents:openapi`"
    )


def test_main_prints_the_openapi_document(mocker, monkeypatch, capsys):
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setattr(entry.sys, "argv", ["agents", "openapi"])
    entry.main()
    assert json.loads(capsys.readouterr().out)["info"]["title"] == "agents"
    run.assert_not_called()


def test_a_body_that_is_not_utf8_is_a_documented_400(client):
    # Found by Schemathesis: FastAPI answers 400 here, which the document did not list.
    response = client.post(
        "/api/signals", content=b"\xff\xfe^", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert "400" in client.get("/openapi.json").json()["paths"]["/api/signals"]["post"]["responses"]
