"""Every DynamoDB/KMS/EventBridge call the layer's stores make is allowed by some function's policy.

moto does not enforce IAM, so a store that switches from PutItem to UpdateItem passes every local
test and fails only in AWS with AccessDenied. This test reads the stores' calls (ast, no import) and
checks them against the grants in template.yaml. A call on an index (`IndexName=`) needs its grant on the index's
ARN (`${Table.Arn}/index/<name>`), which the table's ARN does not cover.
"""

from __future__ import annotations

import ast
import re

# Which resource each store's calls act on. A new store with AWS calls must be added here.
STORE_TABLES = {
    "connections.py": "ConnectionsTable",
    "token_cache.py": "TokenCacheTable",
    "confirmations.py": "ConfirmationsTable",
    "actions.py": "ActionsTable",
    "notification_receipts.py": "NotificationReceiptsTable",
    "order_contexts.py": "OrderContextsTable",
    "platform_events.py": "PlatformEventsBus",
}
SERVICES = ("dynamodb", "kms", "events")
# IAM has no TransactWriteItems action: each write inside the transaction needs its own grant.
TRANSACTION_WRITES = ("PutItem", "DeleteItem")
KMS_KEY = "CredentialsKey"


def aws_calls(source: str) -> set[tuple[str, str, str | None]]:
    """(service, operation, index) of calls like `self._dynamodb.update_item(...)` -> ("dynamodb", "UpdateItem",
    None); `IndexName=` (a literal, or a module-level constant) gives the index."""
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        for service in SERVICES:
            if re.fullmatch(rf"_?{service}(_client)?", owner_name):
                operation = "".join(part.capitalize() for part in node.func.attr.split("_"))
                calls.add((service, operation, _index_name(node, constants)))
    return calls


def _index_name(call: ast.Call, constants: dict[str, str]) -> str | None:
    for keyword in call.keywords:
        if keyword.arg != "IndexName":
            continue
        if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
            return keyword.value.value
        if isinstance(keyword.value, ast.Name) and keyword.value.id in constants:
            return constants[keyword.value.id]
        return "<unreadable IndexName>"  # fails the grant check: make it a literal or a module constant
    return None


def test_call_scanner_reads_client_calls_only():
    source = (
        "BY_OWNER = 'OwnerIndex'\n"
        "class S:\n"
        "    def f(self, kms):\n"
        "        self._dynamodb.update_item(Key={})\n"
        "        self._dynamodb.query(TableName=t, IndexName=BY_OWNER)\n"
        "        self._dynamodb.query(TableName=t, IndexName='Other')\n"
        "        kms.generate_data_key(KeyId='k')\n"
        "        self._events.put_events(Entries=[])\n"
        "        self._table.get('x')\n"
    )
    assert aws_calls(source) == {
        ("dynamodb", "UpdateItem", None),
        ("dynamodb", "Query", "OwnerIndex"),
        ("dynamodb", "Query", "Other"),
        ("kms", "GenerateDataKey", None),
        ("events", "PutEvents", None),
    }


def test_every_store_call_is_granted(repo_root, grants):
    allowed = set().union(*grants.values())
    stores = sorted((repo_root / "shared" / "midtrans_native" / "stores").glob("*.py"))
    missing, unmapped, checked = [], [], 0
    for path in stores:
        calls = aws_calls(path.read_text(encoding="utf-8"))
        if calls and path.name not in STORE_TABLES:
            unmapped.append(path.name)
        for service, operation, index in sorted(calls, key=str):
            resource = KMS_KEY if service == "kms" else STORE_TABLES.get(path.name, "?")
            if index:
                resource = f"{resource}/index/{index}"
            for needed in TRANSACTION_WRITES if operation == "TransactWriteItems" else (operation,):
                checked += 1
                if (f"{service}:{needed}", resource) not in allowed:
                    missing.append(f"{path.name}: {service}:{needed} on {resource}")
    assert unmapped == []
    assert missing == []
    assert checked > 0


def test_the_action_index_writes_are_granted_where_actions_are_managed(repo_root, grants):
    """ActionStore writes outside its own table: the index on the connection item (an Update inside its
    TransactWriteItems) after a consistent GetItem of that item. The scanner above maps a store to one table,
    so these two are checked by name: the source must still make them, and ActionsFunction must be allowed."""
    source = (repo_root / "shared" / "midtrans_native" / "stores" / "actions.py").read_text(encoding="utf-8")
    assert '"Update": {' in source and "TableName=self._connections" in source
    assert {("dynamodb:UpdateItem", "ConnectionsTable"), ("dynamodb:GetItem", "ConnectionsTable")} <= grants[
        "ActionsFunction"
    ]


def test_the_read_along_is_granted_where_confirmations_are_read(repo_root, grants):
    """ConnectionStore.tenant_and_item reads the tenant's item and a confirmation item in one BatchGetItem (and
    falls back to GetItem on that table for an unprocessed key). The scanner maps connections.py to its own table
    only, so the confirmation side is checked by name: every function that runs confirmations may batch-read both."""
    source = (repo_root / "shared" / "midtrans_native" / "stores" / "connections.py").read_text(encoding="utf-8")
    assert "self._dynamodb.batch_get_item(" in source
    for function in ("CancelTransactionFunction", "RequestRefundFunction", "McpFunction"):
        assert {
            ("dynamodb:BatchGetItem", "ConnectionsTable"),
            ("dynamodb:BatchGetItem", "ConfirmationsTable"),
            ("dynamodb:GetItem", "ConfirmationsTable"),
        } <= grants[function], function
