"""Money and quantity parsing: Decimal only, never binary floats."""

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation


class MoneyError(ValueError):
    """A value that cannot be used as an exact amount."""


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Parse an exact amount. Floats are refused: they carry binary rounding error."""
    if isinstance(value, bool | float):
        raise MoneyError(f"refusing {type(value).__name__} {value!r}: pass a str or Decimal")
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def quantize(value: Decimal, step: Decimal, *, round_down: bool = False) -> Decimal:
    """Round to a multiple of `step` (a tick or lot size).

    Prices use banker's rounding; sizes round down so an order never exceeds its budget.
    """
    if step <= 0:
        raise MoneyError(f"step must be positive, got {step}")
    units = (value / step).quantize(
        Decimal(1), rounding=ROUND_DOWN if round_down else ROUND_HALF_EVEN
    )
    return (units * step).quantize(step)
