"""`python -m midtrans_local.simulator [--host H] [--port N]`: run the simulator standalone."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from midtrans_local.simulator import BISNAP_SEEDED_ORDERS, PRODUCTION_SERVER_KEY, SANDBOX_SERVER_KEY, SEEDED_ORDERS
from midtrans_local.simulator.simulator import MidtransSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midtrans_local.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    args = parser.parse_args(argv)

    stopping = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    simulator = MidtransSimulator()
    url = simulator.start(host=args.host, port=args.port)
    print(f"Midtrans simulator listening on {url}", flush=True)
    print(f"  sandbox key:    {SANDBOX_SERVER_KEY}", flush=True)
    print(f"  production key: {PRODUCTION_SERVER_KEY}", flush=True)
    seeded = len(SEEDED_ORDERS) + len(BISNAP_SEEDED_ORDERS)
    print(f"  {seeded} seeded orders: curl {url}/__simulator/", flush=True)
    try:
        stopping.wait()
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
