"""Check Payment Status (PRD S02): read a transaction and answer in the customer's language."""

from __future__ import annotations

from midtrans_native.actions.common import (
    CoreApiFactory,
    CredentialsSource,
    load_credentials,
    read_status,
)
from midtrans_native.messages import Locale, Msg, format_rupiah, payment_type_text, render, status_text
from midtrans_native.models.api import PaymentDetails, PaymentStatusRequest, PaymentStatusResponse
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import TransactionStatus
from midtrans_native.observability import ActionTelemetry
from midtrans_native.registry import CHECK_PAYMENT_STATUS

ACTION_TYPE = CHECK_PAYMENT_STATUS.id


def check_payment_status(
    request: PaymentStatusRequest,
    caller: Caller,
    *,
    connections: CredentialsSource,
    core_api: CoreApiFactory,
) -> PaymentStatusResponse:
    locale = request.locale
    credentials = load_credentials(connections, caller, locale)
    if request.order_id is None:
        return PaymentStatusResponse(
            outcome="needs_order_id", message=render(Msg.STATUS_NEEDS_ORDER_ID, locale), locale=locale
        )

    order_id = request.order_id
    telemetry = ActionTelemetry(ACTION_TYPE, cid=caller.cid, conversation_id=request.conversation_id, order_id=order_id)
    read = read_status(
        order_id,
        locale,
        client=core_api(credentials),
        telemetry=telemetry,
        answer=PaymentStatusResponse,
        failure_copy=Msg.STATUS_TIMEOUT,
    )
    if not isinstance(read, TransactionStatus):
        return read
    transaction = read

    telemetry.succeeded(response_status=transaction.status_code, outcome="ok")
    return PaymentStatusResponse(
        outcome="ok",
        message=_describe(transaction, order_id, locale),
        locale=locale,
        order_id=order_id,
        payment=PaymentDetails(
            order_id=transaction.order_id,
            transaction_id=transaction.transaction_id,
            transaction_status=transaction.transaction_status,
            fraud_status=transaction.fraud_status,
            gross_amount=transaction.gross_amount_rupiah,
            currency=transaction.currency,
            payment_type=transaction.payment_type,
            transaction_time=transaction.transaction_time,
            settlement_time=transaction.settlement_time,
        ),
    )


def _describe(transaction: TransactionStatus, order_id: str, locale: Locale) -> str:
    time_text = ""
    if transaction.transaction_time:
        time_text = render(Msg.STATUS_TIME, locale, time=transaction.transaction_time[:16])
    return render(
        Msg.STATUS_OK,
        locale,
        order_id=order_id,
        status_text=status_text(transaction.transaction_status, locale),
        amount=format_rupiah(transaction.gross_amount_rupiah, locale),
        payment_type=payment_type_text(transaction.payment_type, locale),
        time_text=time_text,
    )
