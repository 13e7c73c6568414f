from decimal import Decimal

import pytest

from trading_core import Fill, OrderIntent, Side, Signal


def test_side_sign():
    assert Side.BUY.sign == 1
    assert Side.SELL.sign == -1


def test_order_intent_notional():
    intent = OrderIntent("BTC-USD", Side.BUY, Decimal("0.5"), Decimal("40000"))
    assert intent.notional == Decimal("20000.0")


@pytest.mark.parametrize("strength", [Decimal("1.01"), Decimal("-1.5")])
def test_signal_rejects_out_of_range_strength(strength):
    with pytest.raises(ValueError, match="outside"):
        Signal("ETH-USD", strength, Decimal(100))


def test_signal_rejects_non_positive_price():
    with pytest.raises(ValueError, match="price"):
        Signal("ETH-USD", Decimal("0.5"), Decimal(0))


@pytest.mark.parametrize(
    ("qty", "price", "msg"),
    [(Decimal(0), Decimal(1), "quantity"), (Decimal(1), Decimal(-1), "price")],
)
def test_fill_validates(qty, price, msg):
    with pytest.raises(ValueError, match=msg):
        Fill("ETH-USD", Side.SELL, qty, price)
