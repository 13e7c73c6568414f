"""HTTP service: health, readiness, Prometheus metrics and the agent's state as JSON."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agents.agent import TradingAgent
from agents.faults import FaultPlan, Faults

# Buckets bracket the SLO thresholds (p95 500 ms in the deploy analysis).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def create_app(
    agent: TradingAgent, registry: CollectorRegistry | None = None, faults: Faults | None = None
) -> Starlette:
    registry = registry or CollectorRegistry()
    requests = Counter(
        "http_requests_total",
        "HTTP requests by route and status code",
        ["route", "code"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "HTTP request latency",
        ["route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    state = {"ready": True}

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        if agent.halted:
            return PlainTextResponse("halted by drawdown stop", status_code=503)
        return PlainTextResponse(
            "ready" if state["ready"] else "not ready", status_code=200 if state["ready"] else 503
        )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    async def positions(_: Request) -> Response:
        return JSONResponse(
            {
                "equity": str(agent.equity()),
                "halted": agent.halted,
                "positions": [
                    {
                        "instrument": p.instrument,
                        "quantity": str(p.quantity),
                        "averagePrice": str(p.average_price),
                        "realizedPnl": str(p.realized_pnl),
                        "unrealizedPnl": str(p.unrealized_pnl(agent.marks.get(i, p.average_price))),
                    }
                    for i, p in sorted(agent.positions.items())
                ],
            }
        )

    async def risk_limits(_: Request) -> Response:
        limits = agent.config.limits
        return JSONResponse(
            {
                "maxGrossExposure": str(limits.max_gross_exposure),
                "maxDrawdown": str(agent.config.max_drawdown),
                "drawdown": str(agent.stop.drawdown(agent.equity())),
                "maxPosition": {k: str(v) for k, v in sorted(limits.max_position.items())},
            }
        )

    plan = FaultPlan(faults or Faults())

    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]):
        route = request.url.path if request.url.path in KNOWN_ROUTES else "other"
        started = time.perf_counter()
        try:
            if plan.faults.active and route not in UNFAULTED_ROUTES:
                await asyncio.sleep(plan.faults.delay_seconds)
                if plan.next_fails():
                    response = PlainTextResponse("injected fault", status_code=500)
                    latency.labels(route).observe(time.perf_counter() - started)
                    requests.labels(route, "500").inc()
                    return response
            response = await call_next(request)
        except Exception:
            requests.labels(route, "500").inc()
            raise
        latency.labels(route).observe(time.perf_counter() - started)
        requests.labels(route, str(response.status_code)).inc()
        return response

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/api/positions", positions),
            Route("/api/risk/limits", risk_limits),
        ],
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=observe)],
    )
    app.state.readiness = state
    return app


KNOWN_ROUTES = frozenset({"/healthz", "/readyz", "/metrics", "/api/positions", "/api/risk/limits"})
# Probes and metrics see the release as it is served: fault injection leaves them alone.
UNFAULTED_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
