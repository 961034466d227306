"""A local, stateful simulator of the Midtrans APIs this project uses (see docs/simulator.md).

from midtrans_local.simulator import MidtransSimulator
sim = MidtransSimulator()
base_url = sim.start()          # http://127.0.0.1:<free port>
"""

from midtrans_local.simulator.auth import PRODUCTION_SERVER_KEY, SANDBOX_SERVER_KEY, basic_auth_header
from midtrans_local.simulator.scenarios import SCENARIO_ORDERS
from midtrans_local.simulator.seed import (
    BISNAP_SEEDED_ORDERS,
    SCENARIO_SEEDED_ORDERS,
    SEEDED_ORDERS,
    transaction_id_for,
)
from midtrans_local.simulator.simulator import MidtransSimulator

__all__ = [
    "BISNAP_SEEDED_ORDERS",
    "PRODUCTION_SERVER_KEY",
    "SANDBOX_SERVER_KEY",
    "SCENARIO_ORDERS",
    "SCENARIO_SEEDED_ORDERS",
    "SEEDED_ORDERS",
    "MidtransSimulator",
    "basic_auth_header",
    "transaction_id_for",
]
