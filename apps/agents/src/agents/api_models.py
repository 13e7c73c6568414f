"""The agents' HTTP API types: what the OpenAPI document (`/openapi.json`) describes.

Money and quantities travel as decimal strings, so no float ever rounds them.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DecimalString = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$", examples=["40000.5"])]


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class SignalIn(ApiModel):
    """A model's view on an instrument: strength in [-1, 1] at a reference price."""

    instrument: str = Field(min_length=1, max_length=32, examples=["BTC-USD"])
    # At most 12 whole digits and 8 places: what the sizing's 28-digit arithmetic keeps exact.
    price: Decimal = Field(
        gt=0, max_digits=20, decimal_places=8, allow_inf_nan=False, examples=["40000"]
    )
    strength: Decimal = Field(ge=-1, le=1, decimal_places=6, allow_inf_nan=False, examples=["0.5"])


class ErrorOut(BaseModel):
    detail: str


class OrderOut(ApiModel):
    client_order_id: str
    instrument: str
    side: Literal["buy", "sell"]
    quantity: DecimalString
    limit_price: DecimalString
    status: Literal["pending", "booked", "refused"]
    attempts: int
    last_error: str | None
    engine_order_id: int | None
    filled_quantity: DecimalString


class SignalOutcomeOut(ApiModel):
    """What the signal came to: the order it made (and how the engine answered), or why none."""

    order: OrderOut | None
    reason: str


class OrderCounts(ApiModel):
    pending: int
    booked: int
    refused: int


class OrdersOut(ApiModel):
    counts: OrderCounts
    orders: list[OrderOut]


class PositionOut(ApiModel):
    instrument: str
    quantity: DecimalString
    average_price: DecimalString
    realized_pnl: DecimalString
    unrealized_pnl: DecimalString


class PositionsOut(ApiModel):
    equity: DecimalString
    halted: bool
    positions: list[PositionOut]


class RiskLimitsOut(ApiModel):
    max_gross_exposure: DecimalString
    max_drawdown: DecimalString
    drawdown: DecimalString
    max_position: dict[str, DecimalString]
