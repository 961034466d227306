"""Cold starts and warm durations per function, from a local stack's log: `python -m midtrans_local.timings [LOG]`.

The stack logs one line per invocation with a `REPORT function=... worker=N pid=P start=cold|warm [init_ms=..
import_ms=..] duration_ms=.. wait_ms=..` part (and a `SUMMARY` line per function when it stops). This reads the
REPORT parts of a saved log (or stdin) and prints a table per function, e.g.

    make run 2>&1 | tee /tmp/stack.log        # then, from another terminal or after Ctrl-C:
    .venv/bin/python -m midtrans_local.timings /tmp/stack.log
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPORT = re.compile(r"REPORT (?P<fields>function=\S+(?: \w+=\S+)*)")


@dataclass
class FunctionTimings:
    function: str
    init_ms: list[float] = field(default_factory=list)  # cold starts: process start to handler imported
    import_ms: list[float] = field(default_factory=list)  # cold starts: the handler's import alone
    cold_ms: list[float] = field(default_factory=list)  # duration of the invocations that started a worker
    warm_ms: list[float] = field(default_factory=list)  # duration of the others
    workers: set[str] = field(default_factory=set)


def parse_reports(lines: Iterable[str]) -> dict[str, FunctionTimings]:
    """The REPORT parts of log lines, per function (in the order functions first appear)."""
    found: dict[str, FunctionTimings] = {}
    for line in lines:
        match = REPORT.search(line)
        if match is None:
            continue
        fields = dict(part.split("=", 1) for part in match.group("fields").split())
        timings = found.setdefault(fields["function"], FunctionTimings(fields["function"]))
        timings.workers.add(fields.get("pid", fields.get("worker", "?")))
        duration = float(fields.get("duration_ms", "0"))
        if fields.get("start") == "cold":
            timings.init_ms.append(float(fields.get("init_ms", "0")))
            timings.import_ms.append(float(fields.get("import_ms", "0")))
            timings.cold_ms.append(duration)
        else:
            timings.warm_ms.append(duration)
    return found


def table(timings: dict[str, FunctionTimings]) -> str:
    header = (
        f"{'function':<28} {'workers':>7} {'cold':>5} {'init ms':>8} {'import ms':>9} {'cold run ms':>11} "
        f"{'warm':>5} {'warm ms p50':>11} {'warm ms p95':>11}"
    )
    rows = [header]
    for item in timings.values():
        rows.append(
            f"{item.function:<28} {len(item.workers):>7} {len(item.cold_ms):>5} {_median(item.init_ms):>8} "
            f"{_median(item.import_ms):>9} {_median(item.cold_ms):>11} {len(item.warm_ms):>5} "
            f"{_median(item.warm_ms):>11} {_p95(item.warm_ms):>11}"
        )
    return "\n".join(rows)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def _p95(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]:.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midtrans_local.timings", description=__doc__.splitlines()[0])
    parser.add_argument("log", nargs="?", type=Path, help="the stack's log (stderr of make run); stdin by default")
    args = parser.parse_args(argv)
    if args.log is None:
        timings = parse_reports(sys.stdin)
    else:
        with args.log.open(encoding="utf-8", errors="replace") as log:
            timings = parse_reports(log)
    if not timings:
        print("no REPORT lines (is this a local stack's log, at LOG_LEVEL INFO, with workers?)", file=sys.stderr)
        return 1
    print(table(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
