from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient
from trading_core import Side

from agents import __main__ as entry
from agents.config import load_config
from agents.service import create_app


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
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("PORT", "9123")
    entry.main()
    assert run.call_args.kwargs["port"] == 9123


def test_main_says_when_fault_injection_is_on(mocker, monkeypatch, capsys):
    mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("FAULT_ERROR_RATE", "0.05")
    monkeypatch.setenv("FAULT_DELAY_MS", "800")
    entry.main()
    assert (
        "FAULT INJECTION ON (test aid): error rate 0.05, added latency 800 ms"
        in capsys.readouterr().err
    )


def test_main_refuses_a_bad_fault_setting(mocker, monkeypatch):
    run = mocker.patch.object(entry.uvicorn, "run")
    monkeypatch.setenv("FAULT_ERROR_RATE", "often")
    with pytest.raises(ValueError, match="FAULT_ERROR_RATE must be a number from 0 to 1"):
        entry.main()
    run.assert_not_called()
