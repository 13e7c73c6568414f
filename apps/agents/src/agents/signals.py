"""Parse a signal posted to the agents (`POST /api/signals`): instrument, price and strength."""

import json
from decimal import Decimal, InvalidOperation

from trading_core import Signal


class SignalError(ValueError):
    """A posted signal that cannot be used, with what is wrong in words."""


def _decimal(body: dict, name: str) -> Decimal:
    raw = body.get(name)
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise SignalError(f"{name}: expected a decimal number (as a string or number)")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as error:
        raise SignalError(f"{name}: {raw!r} is not a decimal number") from error
    if not value.is_finite():
        raise SignalError(f"{name}: {raw!r} is not a finite number")
    return value


def parse_signal(raw: bytes) -> Signal:
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SignalError(f"the body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise SignalError("the body must be a JSON object with instrument, price and strength")
    instrument = body.get("instrument")
    if not isinstance(instrument, str) or not 1 <= len(instrument) <= 32:
        raise SignalError("instrument: expected a name of 1 to 32 characters, e.g. BTC-USD")
    try:
        return Signal(instrument, _decimal(body, "strength"), _decimal(body, "price"))
    except ValueError as error:
        if isinstance(error, SignalError):
            raise
        raise SignalError(str(error)) from error
