"""A small evaluator of the CloudWatch metric math the alarms in template.yaml use, and of alarm state.

moto does not evaluate alarms, so the tests evaluate the template's own expressions (parsed from the file,
never copied) over synthetic per-period counts. Supported: numbers, metric ids, + - * /, comparisons, and
the functions IF and FILL with CloudWatch's semantics for a missing datapoint (None): arithmetic on a missing
value is missing, FILL replaces it. Anything else raises, so an expression this cannot read fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cfnlint.decode import cfn_yaml

from tests.conftest import ROOT

Value = float | None
TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>>=|<=|==|!=|[-+*/(),<>]))")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def load_template() -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.load(str(ROOT / "template.yaml"))
    return loaded


def alarms(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def tokenize(expression: str) -> list[str]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        found = TOKEN.match(expression, position)
        if not found or found.end() == position:
            raise ValueError(f"cannot read {expression[position:]!r}")
        tokens.append(found.group(found.lastgroup or ""))
        position = found.end()
    return tokens


class _Parser:
    """Recursive descent: comparison > sum > product > unary > atom. Produces a closure over a datapoint map."""

    def __init__(self, expression: str) -> None:
        self.tokens = tokenize(expression)
        self.position = 0
        self.names: set[str] = set()

    def parse(self) -> Callable[[Mapping[str, Value]], Value]:
        node = self.comparison()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.position]!r}")
        return node

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(f"expected {expected or 'a token'}, got {token!r}")
        self.position += 1
        return token

    def comparison(self) -> Callable[[Mapping[str, Value]], Value]:
        left = self.sum()
        if self.peek() in COMPARISONS:
            test, right = COMPARISONS[self.take()], self.sum()
            return lambda p: _apply(lambda a, b: float(test(a, b)), left(p), right(p))
        return left

    def sum(self) -> Callable[[Mapping[str, Value]], Value]:
        node = self.product()
        while self.peek() in ("+", "-"):
            op, left, right = self.take(), node, self.product()
            node = _binary(op, left, right)
        return node

    def product(self) -> Callable[[Mapping[str, Value]], Value]:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op, left, right = self.take(), node, self.unary()
            node = _binary(op, left, right)
        return node

    def unary(self) -> Callable[[Mapping[str, Value]], Value]:
        if self.peek() == "-":
            self.take()
            inner = self.unary()
            return lambda p: _apply(lambda a, _: -a, inner(p), 0.0)
        return self.atom()

    def atom(self) -> Callable[[Mapping[str, Value]], Value]:
        token = self.take()
        if token == "(":
            node = self.comparison()
            self.take(")")
            return node
        if re.fullmatch(r"\d+(\.\d+)?", token):
            number = float(token)
            return lambda _: number
        if self.peek() == "(":
            return self.call(token)
        self.names.add(token)
        return lambda p: p[token]

    def call(self, function: str) -> Callable[[Mapping[str, Value]], Value]:
        self.take("(")
        args = [self.comparison()]
        while self.peek() == ",":
            self.take()
            args.append(self.comparison())
        self.take(")")
        if function == "FILL" and len(args) == 2:
            series, filler = args
            return lambda p: series(p) if series(p) is not None else filler(p)
        if function == "IF" and len(args) == 3:
            condition, when_true, when_false = args
            return lambda p: _if(condition(p), when_true, when_false, p)
        raise ValueError(f"{function} with {len(args)} arguments is not supported here")


def _if(
    condition: Value,
    when_true: Callable[[Mapping[str, Value]], Value],
    when_false: Callable[[Mapping[str, Value]], Value],
    point: Mapping[str, Value],
) -> Value:
    if condition is None:
        return None
    return when_true(point) if condition else when_false(point)


def _apply(function: Callable[[float, float], float], left: Value, right: Value) -> Value:
    return None if left is None or right is None else function(left, right)


def _binary(
    op: str, left: Callable[[Mapping[str, Value]], Value], right: Callable[[Mapping[str, Value]], Value]
) -> Callable[[Mapping[str, Value]], Value]:
    operations: dict[str, Callable[[float, float], float]] = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
    }
    function = operations[op]
    return lambda p: _apply(function, left(p), right(p))


def referenced_ids(expression: str) -> set[str]:
    parser = _Parser(expression)
    parser.parse()
    return parser.names


def evaluate_query(alarm: Mapping[str, Any], period: Mapping[str, Value]) -> Value:
    """The ReturnData query's value for one period, given each MetricStat id's Sum (None = no datapoint)."""
    values: dict[str, Value] = {}
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            values[query["Id"]] = period.get(query["Id"])
    # Queries may refer to later ones; evaluate until everything resolved (the template has no cycles).
    pending = [q for q in alarm["Metrics"] if "Expression" in q]
    while pending:
        ready = [q for q in pending if referenced_ids(q["Expression"]) <= set(values)]
        if not ready:
            raise ValueError(f"unresolvable ids in {[q['Id'] for q in pending]}")
        for query in ready:
            values[query["Id"]] = _Parser(query["Expression"]).parse()(values)
            pending.remove(query)
    [returned] = [q["Id"] for q in alarm["Metrics"] if q.get("ReturnData", True)]
    return values[returned]


def alarm_state(alarm: Mapping[str, Any], periods: Sequence[Mapping[str, Value]]) -> str:
    """ALARM / OK / INSUFFICIENT_DATA after the last `EvaluationPeriods` periods (oldest first)."""
    window = list(periods)[-int(alarm["EvaluationPeriods"]) :]
    compare = {
        "GreaterThanThreshold": lambda v: v > alarm["Threshold"],
        "GreaterThanOrEqualToThreshold": lambda v: v >= alarm["Threshold"],
    }[alarm["ComparisonOperator"]]
    values = [evaluate_query(alarm, period) for period in window]
    treat = alarm.get("TreatMissingData", "missing")
    if all(value is None for value in values) and treat == "missing":
        return "INSUFFICIENT_DATA"
    breaching = 0
    for value in values:
        if value is None:
            breaching += treat == "breaching"
        else:
            breaching += compare(value)
    return "ALARM" if breaching >= int(alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"])) else "OK"
