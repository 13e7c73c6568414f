"""Pre-trade limits: per-instrument position, gross exposure and order size."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trading_core import OrderIntent, quantize


@dataclass(frozen=True)
class Decision:
    approved: bool
    quantity: Decimal
    reason: str


@dataclass(frozen=True)
class RiskLimits:
    max_position: Mapping[str, Decimal]
    max_gross_exposure: Decimal
    lot: Decimal = Decimal("0.001")
    # The largest order the venue takes per instrument (the engine refuses a larger one): every
    # approved order is capped at it, a reducing one included.
    max_order: Mapping[str, Decimal] = field(default_factory=dict)

    def check(
        self,
        intent: OrderIntent,
        positions: Mapping[str, Decimal],
        marks: Mapping[str, Decimal],
    ) -> Decision:
        """Approve, shrink, or reject an intent. Unknown instruments are rejected, never allowed."""
        decision = self._position_and_exposure(intent, positions, marks)
        cap = self.max_order.get(intent.instrument)
        if decision.approved and cap is not None and decision.quantity > cap:
            return Decision(True, cap, "reduced by order size limit")
        return decision

    def _position_and_exposure(
        self,
        intent: OrderIntent,
        positions: Mapping[str, Decimal],
        marks: Mapping[str, Decimal],
    ) -> Decision:
        position_limit = self.max_position.get(intent.instrument)
        if position_limit is None:
            return Decision(False, Decimal(0), f"no position limit for {intent.instrument}")

        other_gross = sum(
            (
                abs(qty) * marks[inst]
                for inst, qty in positions.items()
                if inst != intent.instrument
            ),
            Decimal(0),
        )
        exposure_limit = max(self.max_gross_exposure - other_gross, Decimal(0)) / intent.limit_price
        binding = "position limit" if position_limit <= exposure_limit else "gross exposure limit"
        max_abs = min(position_limit, exposure_limit)

        current = positions.get(intent.instrument, Decimal(0))
        signed = intent.quantity * intent.side.sign
        if abs(current + signed) <= max_abs or abs(current + signed) < abs(current):
            return Decision(True, intent.quantity, "within limits")

        # Room left in the order's direction: up to +max_abs or down to -max_abs.
        room = max_abs - current * intent.side.sign
        quantity = quantize(max(room, Decimal(0)), self.lot, round_down=True)
        if quantity == 0:
            return Decision(False, Decimal(0), f"rejected by {binding}")
        return Decision(True, quantity, f"reduced by {binding}")
