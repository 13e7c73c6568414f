from decimal import Decimal

import pytest

from trading_core import MoneyError, quantize, to_decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1.10", Decimal("1.10")), (3, Decimal(3)), (Decimal("2.5"), Decimal("2.5"))],
)
def test_to_decimal_accepts_exact_inputs(raw, expected):
    assert to_decimal(raw) == expected


@pytest.mark.parametrize("raw", [0.1, True, "abc", "NaN", "Infinity", None])
def test_to_decimal_refuses_inexact_or_invalid(raw):
    with pytest.raises(MoneyError):
        to_decimal(raw)


def test_quantize_price_uses_bankers_rounding():
    assert quantize(Decimal("100.125"), Decimal("0.01")) == Decimal("100.12")
    assert quantize(Decimal("100.135"), Decimal("0.01")) == Decimal("100.14")


def test_quantize_size_rounds_down_to_lot():
    assert quantize(Decimal("7.99"), Decimal("0.5"), round_down=True) == Decimal("7.5")


def test_quantize_rejects_non_positive_step():
    with pytest.raises(MoneyError, match="step must be positive"):
        quantize(Decimal(1), Decimal(0))
