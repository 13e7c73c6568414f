from decimal import Decimal

import pytest

from agents.finance import FeeSchedule


@pytest.fixture
def schedule() -> FeeSchedule:
    return FeeSchedule(maker_bps=Decimal("-1"), taker_bps=Decimal("5"), minimum=Decimal("0.50"))


def test_taker_fee_in_basis_points_rounded_up_to_cent(schedule):
    # 12345.67 * 5 / 10000 = 6.172835 -> 6.18
    assert schedule.fee(Decimal("12345.67"), maker=False) == Decimal("6.18")


def test_minimum_fee_applies_to_small_taker_fills(schedule):
    assert schedule.fee(Decimal("100"), maker=False) == Decimal("0.50")


def test_maker_rebate_is_negative_and_skips_minimum(schedule):
    assert schedule.fee(Decimal("100000"), maker=True) == Decimal("-10.00")


def test_negative_notional_is_refused(schedule):
    with pytest.raises(ValueError, match="notional"):
        schedule.fee(Decimal("-1"), maker=False)


@pytest.mark.parametrize(
    ("taker", "minimum"), [(Decimal("-1"), Decimal(0)), (Decimal(1), Decimal("-1"))]
)
def test_schedule_rejects_negative_taker_or_minimum(taker, minimum):
    with pytest.raises(ValueError):
        FeeSchedule(Decimal(0), taker, minimum)
