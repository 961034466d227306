"""template.yaml against the action registry (`midtrans_native.registry.ACTION_TYPES`).

For every action type: its function exists and serves exactly the type's routes; its grants are what the type needs
(the agent gates for all, the confirmation state machine for types that move money and for no other, the order's
conversation recorded by types that act on a specific order's money and by no other); McpFunction,
which runs every type's operations, has exactly the union of their grants; the dashboard has the type's success-rate
and latency rows, and the failed-actions rule, query and log widget read its log group (and MCP's and the
notification function's). Every route in the template is declared, by the registry or by
template_model.NON_ACTION_ROUTES. Resources only some functions may touch (idempotency records, notification
receipts, the token index, the platform bus, reading order contexts) are granted to those functions only.

Each check is a function of the template dict that returns its problems, so the tests at the end can show that it
fails on a mutated copy of the template. docs/adding-an-action.md says what a new action type needs.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from typing import Any

import pytest
from pydantic import BaseModel

from midtrans_native.registry import (
    ACTION_TYPES,
    CANCEL_TRANSACTION,
    CHECK_PAYMENT_STATUS,
    CREATE_PAYMENT_LINK,
    REQUEST_REFUND,
    ActionTypeSpec,
    Route,
    resolve,
    resolve_model,
)
from tests.infra.template_model import (
    MCP_FUNCTION,
    NOTIFICATIONS_FUNCTION,
    dashboard_body,
    declared_routes,
    dimensions,
    function_grants,
    http_routes,
    log_groups,
    metric_rows,
    placeholder,
    serverless_functions,
    substituted,
    widget,
)
from tests.infra.template_model import dashboard as parse_dashboard
from tests.unit.alarm_math import referenced_ids

Grant = tuple[str, str]
FLAGS = {
    ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
    ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
}
# What every agent action's gates need: the flag, the configured actions, the connection and its credentials.
AGENT_GATES = {
    *FLAGS,
    ("dynamodb:Query", "ActionsTable"),
    ("dynamodb:GetItem", "ConnectionsTable"),
    ("kms:Decrypt", "CredentialsKey"),
}
# The confirmation state machine of the types that move money (ConfirmationStore: no DeleteItem, TTL cleans up;
# BatchGetItem: the first confirmation read comes with the tenant's, docs/decisions.md D29).
CONFIRMATIONS = {
    (f"dynamodb:{action}", "ConfirmationsTable") for action in ("BatchGetItem", "GetItem", "PutItem", "UpdateItem")
}
# Which conversation an order belongs to (OrderContextStore.remember: one PutItem), recorded by the types whose
# operations name a specific order's money (a payment link sent, a cancel or refund prompted), so that Midtrans'
# notification about that order reaches the conversation. Every type says whether it does: a new type that is in
# neither set fails, so its author decides.
RECORDS_ORDER_CONTEXT = {CREATE_PAYMENT_LINK.id, CANCEL_TRANSACTION.id, REQUEST_REFUND.id}
RECORDS_NO_ORDER_CONTEXT = {CHECK_PAYMENT_STATUS.id}  # reads a status: no order of its own to follow up
ORDER_CONTEXT_WRITE = {("dynamodb:PutItem", "OrderContextsTable")}
ORDER_CONTEXT_READS = {("dynamodb:GetItem", "OrderContextsTable"), ("dynamodb:BatchGetItem", "OrderContextsTable")}
# Resources only these functions may have any grant on. Powertools idempotency around the one refund call: the
# refund type's function and MCP, which runs it too. The notification function's own: its receipts, the token index
# that names a URL's tenant, and the platform bus it publishes to.
EXCLUSIVE_RESOURCES = {
    "IdempotencyTable": {REQUEST_REFUND.function_id, MCP_FUNCTION},
    "NotificationReceiptsTable": {NOTIFICATIONS_FUNCTION},
    "ConnectionsTable/index/NotificationTokenIndex": {NOTIFICATIONS_FUNCTION},
    "PlatformEventsBus": {NOTIFICATIONS_FUNCTION},
}
NAMESPACE = "MidtransNativeActions"
KPI_METRICS = ("ActionStarted", "ActionSucceeded")
PERCENTILES = ("p50", "p95", "p99")
MCP_LABEL = "mcp"
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


# ---------------------------------------------------------------- checks


def registry_route_problems(specs: Sequence[ActionTypeSpec]) -> list[str]:
    """Routes as the registry promises them: upper-case methods, /v1/ paths, unique, and a path's only parameter
    is the tool's `path_parameter`."""
    problems = []
    seen: set[tuple[str, str]] = set()
    for spec in specs:
        for tool in spec.tools:
            route = tool.route
            if route.method != route.method.upper():
                problems.append(f"{tool.name}: method {route.method!r} is not upper case")
            if not route.path.startswith("/v1/"):
                problems.append(f"{tool.name}: path {route.path} is not under /v1/")
            if (route.method, route.path) in seen:
                problems.append(f"{tool.name}: {route.method} {route.path} is another tool's route")
            seen.add((route.method, route.path))
            parameters = set(PATH_PARAMETER.findall(route.path))
            if parameters != ({tool.path_parameter} if tool.path_parameter else set()):
                problems.append(
                    f"{tool.name}: path parameters {sorted(parameters)} but path_parameter is {tool.path_parameter!r}"
                )
    return problems


def route_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """Each type's function serves exactly its routes, and the template has exactly the declared routes."""
    functions = serverless_functions(template)
    problems = []
    for spec in specs:
        if spec.function_id not in functions:
            problems.append(f"{spec.id}: the template has no function {spec.function_id}")
            continue
        served = {(r.method.upper(), r.path) for r in http_routes({spec.function_id: functions[spec.function_id]})}
        wanted = {(route.method, route.path) for route in spec.routes}
        if served != wanted:
            problems.append(f"{spec.function_id} serves {sorted(served)}, {spec.id} declares {sorted(wanted)}")
    in_template = {(r.function, r.method.upper(), r.path) for r in http_routes(functions)}
    problems.extend(f"undeclared route {m} {p} on {f}" for f, m, p in sorted(in_template - declared_routes(specs)))
    problems.extend(
        f"declared route {m} {p} on {f} is not in the template"
        for f, m, p in sorted(declared_routes(specs) - in_template)
    )
    return problems


def grant_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """The agent gates everywhere; confirmations exactly where money moves; the order's conversation recorded
    exactly where a type acts on an order; idempotency only where refunds run; the notification function's
    resources its own; order contexts read only by it."""
    grants = function_grants(serverless_functions(template))
    problems = []
    for spec in specs:
        have = grants.get(spec.function_id, set())
        if AGENT_GATES - have:
            problems.append(f"{spec.function_id} lacks the agent gates' {sorted(AGENT_GATES - have)}")
        order_contexts = {grant for grant in have if grant[1] == "OrderContextsTable"}
        if spec.id in RECORDS_ORDER_CONTEXT and order_contexts != ORDER_CONTEXT_WRITE:
            problems.append(
                f"{spec.function_id} acts on an order: its OrderContextsTable grants must be "
                f"{sorted(ORDER_CONTEXT_WRITE)}, not {sorted(order_contexts)}"
            )
        elif spec.id in RECORDS_NO_ORDER_CONTEXT and order_contexts:
            problems.append(f"{spec.function_id} records no order context but may use {sorted(order_contexts)}")
        elif spec.id not in RECORDS_ORDER_CONTEXT | RECORDS_NO_ORDER_CONTEXT:
            problems.append(f"{spec.id}: say whether it records order contexts (RECORDS_ORDER_CONTEXT or not)")
        confirmations = {grant for grant in have if grant[1] == "ConfirmationsTable"}
        if spec.moves_money and confirmations != CONFIRMATIONS:
            problems.append(
                f"{spec.function_id} moves money: its ConfirmationsTable grants must be "
                f"{sorted(CONFIRMATIONS)}, not {sorted(confirmations)}"
            )
        if not spec.moves_money and confirmations:
            problems.append(
                f"{spec.function_id} moves no money but may use ConfirmationsTable: {sorted(confirmations)}"
            )
    for resource, wanted in EXCLUSIVE_RESOURCES.items():
        holders = {name for name, have in grants.items() if any(target == resource for _, target in have)}
        if holders != wanted:
            problems.append(f"{resource} grants are held by {sorted(holders)}, not {sorted(wanted)}")
    readers = {name for name, have in grants.items() if have & ORDER_CONTEXT_READS}
    if readers != {NOTIFICATIONS_FUNCTION}:
        problems.append(f"OrderContextsTable is read by {sorted(readers)}, not ['{NOTIFICATIONS_FUNCTION}']")
    return problems


def mcp_grant_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """McpFunction runs every type's operations: exactly the union of their functions' grants."""
    grants = function_grants(serverless_functions(template))
    union: set[Grant] = set().union(*(grants.get(spec.function_id, set()) for spec in specs))
    have = grants.get(MCP_FUNCTION, set())
    problems = []
    if union - have:
        problems.append(f"{MCP_FUNCTION} lacks {sorted(union - have)}")
    if have - union:
        problems.append(f"{MCP_FUNCTION} has more than the action functions: {sorted(have - union)}")
    return problems


def success_rate_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """One expression row per type that counts in the KPI, labelled with its id, dividing that type's
    ActionSucceeded by its ActionStarted (metric rows with the service and action_type dimensions)."""
    service = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    counted = [spec.id for spec in specs if spec.counts_in_success_rate]
    rows = metric_rows(widget(parse_dashboard(template), "Success rate")["metrics"])
    problems = []
    metrics: dict[str, tuple[str, str]] = {}
    for fields, options in rows:
        if not fields:
            continue
        dims = dimensions(fields)
        if fields[0] != NAMESPACE or set(dims) != {"service", "action_type"} or dims["service"] != service:
            problems.append(f"success rate: row {list(fields)} is not {NAMESPACE} by service and action_type")
        metrics[options.get("id", "")] = (fields[1], dims.get("action_type", ""))
    labels = [options.get("label") for fields, options in rows if not fields and "expression" in options]
    if sorted(labels, key=str) != sorted(counted):
        problems.append(f"success rate: rows {labels}, types that count {counted}")
    for fields, options in rows:
        if fields or "expression" not in options:
            continue
        uses = {metrics.get(name, ("unknown id", name)) for name in referenced_ids(options["expression"])}
        wanted = {(metric, options.get("label")) for metric in KPI_METRICS}
        if uses != wanted:
            problems.append(f"success rate: {options.get('label')} computes from {sorted(uses)}, not {sorted(wanted)}")
    shown = set(metrics.values())
    wanted_metrics = {(metric, type_id) for type_id in counted for metric in KPI_METRICS}
    if shown != wanted_metrics:
        problems.append(f"success rate: metrics {sorted(shown)}, not {sorted(wanted_metrics)}")
    return problems


def latency_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """p50/p95/p99 of every type's function (labelled with the type's id) and of McpFunction (labelled mcp)."""
    wanted = {spec.function_id: spec.id for spec in specs} | {MCP_FUNCTION: MCP_LABEL}
    shown: dict[str, dict[str, str]] = {}
    for fields, options in metric_rows(widget(parse_dashboard(template), "Latency percentiles")["metrics"]):
        dims = dimensions(fields) if fields else {}
        function = str(dims.get("FunctionName", "")).removeprefix(placeholder(""))
        if fields[:2] != ("AWS/Lambda", "Duration") or not function:
            return [f"latency: row {list(fields)} is not a Lambda duration by function"]
        shown.setdefault(function, {})[options.get("stat", "")] = options.get("label", "")
    problems = []
    if set(shown) != set(wanted):
        problems.append(f"latency: rows for {sorted(shown)}, not {sorted(wanted)}")
    for function, label in wanted.items():
        expected = {stat: f"{label} {stat}" for stat in PERCENTILES}
        if function in shown and shown[function] != expected:
            problems.append(f"latency: {function} shows {shown[function]}, not {expected}")
    return problems


def failure_log_problems(template: dict[str, Any], specs: Sequence[ActionTypeSpec]) -> list[str]:
    """The top-failing-tenants rule, its saved query and the dashboard's failed-actions widget read exactly the log
    groups of every type's function, of McpFunction and of the notification function."""
    groups = log_groups(template)
    functions = [*(spec.function_id for spec in specs), MCP_FUNCTION, NOTIFICATIONS_FUNCTION]
    problems = [f"{name} has no log group" for name in functions if name not in groups]
    wanted = sorted(groups[name] for name in functions if name in groups)
    resources = template["Resources"]
    rule = json.loads(substituted(resources["TopFailingTenantsRule"]["Properties"]["RuleBody"]["Fn::Sub"], template))
    read_by = {
        "TopFailingTenantsRule": [name.removeprefix(placeholder("")) for name in rule["LogGroupNames"]],
        "TopFailingTenantsQuery": [
            ref["Ref"] for ref in resources["TopFailingTenantsQuery"]["Properties"]["LogGroupNames"]
        ],
        "the failed-actions log widget": [
            name.removeprefix(placeholder(""))
            for name in re.findall(r"SOURCE '([^']+)'", widget(parse_dashboard(template), "Failed actions")["query"])
        ],
    }
    for reader, names in read_by.items():
        if sorted(names) != wanted:
            problems.append(f"{reader} reads {sorted(names)}, not {wanted}")
    return problems


# ---------------------------------------------------------------- the template against the registry


def test_registry_routes_are_well_formed():
    assert registry_route_problems(ACTION_TYPES) == []


def test_each_action_types_function_serves_its_routes_and_no_route_is_undeclared(template):
    assert route_problems(template, ACTION_TYPES) == []


def test_action_functions_have_the_grants_their_type_needs(template):
    assert grant_problems(template, ACTION_TYPES) == []


def test_mcp_function_has_exactly_the_union_of_the_action_functions_grants(template):
    assert mcp_grant_problems(template, ACTION_TYPES) == []


def test_success_rate_widget_has_one_row_per_counted_type(template):
    assert success_rate_problems(template, ACTION_TYPES) == []


def test_latency_widget_has_every_action_function_and_mcp(template):
    assert latency_problems(template, ACTION_TYPES) == []


def test_failed_actions_are_read_from_every_action_function_and_mcp(template):
    assert failure_log_problems(template, ACTION_TYPES) == []


# ---------------------------------------------------------------- the checks fail when they should


@pytest.fixture
def mutable(template) -> dict[str, Any]:
    return copy.deepcopy(template)


def properties(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][name]["Properties"]
    return found


def statements(template: dict[str, Any], function: str) -> list[dict[str, Any]]:
    [policy] = [p for p in properties(template, function)["Policies"] if "Statement" in p]
    found: list[dict[str, Any]] = policy["Statement"]
    return found


def edit_dashboard(template: dict[str, Any], old: str, new: str) -> None:
    text, variables = dashboard_body(template)
    assert text.count(old) == 1, old
    body = properties(template, "OperationsDashboard")["DashboardBody"]
    body["Fn::Sub"] = [text.replace(old, new), variables] if variables else text.replace(old, new)


def test_registry_route_check_catches_malformed_routes():
    [ask, decide] = REQUEST_REFUND.tools
    broken = REQUEST_REFUND._replace(
        tools=(
            ask._replace(route=Route("post", "/refunds")),
            decide._replace(route=Route("POST", "/v1/refunds/{id}/decision")),
        ),
    )
    twice = CHECK_PAYMENT_STATUS._replace(id="twice")
    assert registry_route_problems([CHECK_PAYMENT_STATUS, twice, broken]) == [
        "check_payment_status: POST /v1/payments/status is another tool's route",
        "request_refund: method 'post' is not upper case",
        "request_refund: path /refunds is not under /v1/",
        "request_refund_decision: path parameters ['id'] but path_parameter is 'confirmation_id'",
    ]


def test_route_check_catches_a_missing_an_extra_and_a_moved_route(mutable):
    events = properties(mutable, "RequestRefundFunction")["Events"]
    del events["DecideRefund"]
    properties(mutable, "ActionsFunction")["Events"]["Sneaky"] = {
        "Type": "HttpApi",
        "Properties": {"ApiId": {"Ref": "MidtransActionsApi"}, "Method": "get", "Path": "/v1/sneaky"},
    }
    properties(mutable, "CreatePaymentLinkFunction")["Events"]["CreatePaymentLink"]["Properties"]["Method"] = "put"
    renamed = CHECK_PAYMENT_STATUS._replace(function_id="StatusFunction")
    assert route_problems(mutable, [renamed, *ACTION_TYPES[1:]]) == [
        "check_payment_status: the template has no function StatusFunction",
        "CreatePaymentLinkFunction serves [('PUT', '/v1/payment-links')], create_payment_link declares "
        "[('POST', '/v1/payment-links')]",
        "RequestRefundFunction serves [('POST', '/v1/refunds')], request_refund declares "
        "[('POST', '/v1/refunds'), ('POST', '/v1/refunds/{confirmation_id}/decision')]",
        "undeclared route GET /v1/sneaky on ActionsFunction",
        "undeclared route POST /v1/payments/status on CheckPaymentStatusFunction",
        "undeclared route PUT /v1/payment-links on CreatePaymentLinkFunction",
        "declared route POST /v1/payment-links on CreatePaymentLinkFunction is not in the template",
        "declared route POST /v1/refunds/{confirmation_id}/decision on RequestRefundFunction is not in the template",
        "declared route POST /v1/payments/status on StatusFunction is not in the template",
    ]


def test_grant_check_catches_missing_gates_and_misplaced_confirmations_and_idempotency(mutable):
    cancel = statements(mutable, "CancelTransactionFunction")
    confirmations = next(s for s in cancel if s["Sid"] == "ConfirmationStateMachine")
    cancel.remove(confirmations)
    statements(mutable, "CheckPaymentStatusFunction").append(confirmations)
    properties(mutable, "CreatePaymentLinkFunction")["Policies"] = [
        p for p in properties(mutable, "CreatePaymentLinkFunction")["Policies"] if "KMSDecryptPolicy" not in p
    ]
    refund_idempotency = next(s for s in statements(mutable, "RequestRefundFunction") if s["Sid"].endswith("Records"))
    statements(mutable, "ActionsFunction").append(refund_idempotency)
    problems = grant_problems(mutable, ACTION_TYPES)
    assert problems == [
        "CheckPaymentStatusFunction moves no money but may use ConfirmationsTable: "
        "[('dynamodb:BatchGetItem', 'ConfirmationsTable'), ('dynamodb:GetItem', 'ConfirmationsTable'), "
        "('dynamodb:PutItem', 'ConfirmationsTable'), ('dynamodb:UpdateItem', 'ConfirmationsTable')]",
        "CreatePaymentLinkFunction lacks the agent gates' [('kms:Decrypt', 'CredentialsKey')]",
        "CancelTransactionFunction moves money: its ConfirmationsTable grants must be "
        "[('dynamodb:BatchGetItem', 'ConfirmationsTable'), ('dynamodb:GetItem', 'ConfirmationsTable'), "
        "('dynamodb:PutItem', 'ConfirmationsTable'), ('dynamodb:UpdateItem', 'ConfirmationsTable')], not []",
        "IdempotencyTable grants are held by ['ActionsFunction', 'McpFunction', 'RequestRefundFunction'], "
        "not ['McpFunction', 'RequestRefundFunction']",
    ]


def test_grant_check_catches_misplaced_order_contexts_and_notification_resources(mutable):
    # The refund function forgets to record the order's conversation; the status check records one; the status
    # check also reads order contexts and publishes to the bus; the connection function claims receipts.
    refund = statements(mutable, "RequestRefundFunction")
    record = next(s for s in refund if s["Sid"] == "RecordOrderContext")
    refund.remove(record)
    notifications = statements(mutable, NOTIFICATIONS_FUNCTION)
    reads = next(s for s in notifications if s["Sid"] == "ReadOrderContexts")
    publish = next(s for s in notifications if s["Sid"] == "PublishPlatformEvents")
    statements(mutable, "CheckPaymentStatusFunction").extend([record, reads, publish])
    receipts = next(s for s in notifications if s["Sid"] == "NotificationReceipts")
    statements(mutable, "ConnectionFunction").append(receipts)
    unclassified = CHECK_PAYMENT_STATUS._replace(id="check_something_else")
    assert grant_problems(mutable, [*ACTION_TYPES, unclassified]) == [
        "CheckPaymentStatusFunction records no order context but may use "
        "[('dynamodb:BatchGetItem', 'OrderContextsTable'), ('dynamodb:GetItem', 'OrderContextsTable'), "
        "('dynamodb:PutItem', 'OrderContextsTable')]",
        "RequestRefundFunction acts on an order: its OrderContextsTable grants must be "
        "[('dynamodb:PutItem', 'OrderContextsTable')], not []",
        "check_something_else: say whether it records order contexts (RECORDS_ORDER_CONTEXT or not)",
        f"NotificationReceiptsTable grants are held by ['ConnectionFunction', '{NOTIFICATIONS_FUNCTION}'], "
        f"not ['{NOTIFICATIONS_FUNCTION}']",
        f"PlatformEventsBus grants are held by ['CheckPaymentStatusFunction', '{NOTIFICATIONS_FUNCTION}'], "
        f"not ['{NOTIFICATIONS_FUNCTION}']",
        f"OrderContextsTable is read by ['CheckPaymentStatusFunction', '{NOTIFICATIONS_FUNCTION}'], "
        f"not ['{NOTIFICATIONS_FUNCTION}']",
    ]


def test_mcp_grant_check_catches_a_missing_and_an_extra_grant(mutable):
    mcp = statements(mutable, MCP_FUNCTION)
    mcp.remove(next(s for s in mcp if s["Sid"] == "BiSnapTokenCache"))
    mcp.append(
        {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": {"Fn::GetAtt": ["ActionsTable", "Arn"]}}
    )
    assert mcp_grant_problems(mutable, ACTION_TYPES) == [
        f"{MCP_FUNCTION} lacks [('dynamodb:GetItem', 'TokenCacheTable'), ('dynamodb:UpdateItem', 'TokenCacheTable')]",
        f"{MCP_FUNCTION} has more than the action functions: [('dynamodb:DeleteItem', 'ActionsTable')]",
    ]


def test_success_rate_check_catches_crossed_ids_a_missing_row_and_a_wrong_dimension(mutable):
    edit_dashboard(mutable, '"100 * FILL(ok2, 0) / st2"', '"100 * FILL(ok1, 0) / st2"')
    edit_dashboard(
        mutable, '"action_type", "cancel_transaction", {"id": "ok3"', '"action_type", "cancel", {"id": "ok3"'
    )
    not_counted = REQUEST_REFUND._replace(counts_in_success_rate=False)
    assert success_rate_problems(mutable, [*ACTION_TYPES[:3], not_counted]) == [
        "success rate: rows ['check_payment_status', 'create_payment_link', 'cancel_transaction', 'request_refund'], "
        "types that count ['check_payment_status', 'create_payment_link', 'cancel_transaction']",
        "success rate: create_payment_link computes from [('ActionStarted', 'create_payment_link'), "
        "('ActionSucceeded', 'check_payment_status')], not [('ActionStarted', 'create_payment_link'), "
        "('ActionSucceeded', 'create_payment_link')]",
        "success rate: cancel_transaction computes from [('ActionStarted', 'cancel_transaction'), "
        "('ActionSucceeded', 'cancel')], not [('ActionStarted', 'cancel_transaction'), "
        "('ActionSucceeded', 'cancel_transaction')]",
        "success rate: metrics [('ActionStarted', 'cancel_transaction'), ('ActionStarted', 'check_payment_status'), "
        "('ActionStarted', 'create_payment_link'), ('ActionStarted', 'request_refund'), "
        "('ActionSucceeded', 'cancel'), ('ActionSucceeded', 'check_payment_status'), "
        "('ActionSucceeded', 'create_payment_link'), ('ActionSucceeded', 'request_refund')], not "
        "[('ActionStarted', 'cancel_transaction'), ('ActionStarted', 'check_payment_status'), "
        "('ActionStarted', 'create_payment_link'), ('ActionSucceeded', 'cancel_transaction'), "
        "('ActionSucceeded', 'check_payment_status'), ('ActionSucceeded', 'create_payment_link')]",
    ]


def test_latency_check_catches_a_missing_function_and_a_wrong_label(mutable):
    # McpFunction's p50 row now names RequestRefundFunction: its "..." rows follow it.
    edit_dashboard(
        mutable,
        '"${McpFunction}", {"stat": "p50", "label": "mcp p50"}',
        '"${RequestRefundFunction}", {"stat": "p50", "label": "refund p50"}',
    )
    assert latency_problems(mutable, ACTION_TYPES) == [
        "latency: rows for ['CancelTransactionFunction', 'CheckPaymentStatusFunction', 'CreatePaymentLinkFunction', "
        "'RequestRefundFunction'], not ['CancelTransactionFunction', 'CheckPaymentStatusFunction', "
        "'CreatePaymentLinkFunction', 'McpFunction', 'RequestRefundFunction']",
        "latency: RequestRefundFunction shows {'p50': 'refund p50', 'p95': 'mcp p95', 'p99': 'mcp p99'}, not "
        "{'p50': 'request_refund p50', 'p95': 'request_refund p95', 'p99': 'request_refund p99'}",
    ]


def test_failure_log_check_catches_a_log_group_left_out_of_each_reader(mutable):
    rule = properties(mutable, "TopFailingTenantsRule")["RuleBody"]
    assert rule["Fn::Sub"].count('"${MidtransNotificationsLogGroup}"') == 1
    rule["Fn::Sub"] = (
        rule["Fn::Sub"].replace(', "${McpLogGroup}"', "").replace(', "${MidtransNotificationsLogGroup}"', "")
    )
    properties(mutable, "TopFailingTenantsQuery")["LogGroupNames"].pop(0)
    edit_dashboard(mutable, " | SOURCE '${McpLogGroup}'", " | SOURCE '${ActionsLogGroup}'")
    agents = "CancelTransactionLogGroup', 'CheckPaymentStatusLogGroup', 'CreatePaymentLinkLogGroup'"
    tail = "'MidtransNotificationsLogGroup', 'RequestRefundLogGroup'"
    wanted = f"['{agents}, 'McpLogGroup', {tail}]"
    assert failure_log_problems(mutable, ACTION_TYPES) == [
        f"TopFailingTenantsRule reads ['{agents}, 'RequestRefundLogGroup'], not {wanted}",
        "TopFailingTenantsQuery reads ['CancelTransactionLogGroup', 'CreatePaymentLinkLogGroup', 'McpLogGroup', "
        f"{tail}], not {wanted}",
        f"the failed-actions log widget reads ['ActionsLogGroup', '{agents}, {tail}], not {wanted}",
    ]
    ghost = CHECK_PAYMENT_STATUS._replace(function_id="GhostFunction")
    assert failure_log_problems(mutable, [ghost])[0] == "GhostFunction has no log group"


def test_metric_rows_expand_cloudwatch_shorthand_and_log_groups_are_found_by_function():
    rows = [
        [{"expression": "a / b", "id": "r"}],
        ["AWS/Lambda", "Duration", "FunctionName", "f1", {"stat": "p50"}],
        ["...", {"stat": "p95"}],
        [".", ".", ".", "f2"],
        ["...", "f3", {"stat": "p99"}],
    ]
    assert metric_rows(rows) == [
        ((), {"expression": "a / b", "id": "r"}),
        (("AWS/Lambda", "Duration", "FunctionName", "f1"), {"stat": "p50"}),
        (("AWS/Lambda", "Duration", "FunctionName", "f1"), {"stat": "p95"}),
        (("AWS/Lambda", "Duration", "FunctionName", "f2"), {}),
        (("AWS/Lambda", "Duration", "FunctionName", "f3"), {"stat": "p99"}),
    ]
    assert dimensions(("NS", "Metric", "service", "s", "action_type", "a")) == {"service": "s", "action_type": "a"}
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${F}"}}}
    other = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": {"Fn::Sub": "/aws/apigateway/${F}"}}}
    assert log_groups({"Resources": {"FLogs": group, "ApiLogs": other}}) == {"F": "FLogs"}


def test_every_import_path_the_registry_names_resolves_to_what_it_should_be() -> None:
    for spec in ACTION_TYPES:
        assert spec.defaults is None or issubclass(spec.defaults, BaseModel)
        for tool in spec.tools:
            assert callable(resolve(tool.operation)), tool.operation
            for model in (tool.arguments, tool.body, tool.request, tool.response):
                assert issubclass(model, BaseModel)
    with pytest.raises(TypeError, match="is not a pydantic model"):
        resolve_model("midtrans_native.agent_operations:call_tool")
