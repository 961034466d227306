"""The alarms' metric math, read from template.yaml and computed over synthetic per-period counts.

CloudWatch (and moto) cannot be asked here, so `alarm_math` evaluates the template's expressions with
CloudWatch's rules for missing datapoints and TreatMissingData.
"""

from __future__ import annotations

import pytest

from .alarm_math import alarm_state, alarms, evaluate_query, load_template, tokenize

ALARMS = alarms(load_template())
FAILURE_RATE = ALARMS["ActionFailureRateAlarm"]
ROLLBACK = ALARMS["FlagRollbackAlarm"]
STREAK = ALARMS["TokenRefreshFailureAlarm"]


def counts(ok: int, failed: int = 0, timed_out: int = 0) -> dict[str, float | None]:
    """One 15-minute period as CloudWatch sums it. A timed-out invocation flushed ActionStarted (single_metric,
    at once) and nothing else; an explicit failure flushed ActionFailed, which the alarms do not need."""
    started = ok + failed + timed_out
    return {"started": float(started) if started else None, "succeeded": float(ok) if ok else None}


def test_the_evaluator_reads_what_it_supports_and_refuses_the_rest() -> None:
    assert tokenize("IF(a >= 20, 100 * (a - b) / a, 0)")[:4] == ["IF", "(", "a", ">="]
    alarm = {
        "Metrics": [
            {"Id": "x", "ReturnData": True, "Expression": "FILL(m, 0) + 1"},
            {"Id": "m", "ReturnData": False, "MetricStat": {}},
        ]
    }
    assert evaluate_query(alarm, {}) == 1.0
    assert evaluate_query(alarm, {"m": 2.0}) == 3.0
    with pytest.raises(ValueError, match="not supported"):
        evaluate_query({"Metrics": [{"Id": "x", "Expression": "SEARCH(m, 1)"}, {"Id": "m", "ReturnData": False}]}, {})


@pytest.mark.parametrize("alarm", [FAILURE_RATE, ROLLBACK], ids=["alarm1", "alarm3"])
def test_no_traffic_is_ok_not_insufficient_data(alarm) -> None:
    periods = [counts(ok=0)] * alarm["EvaluationPeriods"]
    assert evaluate_query(alarm, periods[0]) == 0.0  # FILL + IF: a value, not a missing datapoint
    assert alarm_state(alarm, periods) == "OK"


def test_alarm1_six_failed_of_a_hundred_alarms() -> None:
    assert evaluate_query(FAILURE_RATE, counts(ok=94, failed=6)) == pytest.approx(6.0)
    assert alarm_state(FAILURE_RATE, [counts(ok=94, failed=6)]) == "ALARM"


def test_alarm1_four_failed_of_a_hundred_is_ok() -> None:
    assert alarm_state(FAILURE_RATE, [counts(ok=96, failed=4)]) == "OK"


def test_alarm1_exactly_five_percent_is_ok_above_it_alarms() -> None:
    assert alarm_state(FAILURE_RATE, [counts(ok=95, failed=5)]) == "OK"
    assert alarm_state(FAILURE_RATE, [counts(ok=189, failed=11)]) == "ALARM"  # 5.5 %


def test_timed_out_invocations_count_as_failures() -> None:
    # No ActionFailed was ever flushed, yet started - succeeded sees them.
    assert alarm_state(FAILURE_RATE, [counts(ok=94, timed_out=6)]) == "ALARM"
    assert alarm_state(FAILURE_RATE, [counts(ok=94, failed=2, timed_out=4)]) == "ALARM"


def test_every_invocation_timing_out_alarms_even_without_a_succeeded_datapoint() -> None:
    # ActionSucceeded has no datapoint at all in the period: FILL makes it 0 instead of a missing result.
    assert evaluate_query(FAILURE_RATE, counts(ok=0, timed_out=30)) == 100.0
    assert alarm_state(FAILURE_RATE, [counts(ok=0, timed_out=30)]) == "ALARM"


def test_low_volume_never_pages() -> None:
    # Three calls at night, all failing: under the minimum volume the rate is 0.
    assert alarm_state(FAILURE_RATE, [counts(ok=0, failed=3)]) == "OK"
    assert alarm_state(FAILURE_RATE, [counts(ok=10, failed=9)]) == "OK"  # 19 actions
    assert alarm_state(FAILURE_RATE, [counts(ok=10, failed=10)]) == "ALARM"  # 20 actions


def test_alarm3_needs_an_hour_above_ten_percent() -> None:
    bad, fine = counts(ok=85, failed=15), counts(ok=95, failed=5)
    assert alarm_state(ROLLBACK, [bad, bad, bad, bad]) == "ALARM"
    assert alarm_state(ROLLBACK, [bad, bad, bad, fine]) == "OK"  # 45 minutes are not sustained
    assert alarm_state(ROLLBACK, [fine, bad, bad, bad]) == "OK"
    assert alarm_state(ROLLBACK, [counts(ok=90, failed=10)] * 4) == "OK"  # exactly 10 % is not above it
    assert alarm_state(ROLLBACK, [counts(ok=80, timed_out=20)] * 4) == "ALARM"


def test_alarm3_ignores_quiet_windows() -> None:
    quiet_but_failing = counts(ok=5, failed=5)
    assert alarm_state(ROLLBACK, [quiet_but_failing] * 4) == "OK"


def test_alarm2_fires_on_one_streak_and_is_ok_without_any() -> None:
    assert alarm_state(STREAK, [{"streaks": 1.0}]) == "ALARM"
    assert alarm_state(STREAK, [{"streaks": None}]) == "OK"
    assert alarm_state(STREAK, [{}]) == "OK"
