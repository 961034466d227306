"""Template invariants for tables, the credentials key and the functions' IAM policies."""

from __future__ import annotations

from typing import Any

import pytest

# SAM policy templates that are narrow enough; anything broader must be an inline statement.
ALLOWED_POLICY_TEMPLATES = {"KMSDecryptPolicy", "DynamoDBReadPolicy"}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_violations(policies: list[Any]) -> list[str]:
    """Why a function's Policies list is broader than this service allows (empty when it is fine)."""
    problems = []
    for policy in policies:
        if isinstance(policy, str):
            problems.append(f"managed policy {policy}")
            continue
        if "Statement" not in policy:
            problems.extend(f"policy template {name}" for name in policy if name not in ALLOWED_POLICY_TEMPLATES)
            continue
        for statement in as_list(policy["Statement"]):
            actions = [action.lower() for action in as_list(statement.get("Action", []))]
            # "*", "dynamodb:*", "kms:*", and partial wildcards such as "dynamodb:Get*".
            problems.extend(f"wildcard action {action}" for action in actions if "*" in action)
            if "NotAction" in statement or "NotResource" in statement:
                problems.append("NotAction/NotResource")
            touches_data = any(action.startswith(("dynamodb:", "kms:")) for action in actions)
            resources = as_list(statement.get("Resource", []))
            if touches_data and any(isinstance(r, str) and "*" in r for r in resources):
                problems.append(f"wildcard resource for {actions}")
    return problems


def test_policy_check_catches_broad_grants():
    assert policy_violations(
        [
            "AmazonDynamoDBFullAccess",
            {"DynamoDBCrudPolicy": {"TableName": "t"}},
            {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": {"Fn::GetAtt": ["K", "Arn"]}}]},
            {"Statement": [{"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": {"Fn::GetAtt": ["T", "Arn"]}}]},
            {"Statement": {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}},
        ]
    ) == [
        "managed policy AmazonDynamoDBFullAccess",
        "policy template DynamoDBCrudPolicy",
        "wildcard action kms:*",
        "wildcard action dynamodb:get*",
        "wildcard resource for ['dynamodb:getitem']",
    ]


def test_no_function_policy_is_broader_than_needed(functions):
    for name, props in functions.items():
        assert policy_violations(props.get("Policies", [])) == [], name


BISNAP_TOKENS = {("dynamodb:GetItem", "TokenCacheTable"), ("dynamodb:UpdateItem", "TokenCacheTable")}
# Which conversation an order belongs to: recorded by the functions that send a payment link or prompt a cancel or
# refund (and MCP, which runs them too), read by the notification function only.
RECORD_ORDER_CONTEXT = ("dynamodb:PutItem", "OrderContextsTable")


def test_check_payment_status_reads_connections_decrypts_and_uses_bisnap_tokens(grants):
    assert grants["CheckPaymentStatusFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("kms:Decrypt", "CredentialsKey"),
        *BISNAP_TOKENS,
    }


def test_payment_link_function_reads_and_records_the_orders_conversation_only(grants):
    assert grants["CreatePaymentLinkFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("kms:Decrypt", "CredentialsKey"),
        RECORD_ORDER_CONTEXT,
    }


def test_cancel_function_reads_connections_and_drives_confirmations_only(grants):
    assert grants["CancelTransactionFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("dynamodb:BatchGetItem", "ConnectionsTable"),
        ("dynamodb:GetItem", "ConfirmationsTable"),
        ("dynamodb:BatchGetItem", "ConfirmationsTable"),
        ("dynamodb:PutItem", "ConfirmationsTable"),
        ("dynamodb:UpdateItem", "ConfirmationsTable"),
        ("kms:Decrypt", "CredentialsKey"),
        *BISNAP_TOKENS,
        RECORD_ORDER_CONTEXT,
    }


def test_refund_function_adds_only_the_idempotency_records(grants):
    assert grants["RequestRefundFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("dynamodb:BatchGetItem", "ConnectionsTable"),
        ("dynamodb:GetItem", "ConfirmationsTable"),
        ("dynamodb:BatchGetItem", "ConfirmationsTable"),
        ("dynamodb:PutItem", "ConfirmationsTable"),
        ("dynamodb:UpdateItem", "ConfirmationsTable"),
        ("dynamodb:GetItem", "IdempotencyTable"),
        ("dynamodb:PutItem", "IdempotencyTable"),
        ("dynamodb:UpdateItem", "IdempotencyTable"),
        ("dynamodb:DeleteItem", "IdempotencyTable"),
        ("kms:Decrypt", "CredentialsKey"),
        *BISNAP_TOKENS,
        RECORD_ORDER_CONTEXT,
    }


def test_idempotency_table_matches_what_powertools_writes(resources):
    props = resources["IdempotencyTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_actions_function_manages_actions_and_reads_the_connection_only(grants):
    assert grants["ActionsFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ActionsTable"),
        ("dynamodb:PutItem", "ActionsTable"),
        ("dynamodb:DeleteItem", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("dynamodb:UpdateItem", "ConnectionsTable"),  # the action index, in the actions' transaction
    }


def test_agent_tools_function_reads_the_configured_actions_and_the_connection_only(grants):
    # The catalog needs the tenant's actions and the connection's presence: no KMS, no Midtrans, no writes.
    assert grants["AgentToolsFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
    }


def test_mcp_function_has_exactly_what_the_agent_action_functions_have(grants):
    # Their union (tests/infra/test_registry_template.py derives it); spelled out here so that a grant added to
    # an action function and to MCP together still shows up in review.
    assert grants["McpFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:Query", "ActionsTable"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("dynamodb:BatchGetItem", "ConnectionsTable"),
        ("dynamodb:GetItem", "ConfirmationsTable"),
        ("dynamodb:BatchGetItem", "ConfirmationsTable"),
        ("dynamodb:PutItem", "ConfirmationsTable"),
        ("dynamodb:UpdateItem", "ConfirmationsTable"),
        ("dynamodb:GetItem", "IdempotencyTable"),
        ("dynamodb:PutItem", "IdempotencyTable"),
        ("dynamodb:UpdateItem", "IdempotencyTable"),
        ("dynamodb:DeleteItem", "IdempotencyTable"),
        ("kms:Decrypt", "CredentialsKey"),
        *BISNAP_TOKENS,
        RECORD_ORDER_CONTEXT,
    }


def test_notification_function_has_exactly_its_grants(grants):
    # No feature flag (notifications are processed whatever it says: Midtrans would retry a refused one for hours),
    # no confirmations, no idempotency records, no writes to the connection or to order contexts.
    assert grants["MidtransNotificationsFunction"] == {
        ("dynamodb:Query", "ConnectionsTable/index/NotificationTokenIndex"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("kms:Decrypt", "CredentialsKey"),
        ("dynamodb:GetItem", "NotificationReceiptsTable"),
        ("dynamodb:PutItem", "NotificationReceiptsTable"),
        ("dynamodb:UpdateItem", "NotificationReceiptsTable"),
        ("dynamodb:DeleteItem", "NotificationReceiptsTable"),
        ("dynamodb:GetItem", "OrderContextsTable"),
        ("dynamodb:BatchGetItem", "OrderContextsTable"),
        ("events:PutEvents", "PlatformEventsBus"),
        *BISNAP_TOKENS,
    }


def test_notification_function_grants_each_say_why(functions):
    [policy] = functions["MidtransNotificationsFunction"]["Policies"]
    sids = [statement["Sid"] for statement in policy["Statement"]]
    assert len(sids) == len(set(sids)) and all(sids)
    # The BI-SNAP token cache statement is the status function's, word for word.
    [status_policy] = [p for p in functions["CheckPaymentStatusFunction"]["Policies"] if "Statement" in p]
    [theirs] = [s for s in status_policy["Statement"] if s["Sid"] == "BiSnapTokenCache"]
    assert theirs in policy["Statement"]


def test_the_flag_ships_off_and_functions_can_only_read_it(resources):
    import json

    content = json.loads(resources["FeatureFlagsInitialVersion"]["Properties"]["Content"])
    flag = content["midtrans_native_integration"]
    assert flag["default"] is False
    [rule] = flag["rules"].values()
    assert rule["conditions"] == [{"action": "KEY_IN_VALUE", "key": "cid", "value": []}]  # no tenant enabled yet
    assert resources["FeatureFlagsProfile"]["Properties"]["Type"] == "AWS.Freeform"


def test_connection_function_has_exactly_its_grants(grants):
    assert grants["ConnectionFunction"] == {
        ("appconfig:StartConfigurationSession", "FeatureFlagsProfile"),
        ("appconfig:GetLatestConfiguration", "FeatureFlagsProfile"),
        ("dynamodb:GetItem", "ConnectionsTable"),
        ("dynamodb:UpdateItem", "ConnectionsTable"),
        ("dynamodb:DeleteItem", "TokenCacheTable"),
        ("dynamodb:GetItem", "TokenCacheTable"),
        ("dynamodb:UpdateItem", "TokenCacheTable"),
        ("kms:Encrypt", "CredentialsKey"),
    }


def test_flag_rollback_function_can_only_write_and_deploy_flag_versions(grants):
    assert grants["FlagRollbackFunction"] == {
        ("appconfig:CreateHostedConfigurationVersion", "FeatureFlagsProfile"),
        ("appconfig:StartDeployment", "FeatureFlagsEnvironment"),
        ("appconfig:StartDeployment", "FeatureFlagsProfile"),
        ("appconfig:StartDeployment", "FeatureFlagsDeploymentStrategy"),
    }


def test_every_table_is_on_demand_encrypted_backed_up_and_retained(resources):
    tables = {name: r for name, r in resources.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert set(tables) == {
        "ConnectionsTable",
        "TokenCacheTable",
        "ConfirmationsTable",
        "IdempotencyTable",
        "ActionsTable",
        "NotificationReceiptsTable",
        "OrderContextsTable",
    }
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        # CloudFormation names the tables; the functions get the names from the environment.
        assert "TableName" not in props, name
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", name


def test_table_keys_match_what_the_stores_use(resources):
    connections = resources["ConnectionsTable"]["Properties"]
    assert connections["KeySchema"] == [{"AttributeName": "cid", "KeyType": "HASH"}]
    assert connections["AttributeDefinitions"] == [
        {"AttributeName": "cid", "AttributeType": "S"},
        {"AttributeName": "notification_token", "AttributeType": "S"},
    ]
    # ConnectionStore.tenant_by_notification_token queries it, then reads the cid's item consistently.
    assert connections["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "NotificationTokenIndex",
            "KeySchema": [{"AttributeName": "notification_token", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ]
    receipts = resources["NotificationReceiptsTable"]["Properties"]
    assert receipts["KeySchema"] == [{"AttributeName": "receipt_id", "KeyType": "HASH"}]
    assert receipts["AttributeDefinitions"] == [{"AttributeName": "receipt_id", "AttributeType": "S"}]
    contexts = resources["OrderContextsTable"]["Properties"]
    assert contexts["KeySchema"] == [
        {"AttributeName": "cid", "KeyType": "HASH"},
        {"AttributeName": "order_id", "KeyType": "RANGE"},
    ]
    assert contexts["AttributeDefinitions"] == [
        {"AttributeName": "cid", "AttributeType": "S"},
        {"AttributeName": "order_id", "AttributeType": "S"},
    ]
    tokens = resources["TokenCacheTable"]["Properties"]
    assert tokens["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert tokens["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]


@pytest.mark.parametrize(
    "table", ["TokenCacheTable", "ConfirmationsTable", "NotificationReceiptsTable", "OrderContextsTable"]
)
def test_short_lived_tables_expire_items_on_ttl(resources, table):
    ttl = resources[table]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "ttl", "Enabled": True}


def test_confirmations_are_keyed_by_confirmation_id(resources):
    props = resources["ConfirmationsTable"]["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "confirmation_id", "KeyType": "HASH"}]


def test_credentials_key_rotates_and_has_a_stage_alias(resources):
    key = resources["CredentialsKey"]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert principals == [{"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}]
    alias = resources["CredentialsKeyAlias"]["Properties"]
    assert alias["AliasName"] == {"Fn::Sub": "alias/midtrans-native-credentials-${Stage}"}
    assert alias["TargetKeyId"] == {"Ref": "CredentialsKey"}


def test_outputs_expose_the_api_tables_and_key(template):
    assert set(template["Outputs"]) == {
        "ApiUrl",
        "ConnectionsTableName",
        "TokenCacheTableName",
        "ConfirmationsTableName",
        "IdempotencyTableName",
        "NotificationReceiptsTableName",
        "OrderContextsTableName",
        "PlatformEventsBusName",
        "PlatformEventsBusArn",
        "PlatformEventsDeadLetterQueueUrl",
        "CredentialsKeyArn",
        "AlarmTopicArn",
        "FlagRollbackAlarmName",
        "FeatureFlagsRolloutStrategyId",
        "DashboardName",
    }
    assert "${MidtransActionsApi}" in template["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]
