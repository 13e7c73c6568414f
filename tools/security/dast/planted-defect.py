"""The agents with a planted defect, for the DAST's own test (tools/workspace-tests/dast.test.mjs):
a full-strength sell signal (strength -1, a documented, valid input) raises, answered 500."""

import agents.agent

_decide = agents.agent.TradingAgent.decide


def _defective(self, signal):
    if signal.strength == -1:
        raise ZeroDivisionError("planted defect: a full-strength sell divides by zero")
    return _decide(self, signal)


agents.agent.TradingAgent.decide = _defective

from agents.__main__ import main  # noqa: E402  (after the plant)

main()
