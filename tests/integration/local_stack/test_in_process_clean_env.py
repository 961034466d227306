"""An in-process LocalStack (as `make bench` uses it) works in a process without Powertools settings:
the layer must not be imported outside a function's environment (Powertools reads its namespace at import)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SCRIPT = """
import requests
from midtrans_local.server import LocalStack
from midtrans_local.tokens import issue_dev_token
stack = LocalStack(template_path="template.yaml", port=0, log_level="WARNING")
url = stack.start()
try:
    token = issue_dev_token("tenant-demo", "ai_agent")
    answer = requests.post(url + "/v1/payments/status", timeout=30, headers={"Authorization": "Bearer " + token},
                           json={"conversation_id": "c", "order_id": "ORDER-SETTLEMENT-GOPAY-001"})
    print("STATUS", answer.status_code, answer.json().get("outcome"))
finally:
    stack.stop()
"""


def test_in_process_stack_in_a_clean_environment() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "FEATURE_FLAGS", "AWS_"))}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "STATUS 200 ok" in done.stdout, done.stdout[-2000:] + done.stderr[-4000:]
