from decimal import Decimal

import pytest
from trading_core import Fill, Side

from agents.finance import Position

D = Decimal


def fill(side: Side, qty: str, price: str, fee: str = "0") -> Fill:
    return Fill("BTC-USD", side, D(qty), D(price), D(fee))


def test_buys_average_the_cost():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.BUY, "1", "100"))
    pos.apply(fill(Side.BUY, "1", "110"))
    assert pos.quantity == D(2)
    assert pos.average_price == D(105)
    assert pos.unrealized_pnl(D(120)) == D(30)


def test_partial_close_realizes_pnl_net_of_fees():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.BUY, "2", "100", fee="1"))
    pos.apply(fill(Side.SELL, "1", "130", fee="1"))
    assert pos.quantity == D(1)
    assert pos.average_price == D(100)
    assert pos.realized_pnl == D(28)
    assert pos.fees_paid == D(2)
    assert pos.total_pnl(D(130)) == D(58)


def test_full_close_resets_average_price():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.SELL, "1", "100"))
    pos.apply(fill(Side.BUY, "1", "90"))
    assert pos.quantity == 0
    assert pos.average_price == 0
    assert pos.realized_pnl == D(10)


def test_flip_opens_remainder_at_fill_price():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.BUY, "1", "100"))
    pos.apply(fill(Side.SELL, "3", "90"))
    assert pos.quantity == D(-2)
    assert pos.average_price == D(90)
    assert pos.realized_pnl == D(-10)
    assert pos.exposure(D(95)) == D(190)


def test_short_then_add_averages():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.SELL, "1", "100"))
    pos.apply(fill(Side.SELL, "1", "80"))
    assert pos.average_price == D(90)
    assert pos.unrealized_pnl(D(70)) == D(40)


def test_reducing_short_keeps_average():
    pos = Position("BTC-USD")
    pos.apply(fill(Side.SELL, "2", "100"))
    pos.apply(fill(Side.BUY, "1", "120"))
    assert pos.quantity == D(-1)
    assert pos.average_price == D(100)
    assert pos.realized_pnl == D(-20)


def test_fill_for_other_instrument_is_refused():
    pos = Position("ETH-USD")
    with pytest.raises(ValueError, match="BTC-USD"):
        pos.apply(fill(Side.BUY, "1", "1"))
