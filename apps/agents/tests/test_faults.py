"""Fault injection (a test aid, off by default): a release made bad on purpose by configuration."""

import pytest
from prometheus_client import CollectorRegistry
from starlette.testclient import TestClient

from agents.faults import FaultPlan, load_faults
from agents.service import create_app


def test_off_by_default_and_read_from_the_environment():
    assert not load_faults({}).active
    faults = load_faults({"FAULT_ERROR_RATE": "0.05", "FAULT_DELAY_MS": "800"})
    assert faults.error_rate == 0.05
    assert faults.delay_seconds == 0.8
    assert faults.active


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FAULT_ERROR_RATE": "lots"}, "FAULT_ERROR_RATE must be a number from 0 to 1, got 'lots'"),
        ({"FAULT_ERROR_RATE": "1.5"}, "FAULT_ERROR_RATE must be a number from 0 to 1, got '1.5'"),
        ({"FAULT_DELAY_MS": "-3"}, "FAULT_DELAY_MS must be a number of milliseconds, 0 or more"),
        ({"FAULT_DELAY_MS": "nan"}, "FAULT_DELAY_MS must be a number of milliseconds, 0 or more"),
    ],
)
def test_bad_settings_are_refused_by_name(env, message):
    with pytest.raises(ValueError, match=message):
        load_faults(env)


def test_the_error_fraction_is_exact_over_any_window():
    plan = FaultPlan(load_faults({"FAULT_ERROR_RATE": "0.05"}))
    failures = [plan.next_fails() for _ in range(200)]
    assert sum(failures) == 10
    assert sum(failures[:20]) == 1


def test_service_routes_fail_and_slow_down_while_probes_and_metrics_do_not(agent):
    registry = CollectorRegistry()
    # 250 ms a request: the faulted routes' four requests take at least 1 s (a sleep never ends
    # early); the probes' four take far less, with room for a loaded machine (at 20 ms, four
    # unfaulted probes once took 89 ms on a busy CI machine and failed the old 80 ms bound).
    faults = load_faults({"FAULT_ERROR_RATE": "0.5", "FAULT_DELAY_MS": "250"})
    client = TestClient(create_app(agent, registry, faults))
    codes = [client.get("/api/positions").status_code for _ in range(4)]
    assert sorted(codes) == [200, 200, 500, 500]
    assert all(client.get("/healthz").status_code == 200 for _ in range(4))
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").text
    assert 'http_requests_total{code="500",route="/api/positions"} 2.0' in metrics
    seconds = "http_request_duration_seconds_sum"
    assert registry.get_sample_value(seconds, {"route": "/api/positions"}) >= 1.0
    assert registry.get_sample_value(seconds, {"route": "/healthz"}) < 1.0
