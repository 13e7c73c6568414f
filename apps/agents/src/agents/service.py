"""HTTP service (FastAPI): health, readiness, Prometheus metrics, the agent's state as JSON, and
signals in, order intents out to the execution engine. Its OpenAPI document is /openapi.json."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from trading_core import Signal

from agents.agent import TradingAgent
from agents.api_models import (
    ErrorOut,
    OrdersOut,
    PositionOut,
    PositionsOut,
    RiskLimitsOut,
    SignalIn,
    SignalOutcomeOut,
)
from agents.faults import FaultPlan, Faults
from agents.orders import (
    EngineClient,
    OrderRecord,
    SyncCursor,
    deliver,
    deliver_pending,
    sync_fills,
)
from agents.state import AgentState
from agents.state.memory import MemoryAgentState

# Buckets bracket the SLO thresholds (p95 500 ms in the deploy analysis).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}
# The HTTP API's own version (the document's info.version); not the package's, which the image,
# running the sources without installing the project, has no metadata for.
API_VERSION = "1.0.0"


def create_app(
    agent: TradingAgent | AgentState,
    registry: CollectorRegistry | None = None,
    faults: Faults | None = None,
    engine: EngineClient | None = None,
    retry_seconds: float = 2.0,
) -> FastAPI:
    """The agents' HTTP service over the agent's state (`agent`: a PostgreSQL-backed state, or a
    TradingAgent kept in the process). The agent's order intents go to its outbox and from there
    to the engine (`engine`; none: they are kept until one is configured); pending ones are tried
    again every `retry_seconds`, by whichever replica gets there."""
    registry = registry or CollectorRegistry()
    engine = engine or EngineClient(None)
    state: AgentState = MemoryAgentState(agent) if isinstance(agent, TradingAgent) else agent
    config = state.config
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
    outcomes = Counter(
        "agents_order_intents_total",
        "Order intents by how the engine answered them",
        ["outcome"],
        registry=registry,
    )
    Gauge(
        "agents_order_intents_pending",
        "Order intents not yet answered by the engine (as of this replica's last change)",
        registry=registry,
    ).set_function(lambda: state.pending_known)
    readiness = {"ready": True}
    breaker_state = Gauge(
        "circuit_breaker_state",
        "Circuit breaker state: 0 closed, 1 half-open, 2 open",
        ["circuit"],
        registry=registry,
    )
    breaker_opens = Counter(
        "circuit_breaker_opens_total",
        "Times a circuit breaker opened",
        ["circuit"],
        registry=registry,
    )
    breaker_state.labels("engine").set(0)
    breaker_opens.labels("engine")

    def breaker_changed(circuit: str, state: str) -> None:
        breaker_state.labels(circuit).set({"closed": 0, "half-opened": 1, "opened": 2}[state])
        if state == "opened":
            breaker_opens.labels(circuit).inc()

    engine.on_state.append(breaker_changed)

    async def settle(record: OrderRecord) -> None:
        """The engine's answer kept; once per intent (whichever replica records it first):
        counted, and its immediate trades become the agent's fills."""
        if await state.answered(record):
            outcomes.labels(record.status).inc()

    async def redeliver_forever() -> None:
        fills = SyncCursor()
        while True:
            await asyncio.sleep(retry_seconds)
            with contextlib.suppress(Exception):  # the database away: the next pass tries again
                for record in await deliver_pending(engine, await state.pending()):
                    await settle(record)
                # Orders that rested and were taken later: their fills become the agent's too.
                await sync_fills(engine, state, cursor=fills)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        opener = getattr(state, "open", None)
        if opener is not None:
            await opener()  # the database's pool and schema, in this event loop
        task = asyncio.create_task(redeliver_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await engine.aclose()
            await state.aclose()

    app = FastAPI(
        title="agents",
        version=API_VERSION,
        description="Trading agents: signals in, risk-checked order intents out to the engine.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )

    @app.get("/healthz", response_class=PlainTextResponse, responses={200: TEXT})
    async def healthz() -> str:
        return "ok"

    @app.get("/readyz", response_class=PlainTextResponse, responses={200: TEXT, 503: TEXT})
    async def readyz() -> Response:
        if not await state.ready():
            return PlainTextResponse("the agents' database does not answer", status_code=503)
        if (await state.view()).halted:
            return PlainTextResponse("halted by drawdown stop", status_code=503)
        ready = readiness["ready"]
        return PlainTextResponse(
            "ready" if ready else "not ready", status_code=200 if ready else 503
        )

    @app.get("/metrics", response_class=PlainTextResponse, responses={200: TEXT})
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/positions", response_model=PositionsOut)
    async def positions() -> PositionsOut:
        view = await state.view()
        return PositionsOut(
            equity=str(view.equity),
            halted=view.halted,
            positions=[
                PositionOut(
                    instrument=p.instrument,
                    quantity=str(p.quantity),
                    average_price=str(p.average_price),
                    realized_pnl=str(p.realized_pnl),
                    unrealized_pnl=str(p.unrealized_pnl(view.marks.get(i, p.average_price))),
                )
                for i, p in sorted(view.positions.items())
            ],
        )

    @app.get("/api/risk/limits", response_model=RiskLimitsOut)
    async def risk_limits() -> RiskLimitsOut:
        limits = config.limits
        view = await state.view()
        return RiskLimitsOut(
            max_gross_exposure=str(limits.max_gross_exposure),
            max_drawdown=str(config.max_drawdown),
            drawdown=str(view.drawdown),
            max_position={k: str(v) for k, v in sorted(limits.max_position.items())},
        )

    @app.post(
        "/api/signals",
        response_model=SignalOutcomeOut,
        responses={
            400: {"model": ErrorOut, "description": "The body is not JSON (or not UTF-8)"},
            201: {"model": SignalOutcomeOut, "description": "An order, booked by the engine"},
            202: {
                "model": SignalOutcomeOut,
                "description": "An order kept until the engine takes it",
            },
        },
        summary="A signal in; the order it makes, sent to the engine (200: none, or refused)",
    )
    async def signals(body: SignalIn, response: Response) -> SignalOutcomeOut:
        record, reason = await state.decide(Signal(body.instrument, body.strength, body.price))
        if record is None:
            return SignalOutcomeOut(order=None, reason=reason)
        await deliver(engine, record)
        await settle(record)
        response.status_code = {"booked": 201, "pending": 202}.get(record.status, 200)
        return SignalOutcomeOut.model_validate({"order": record.as_json(), "reason": reason})

    @app.get("/api/orders", response_model=OrdersOut)
    async def orders() -> OrdersOut:
        return OrdersOut.model_validate(
            {
                "counts": await state.counts(),
                "orders": [record.as_json() for record in await state.recent()],
            }
        )

    plan = FaultPlan(faults or Faults())

    @app.middleware("http")
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

    app.state.readiness = readiness
    app.state.agent_state = state
    app.state.engine = engine
    if isinstance(state, MemoryAgentState):
        app.state.outbox = state.outbox
    return app


KNOWN_ROUTES = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/api/positions",
        "/api/risk/limits",
        "/api/signals",
        "/api/orders",
    }
)
# Probes and metrics see the release as it is served: fault injection leaves them alone.
UNFAULTED_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
