from decimal import Decimal

import pytest
from trading_core import OrderIntent, Side

from agents.risk import DrawdownStop, RiskLimits, position_size

D = Decimal


class TestPositionSize:
    def test_risk_over_stop_distance_rounded_down_to_lot(self):
        # 100000 * 0.01 / 300 = 3.3333.. -> 3.333
        assert position_size(D(100000), D("0.01"), D(1000), D(700), D("0.001")) == D("3.333")

    def test_no_equity_means_no_size(self):
        assert position_size(D(0), D("0.01"), D(10), D(9), D(1)) == 0

    @pytest.mark.parametrize("fraction", [D(0), D("0.051"), D(-1)])
    def test_risk_fraction_bounds(self, fraction):
        with pytest.raises(ValueError, match="risk fraction"):
            position_size(D(1000), fraction, D(10), D(9), D(1))

    def test_stop_at_entry_is_refused(self):
        with pytest.raises(ValueError, match="stop equals entry"):
            position_size(D(1000), D("0.01"), D(10), D(10), D(1))


@pytest.fixture
def limits() -> RiskLimits:
    return RiskLimits({"BTC-USD": D(5), "ETH-USD": D(100)}, max_gross_exposure=D(300000))


def intent(side: Side, qty: str, price: str = "40000", inst: str = "BTC-USD") -> OrderIntent:
    return OrderIntent(inst, side, D(qty), D(price))


class TestRiskLimits:
    def test_within_limits(self, limits):
        d = limits.check(intent(Side.BUY, "2"), {}, {})
        assert (d.approved, d.quantity, d.reason) == (True, D(2), "within limits")

    def test_unknown_instrument_is_rejected(self, limits):
        d = limits.check(intent(Side.BUY, "1", inst="DOGE-USD"), {}, {})
        assert not d.approved
        assert "DOGE-USD" in d.reason

    def test_position_limit_shrinks_order(self, limits):
        d = limits.check(intent(Side.BUY, "4"), {"BTC-USD": D(3)}, {"BTC-USD": D(40000)})
        assert (d.approved, d.quantity) == (True, D(2))
        assert d.reason == "reduced by position limit"

    def test_position_limit_rejects_when_full(self, limits):
        d = limits.check(intent(Side.BUY, "1"), {"BTC-USD": D(5)}, {"BTC-USD": D(40000)})
        assert not d.approved
        assert d.reason == "rejected by position limit"

    def test_reducing_a_position_is_always_allowed(self, limits):
        d = limits.check(intent(Side.SELL, "3"), {"BTC-USD": D(7)}, {"BTC-USD": D(40000)})
        assert (d.approved, d.quantity) == (True, D(3))

    def test_flip_is_capped_on_the_other_side(self, limits):
        d = limits.check(intent(Side.SELL, "10"), {"BTC-USD": D(2)}, {"BTC-USD": D(40000)})
        assert d.quantity == D(7)

    def test_an_order_is_capped_at_the_venues_per_order_maximum(self):
        """Issue 28: a large reducing order (an agent long 20 BTC selling 25) went to the engine
        whole, and the engine refused it (its per-order maximum is 10): the agent could not reduce
        at all. Orders are capped at the maximum the venue takes, reducing ones included."""
        capped = RiskLimits({"BTC-USD": D(5)}, D(10**7), max_order={"BTC-USD": D(10)})
        d = capped.check(intent(Side.SELL, "25"), {"BTC-USD": D(20)}, {"BTC-USD": D(40000)})
        assert (d.approved, d.quantity, d.reason) == (True, D(10), "reduced by order size limit")
        d = capped.check(intent(Side.SELL, "3"), {"BTC-USD": D(20)}, {"BTC-USD": D(40000)})
        assert (d.approved, d.quantity, d.reason) == (True, D(3), "within limits")
        d = capped.check(intent(Side.BUY, "1", inst="ETH-USD"), {}, {})
        assert not d.approved, "no cap named for an instrument changes nothing else"

    def test_gross_exposure_counts_other_instruments(self, limits):
        # ETH uses 100 * 2000 = 200000 of 300000; BTC room = 100000 / 40000 = 2.5
        d = limits.check(intent(Side.BUY, "4"), {"ETH-USD": D(100)}, {"ETH-USD": D(2000)})
        assert (d.approved, d.quantity) == (True, D("2.5"))
        assert d.reason == "reduced by gross exposure limit"

    def test_gross_exposure_exhausted_rejects(self, limits):
        d = limits.check(intent(Side.BUY, "1"), {"ETH-USD": D(-200)}, {"ETH-USD": D(2000)})
        assert not d.approved
        assert d.reason == "rejected by gross exposure limit"


class TestDrawdownStop:
    def test_trips_at_threshold_and_latches(self):
        stop = DrawdownStop(D("0.1"))
        assert not stop.update(D(1000))
        assert not stop.update(D(950))
        assert stop.update(D(900))
        assert stop.update(D(2000))  # stays tripped until reset
        assert stop.drawdown(D(1800)) == D("0.1")

    def test_reset_takes_new_peak(self):
        stop = DrawdownStop(D("0.2"))
        stop.update(D(100))
        stop.update(D(70))
        stop.reset(D(70))
        assert not stop.tripped
        assert stop.drawdown(D(63)) == D("0.1")

    def test_no_peak_means_no_drawdown(self):
        assert DrawdownStop(D("0.5")).drawdown(D(10)) == 0

    def test_rising_equity_has_zero_drawdown(self):
        stop = DrawdownStop(D("0.5"))
        stop.update(D(10))
        assert stop.drawdown(D(12)) == 0

    @pytest.mark.parametrize("limit", [D(0), D(1), D("1.5")])
    def test_limit_bounds(self, limit):
        with pytest.raises(ValueError):
            DrawdownStop(limit)
