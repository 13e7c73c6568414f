from decimal import Decimal

import pytest
from trading_core import Fill, Side

from agents.finance import vwap


def test_vwap_weights_by_quantity():
    fills = [
        Fill("BTC-USD", Side.BUY, Decimal("1"), Decimal("100")),
        Fill("BTC-USD", Side.BUY, Decimal("3"), Decimal("200")),
    ]
    assert vwap(fills) == Decimal("175")


def test_vwap_is_exact_in_decimal():
    fills = [Fill("X", Side.SELL, Decimal("0.1"), Decimal("0.3")) for _ in range(3)]
    assert vwap(fills) == Decimal("0.3")


def test_vwap_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="undefined"):
        vwap([])
