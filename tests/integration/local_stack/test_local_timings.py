"""`python -m midtrans_local.timings`: cold starts and warm durations per function, from a stack's log."""

from __future__ import annotations

from midtrans_local import timings

PREFIX = "2026-11-27 08:38:34,797 INFO midtrans_local: "
LOG = [
    PREFIX + "INIT function=ConnectionFunction worker=1 pid=7838 init_ms=469 import_ms=427",
    PREFIX + "PUT /v1/connection -> 200 (ConnectionFunction, 575 ms) REPORT function=ConnectionFunction worker=1 "
    "pid=7838 start=cold init_ms=469 import_ms=427 duration_ms=105.7 wait_ms=0",
    '{"level":"INFO","message":"midtrans_action_executed","function_name":"ConnectionFunction"}',
    PREFIX + "PUT /v1/connection -> 200 (ConnectionFunction, 111 ms) REPORT function=ConnectionFunction worker=1 "
    "pid=7838 start=warm duration_ms=11.0 wait_ms=0",
    PREFIX + "POST /v1/actions -> 201 (ActionsFunction, 25 ms) REPORT function=ActionsFunction worker=2 pid=7901 "
    "start=warm duration_ms=23.9 wait_ms=3",
]


def test_reports_are_grouped_per_function():
    found = timings.parse_reports(LOG)

    assert list(found) == ["ConnectionFunction", "ActionsFunction"]
    connection = found["ConnectionFunction"]
    assert (connection.init_ms, connection.import_ms, connection.cold_ms, connection.warm_ms) == (
        [469.0],
        [427.0],
        [105.7],
        [11.0],
    )
    assert connection.workers == {"7838"}
    assert found["ActionsFunction"].init_ms == [] and found["ActionsFunction"].warm_ms == [23.9]


def test_the_table_has_a_row_per_function(tmp_path, capsys):
    log = tmp_path / "stack.log"
    log.write_text("\n".join(LOG) + "\n")

    assert timings.main([str(log)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split()[:3] == ["function", "workers", "cold"]
    assert rows[1].split() == ["ConnectionFunction", "1", "1", "469", "427", "106", "1", "11", "11"]
    assert rows[2].split() == ["ActionsFunction", "1", "0", "-", "-", "-", "1", "24", "24"]


def test_a_log_without_reports_is_an_error(tmp_path, capsys):
    log = tmp_path / "empty.log"
    log.write_text("nothing here\n")
    assert timings.main([str(log)]) == 1
    assert "no REPORT lines" in capsys.readouterr().err
