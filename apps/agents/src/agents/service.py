"""HTTP service: health, readiness, Prometheus metrics and the agent's state as JSON."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from agents.agent import TradingAgent
from agents.faults import FaultPlan, Faults
from agents.orders import EngineClient, OrderRecord, Outbox, deliver, deliver_pending
from agents.signals import SignalError, parse_signal

# Buckets bracket the SLO thresholds (p95 500 ms in the deploy analysis).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def create_app(
    agent: TradingAgent,
    registry: CollectorRegistry | None = None,
    faults: Faults | None = None,
    engine: EngineClient | None = None,
    retry_seconds: float = 2.0,
) -> Starlette:
    """The agents' HTTP service. The agent's order intents go to its outbox and from there to the
    engine (`engine`; none: they are kept until one is configured); pending ones are tried again
    every `retry_seconds`."""
    registry = registry or CollectorRegistry()
    engine = engine or EngineClient(None)
    outbox = Outbox()
    agent.send = outbox.add
    outcomes = Counter(
        "agents_order_intents_total",
        "Order intents by how the engine answered them",
        ["outcome"],
        registry=registry,
    )
    pending_gauge = Gauge(
        "agents_order_intents_pending",
        "Order intents not yet answered by the engine",
        registry=registry,
    )
    pending_gauge.set_function(lambda: len(outbox.pending()))
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

    def settle(record: OrderRecord) -> None:
        """Once per booked intent: its immediate trades become the agent's fills."""
        if record.status == "pending" or record.settled:
            return
        record.settled = True
        outcomes.labels(record.status).inc()
        if record.booking is None:
            return
        for price, quantity in record.booking.trades:
            agent.on_fill(
                record.intent.instrument, record.intent.side, quantity, price, maker=False
            )

    async def signals(request: Request) -> Response:
        try:
            signal = parse_signal(await request.body())
        except SignalError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        outcome = agent.decide(signal)
        if outcome.intent is None:
            return JSONResponse({"order": None, "reason": outcome.reason})
        record = next(r for r in reversed(outbox.records) if r.intent is outcome.intent)
        await deliver(engine, record)
        settle(record)
        status = {"booked": 201, "pending": 202}.get(record.status, 200)
        return JSONResponse(
            {"order": record.as_json(), "reason": outcome.reason}, status_code=status
        )

    async def orders(_: Request) -> Response:
        return JSONResponse(
            {
                "counts": outbox.counts(),
                "orders": [record.as_json() for record in outbox.recent()],
            }
        )

    async def redeliver_forever() -> None:
        while True:
            await asyncio.sleep(retry_seconds)
            for record in await deliver_pending(engine, outbox.pending()):
                settle(record)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(redeliver_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await engine.aclose()

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
            Route("/api/signals", signals, methods=["POST"]),
            Route("/api/orders", orders),
        ],
        lifespan=lifespan,
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=observe)],
    )
    app.state.readiness = state
    app.state.outbox = outbox
    return app


KNOWN_ROUTES = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/positions",
        "/api/risk/limits",
        "/api/signals",
        "/api/orders",
    }
)
# Probes and metrics see the release as it is served: fault injection leaves them alone.
UNFAULTED_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
