from decimal import Decimal

import pytest

from agents.signals import SignalError, parse_signal


def test_a_signal_from_strings_or_numbers():
    signal = parse_signal(b'{"instrument": "BTC-USD", "price": "40000.5", "strength": 0.5}')
    assert (signal.instrument, signal.price, signal.strength) == (
        "BTC-USD",
        Decimal("40000.5"),
        Decimal("0.5"),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[1]", "JSON object"),
        (b'{"price": "1", "strength": "0.5"}', "instrument"),
        (b'{"instrument": "", "price": "1", "strength": "0.5"}', "instrument"),
        (b'{"instrument": "BTC-USD", "price": "abc", "strength": "0.5"}', "price: 'abc'"),
        (b'{"instrument": "BTC-USD", "price": true, "strength": "0.5"}', "price: expected"),
        (b'{"instrument": "BTC-USD", "price": "NaN", "strength": "0.5"}', "not a finite"),
        (b'{"instrument": "BTC-USD", "price": "1"}', "strength: expected"),
        (b'{"instrument": "BTC-USD", "price": "1", "strength": "2"}', "outside [-1, 1]"),
        (b'{"instrument": "BTC-USD", "price": "-1", "strength": "0.5"}', "must be positive"),
        (b"\xff", "not JSON"),
    ],
)
def test_unusable_signals_say_what_is_wrong(body, message):
    with pytest.raises(SignalError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_signal(body)
