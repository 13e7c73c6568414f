from dataclasses import replace
from decimal import Decimal

from trading_core import OrderIntent, Side, Signal

from agents.agent import TradingAgent

D = Decimal


def test_strong_signal_sends_sized_limit_order(agent):
    intent = agent.on_signal(Signal("BTC-USD", D("0.5"), D("40000.004")))
    # equity 100000 * (0.01 * 0.5) / 100 stop distance = 5, at the 5 BTC limit
    assert intent == OrderIntent("BTC-USD", Side.BUY, D("5.000"), D("40000.00"))
    agent.send.assert_called_once_with(intent)


def test_weak_signal_does_nothing(agent):
    assert agent.on_signal(Signal("BTC-USD", D("0.1"), D(40000))) is None
    agent.send.assert_not_called()


def test_negative_signal_sells(agent):
    intent = agent.on_signal(Signal("ETH-USD", D("-0.4"), D(2000)))
    assert intent is not None
    assert intent.side is Side.SELL
    assert intent.quantity == D(4)


def test_risk_rejection_is_counted_and_not_sent(agent):
    agent.on_fill("BTC-USD", Side.BUY, D(5), D(40000), maker=True)
    agent.send.reset_mock()
    assert agent.on_signal(Signal("BTC-USD", D("0.9"), D(40000))) is None
    assert agent.rejected == 1
    agent.send.assert_not_called()


def test_fills_update_positions_with_fees(agent):
    fill = agent.on_fill("ETH-USD", Side.BUY, D(10), D(2000), maker=False)
    assert fill.fee == D("10.00")
    assert agent.positions["ETH-USD"].quantity == D(10)
    assert agent.equity() == D("99990.00")


def test_drawdown_halts_trading(agent):
    agent.on_fill("BTC-USD", Side.BUY, D(5), D(40000), maker=True)
    # A 2400 drop on 5 BTC loses 12000 of 100000: past the 10% stop.
    assert agent.on_signal(Signal("BTC-USD", D("0.9"), D(37600))) is None
    assert agent.halted
    agent.send.assert_not_called()


def test_size_below_one_lot_sends_nothing(config, mocker):
    wide_stop = TradingAgent(replace(config, stop_distance=D(10**9)), send=mocker.Mock())
    assert wide_stop.on_signal(Signal("BTC-USD", D("0.9"), D(40000))) is None
    wide_stop.send.assert_not_called()


def test_run_collects_intents(agent):
    intents = agent.run(
        [
            Signal("BTC-USD", D("0.1"), D(40000)),
            Signal("ETH-USD", D("0.5"), D(2000)),
        ]
    )
    assert [i.instrument for i in intents] == ["ETH-USD"]


def test_each_signal_says_why_it_sent_or_not(agent, config):
    assert "below the entry threshold" in agent.decide(Signal("BTC-USD", D("0.1"), D(40000))).reason
    tiny = TradingAgent(replace(config, lot=D(1000)), send=agent.send)
    assert tiny.decide(Signal("BTC-USD", D("0.5"), D(40000))).reason == (
        "position size rounds to zero lots"
    )
    agent.on_fill("BTC-USD", Side.BUY, D(5), D(40000), maker=True)
    assert agent.decide(Signal("BTC-USD", D("0.9"), D(40000))).reason.startswith("risk limits: ")
    agent.stop.tripped = True
    assert agent.decide(Signal("BTC-USD", D("0.9"), D(40000))).reason.startswith("halted")


def test_limit_prices_sit_on_each_instruments_tick(agent, config):
    ticked = TradingAgent(replace(config, ticks={"BTC-USD": D("0.5")}), send=agent.send)
    assert ticked.on_signal(Signal("BTC-USD", D("0.5"), D("40000.37"))).limit_price == D("40000.5")
    assert ticked.on_signal(Signal("ETH-USD", D("0.5"), D("2000.376"))).limit_price == D("2000.38")


def test_a_price_below_one_tick_makes_no_order_and_raises_nothing(agent, config):
    # Found by Schemathesis: 5e-324 divided by zero, a 0.3 buy was priced at 0.5 (one tick).
    ticked = TradingAgent(replace(config, ticks={"BTC-USD": D("0.5")}), send=agent.send)
    for price in (D("5e-324"), D("0.2"), D("0.3")):
        outcome = ticked.decide(Signal("BTC-USD", D("0.5"), price))
        assert outcome.intent is None
        assert outcome.reason == f"price {price} is not above one tick (0.5)"
    agent.send.assert_not_called()


def test_open_intents_count_against_the_limits_until_answered(agent):
    """Issue 28: a burst of signals could exceed the limits before the first fills arrived."""
    first = agent.on_signal(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
    assert first is not None and first.quantity == Decimal("5")
    assert agent.exposure() == {"BTC-USD": Decimal("5")}
    refused = agent.decide(Signal("BTC-USD", Decimal("0.5"), Decimal("40000")))
    assert refused.intent is None and refused.reason.startswith("risk limits"), refused.reason
    agent.opened(first, -first.quantity)  # answered: refused by the engine, say
    assert agent.exposure() == {"BTC-USD": Decimal("0")}
    assert agent.on_signal(Signal("BTC-USD", Decimal("0.5"), Decimal("40000"))) is not None
