"""The lab: guided break-it scenarios over the client engine and the embedded server. No Qt.

    from playground.lab import SCENARIOS, find, run_scenario
    verdict = await run_scenario(find("code-replay"), server)

`SCENARIOS` lists attacks (playground.lab.attacks: tampered requests the server refuses),
faults (playground.lab.faulty: a misbehaving server the client catches) and the machine
client's mistakes (playground.lab.machine: the client credentials grant; playground.lab.exchange:
token exchange), sign-out (playground.lab.logout: OIDC RP-Initiated Logout) and the device
grant (playground.lab.device: RFC 8628).
"""

from playground.lab.attacks import SCENARIOS as ATTACKS
from playground.lab.device import SCENARIOS as DEVICE_SCENARIOS
from playground.lab.exchange import SCENARIOS as EXCHANGE_SCENARIOS
from playground.lab.faulty import SCENARIOS as FAULT_SCENARIOS
from playground.lab.hardening import SCENARIOS as HARDENING_SCENARIOS
from playground.lab.logout import SCENARIOS as LOGOUT_SCENARIOS
from playground.lab.machine import SCENARIOS as MACHINE_SCENARIOS
from playground.lab.model import ExchangeSummary, LabContext, Result, Scenario, Verdict
from playground.lab.runner import isolated, run_scenario, run_scenarios

SCENARIOS: tuple[Scenario, ...] = (*ATTACKS, *FAULT_SCENARIOS, *MACHINE_SCENARIOS,
                                   *EXCHANGE_SCENARIOS, *LOGOUT_SCENARIOS, *DEVICE_SCENARIOS,
                                   *HARDENING_SCENARIOS)
SCENARIOS_BY_NAME = {s.name: s for s in SCENARIOS}


def find(name: str) -> Scenario | None:
    return SCENARIOS_BY_NAME.get(name)


__all__ = [
    "SCENARIOS",
    "SCENARIOS_BY_NAME",
    "ExchangeSummary",
    "LabContext",
    "Result",
    "Scenario",
    "Verdict",
    "find",
    "isolated",
    "run_scenario",
    "run_scenarios",
]
