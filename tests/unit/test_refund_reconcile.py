"""Unknown refund outcomes are reconciled with a status read before answering (fakes, no AWS)."""

from __future__ import annotations

import pytest

from midtrans_native.actions import request_refund as refund
from midtrans_native.errors import DuplicateRefund, MidtransApiError, MidtransTimeout
from midtrans_native.models.midtrans import TransactionStatus
from tests.unit.fakes import confirmation

CONFIRMATION = confirmation(state="executing", expires_at=9e9, attempts=1)
KEY = "mna-key"


def status(*refund_keys: str) -> TransactionStatus:
    refunds = [{"refund_key": key, "refund_amount": "1000.00"} for key in refund_keys]
    return TransactionStatus.model_validate(
        {
            "status_code": "200",
            "order_id": "O-1",
            "transaction_id": "tx-1",
            "payment_type": "gopay",
            "transaction_status": "partial_refund" if refunds else "settlement",
            "gross_amount": "150000.00",
            "refund_amount": f"{1000 * len(refunds)}.00",
            "refunds": refunds,
        }
    )


class Client:
    def __init__(self, *statuses: TransactionStatus) -> None:
        self.statuses = list(statuses)
        self.reads = 0

    def get_status(self, reference: str) -> TransactionStatus:
        assert reference == "tx-1"  # the refund path uses the transaction_id
        self.reads += 1
        return self.statuses.pop(0)


def sender(error: Exception):
    calls = []

    def send(*, command, client):
        calls.append(command)
        raise error

    return send, calls


@pytest.mark.parametrize("error", [DuplicateRefund("406"), MidtransTimeout("t"), MidtransApiError("500")])
def test_an_unknown_outcome_that_landed_is_reported_as_refunded(error: Exception) -> None:
    send, calls = sender(error)
    client = Client(status(), status(KEY))  # pre-read: nothing yet; after the POST: our key is there
    answer = refund._execute(client, CONFIRMATION, KEY, send, "en")  # type: ignore[arg-type]
    assert answer.outcome == "refunded" and answer.refund_key == KEY and len(calls) == 1


@pytest.mark.parametrize("error", [DuplicateRefund("406"), MidtransTimeout("t"), MidtransApiError("500")])
def test_an_unknown_outcome_that_did_not_land_stays_a_failure(error: Exception) -> None:
    send, _ = sender(error)
    with pytest.raises(type(error)):
        refund._execute(Client(status(), status("somebody-elses-key")), CONFIRMATION, KEY, send, "en")  # type: ignore[arg-type]


def test_an_earlier_attempt_found_in_the_pre_read_sends_nothing() -> None:
    send, calls = sender(AssertionError("must not send"))
    answer = refund._execute(Client(status(KEY)), CONFIRMATION, KEY, send, "en")  # type: ignore[arg-type]
    assert answer.outcome == "refunded" and calls == []
