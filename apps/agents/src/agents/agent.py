"""The agent loop: signals in, risk-checked order intents out."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trading_core import Fill, OrderIntent, Side, Signal, quantize

from agents.finance import FeeSchedule, Position
from agents.risk import DrawdownStop, RiskLimits, position_size

OrderSink = Callable[[OrderIntent], None]


@dataclass(frozen=True)
class AgentConfig:
    starting_equity: Decimal
    risk_fraction: Decimal
    stop_distance: Decimal
    entry_threshold: Decimal
    tick: Decimal
    lot: Decimal
    limits: RiskLimits
    fees: FeeSchedule
    max_drawdown: Decimal
    # Per-instrument price ticks (the venue's); instruments not listed use `tick`.
    ticks: Mapping[str, Decimal] = field(default_factory=dict)

    def tick_for(self, instrument: str) -> Decimal:
        return self.ticks.get(instrument, self.tick)


@dataclass(frozen=True)
class SignalOutcome:
    """What one signal came to: an intent to send, or the reason there is none."""

    intent: OrderIntent | None
    reason: str


@dataclass
class TradingAgent:
    config: AgentConfig
    send: OrderSink
    positions: dict[str, Position] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)
    # Signed quantity per instrument of the orders open: intents sent and not yet answered, and
    # what booked ones still rest on the engine's book. They count against the limits as if
    # filled, so neither a burst of signals nor resting orders filled later can exceed them.
    open_intents: dict[str, Decimal] = field(default_factory=dict)
    rejected: int = 0

    def __post_init__(self) -> None:
        self.stop = DrawdownStop(self.config.max_drawdown)
        self.stop.update(self.config.starting_equity)

    @property
    def halted(self) -> bool:
        return self.stop.tripped

    def equity(self) -> Decimal:
        pnl = sum(
            (p.total_pnl(self.marks.get(i, p.average_price)) for i, p in self.positions.items()),
            Decimal(0),
        )
        return self.config.starting_equity + pnl

    def on_signal(self, signal: Signal) -> OrderIntent | None:
        """Turn one signal into at most one order intent."""
        return self.decide(signal).intent

    def decide(self, signal: Signal) -> SignalOutcome:
        """Turn one signal into at most one order intent, sent to the sink, and say why."""
        self.marks[signal.instrument] = signal.price
        if self.stop.update(self.equity()):
            return SignalOutcome(None, "halted: the drawdown stop has tripped")
        if abs(signal.strength) < self.config.entry_threshold:
            return SignalOutcome(None, f"strength {signal.strength} below the entry threshold")

        tick = self.config.tick_for(signal.instrument)
        if signal.price <= tick:
            return SignalOutcome(None, f"price {signal.price} is not above one tick ({tick})")
        side = Side.BUY if signal.strength > 0 else Side.SELL
        stop_price = signal.price - side.sign * self.config.stop_distance
        size = position_size(
            self.equity(),
            self.config.risk_fraction * abs(signal.strength),
            signal.price,
            stop_price,
            self.config.lot,
        )
        if size == 0:
            return SignalOutcome(None, "position size rounds to zero lots")
        limit = quantize(signal.price, tick)
        intent = OrderIntent(signal.instrument, side, size, limit)
        decision = self.config.limits.check(intent, self.exposure(), self.marks)
        if not decision.approved:
            self.rejected += 1
            return SignalOutcome(None, f"risk limits: {decision.reason}")
        intent = OrderIntent(signal.instrument, side, decision.quantity, limit)
        self.send(intent)
        self.opened(intent, intent.quantity)
        return SignalOutcome(intent, "sent")

    def exposure(self) -> dict[str, Decimal]:
        """Per instrument: the filled position plus the open intents, as the limits see it."""
        held = {i: p.quantity for i, p in self.positions.items()}
        for instrument, quantity in self.open_intents.items():
            held[instrument] = held.get(instrument, Decimal(0)) + quantity
        return held

    def opened(self, intent: OrderIntent, quantity: Decimal) -> None:
        """Counts `quantity` of an intent as open (when sent) or, negative, no longer (refused,
        or filled: then it is in the position)."""
        change = intent.side.sign * quantity
        before = self.open_intents.get(intent.instrument, Decimal(0))
        self.open_intents[intent.instrument] = before + change

    def on_fill(
        self, instrument: str, side: Side, quantity: Decimal, price: Decimal, *, maker: bool
    ) -> Fill:
        fee = self.config.fees.fee(quantity * price, maker=maker)
        fill = Fill(instrument, side, quantity, price, fee)
        self.positions.setdefault(instrument, Position(instrument)).apply(fill)
        self.marks[instrument] = price
        return fill

    def run(self, signals: Iterable[Signal]) -> list[OrderIntent]:
        return [intent for s in signals if (intent := self.on_signal(s)) is not None]
