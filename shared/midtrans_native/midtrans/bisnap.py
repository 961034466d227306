"""BI-SNAP transport (docs/midtrans-behaviour.md §3, §10): the token endpoint, and a client with the Core API client's
face (`get_status`, `cancel`, `refund`) so the actions run unchanged over either transport.

Every transactional call carries `Authorization: Bearer`, X-TIMESTAMP, X-SIGNATURE (HMAC-SHA512 over the exact
body bytes sent), X-PARTNER-ID, X-EXTERNAL-ID and CHANNEL-ID. A 401 on a token that came from a cache may mean
Midtrans rotated it: the token is rejected, one fresh token is fetched and the call is sent once more. A 401
cannot have changed anything, so this is safe for cancel and refund too; a second 401 is `auth_error`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from midtrans_native.deadline import Deadline
from midtrans_native.errors import MidtransApiError, MidtransAuthError, TransactionNotFound
from midtrans_native.midtrans.bisnap_mapping import (
    DEBIT,
    QRIS,
    Product,
    SnapTransaction,
    money,
    raise_for_failure,
    to_status,
)
from midtrans_native.midtrans.bisnap_signing import sign_access_token_request, sign_request, snap_timestamp
from midtrans_native.midtrans.bisnap_tokens import AccessToken, IssuedToken, TokenManager
from midtrans_native.midtrans.transport import MidtransTransport
from midtrans_native.models.common import validate_order_id
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials, TransactionStatus

TOKEN_PATH = "/v1.0/access-token/b2b"  # noqa: S105 (a path, not a secret)
DEFAULT_TOKEN_SECONDS = 900.0  # the documented default, if a success ever omits expiresIn
CANCEL_REASON = "Cancelled at the customer's request"

TransportFor = Callable[[str, Deadline], MidtransTransport]  # (environment, deadline) → BI-SNAP host transport
Clock = Callable[[], datetime]


class BiSnapTokenEndpoint:
    """`POST /v1.0/access-token/b2b`, RSA-signed. Safe to retry: a second token replaces nothing."""

    def __init__(self, transport_for: TransportFor, now: Clock = lambda: datetime.now(UTC)) -> None:
        self._transport_for = transport_for
        self._now = now

    def issue(self, credentials: BiSnapCredentials, environment: str, deadline: Deadline) -> IssuedToken:
        def sign(_: bytes) -> Mapping[str, str]:
            timestamp = snap_timestamp(self._now())
            private_key = credentials.private_key.get_secret_value()
            return {
                "X-TIMESTAMP": timestamp,
                "X-CLIENT-KEY": credentials.client_id,
                "X-SIGNATURE": sign_access_token_request(private_key, credentials.client_id, timestamp),
            }

        transport = self._transport_for(environment, deadline)
        reply = transport.request(
            "POST", TOKEN_PATH, json={"grantType": "client_credentials"}, idempotent=True, sign=sign
        )
        body = raise_for_failure(reply, "access token")
        token = body.get("accessToken")
        if not isinstance(token, str) or not token:
            raise MidtransApiError("access token: success without an accessToken", http_status=reply.http_status)
        try:
            seconds = float(body.get("expiresIn") or DEFAULT_TOKEN_SECONDS)  # a string ("900") on the wire
        except (TypeError, ValueError):
            raise MidtransApiError("access token: expiresIn is not a number", http_status=reply.http_status) from None
        if seconds <= 0:
            raise MidtransApiError("access token: expiresIn is not positive", http_status=reply.http_status)
        return IssuedToken(token, seconds)


class BiSnapClient:
    def __init__(
        self,
        transport: MidtransTransport,
        credentials: MidtransCredentials,
        tokens: TokenManager,
        deadline: Deadline,
        *,
        now: Clock = lambda: datetime.now(UTC),
        new_external_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        if credentials.bisnap is None:
            raise ValueError("BiSnapClient needs BI-SNAP credentials")
        self._transport = transport
        self._credentials = credentials
        self._bisnap: BiSnapCredentials = credentials.bisnap
        self._tokens = tokens
        self._deadline = deadline
        self._now = now
        self._new_external_id = new_external_id
        self._token: AccessToken | None = None
        # What this invocation's status reads found: a cancel or refund names the transaction by them.
        self._known: dict[str, SnapTransaction] = {}

    def get_status(self, reference: str) -> TransactionStatus:
        return self._find(reference).status

    def cancel(self, reference: str) -> TransactionStatus:
        known = self._known.get(reference) or self._find(reference)
        body: dict[str, Any] = {
            "originalPartnerReferenceNo": known.partner_reference_no,
            "originalReferenceNo": known.reference_no,
        }
        if known.product is QRIS:
            body |= {"merchantId": self._bisnap.merchant_id, "reason": CANCEL_REASON}
        reply = self._call(known.product.cancel_path, body, idempotent=False, what=f"{known.product.name} cancel")
        return known.status.model_copy(update={"transaction_status": "cancel", "status_code": reply["responseCode"]})

    def refund(self, reference: str, *, refund_key: str, amount: int, reason: str | None) -> TransactionStatus:
        """One refund named by `partnerRefundNo` = our refund key, also sent as X-EXTERNAL-ID (QRIS requires it;
        for debit it makes a resend the same request to Midtrans)."""
        known = self._known.get(reference) or self._find(reference)
        body: dict[str, Any] = {
            "originalPartnerReferenceNo": known.partner_reference_no,
            "originalReferenceNo": known.reference_no,
            "partnerRefundNo": refund_key,
            "refundAmount": {"value": money(amount), "currency": known.status.currency},
        }
        if reason:
            body["reason"] = reason
        if known.product is QRIS:
            body = {"merchantId": self._bisnap.merchant_id, **body}
        reply = self._call(
            known.product.refund_path,
            body,
            idempotent=False,
            what=f"{known.product.name} refund",
            external_id=refund_key,
        )
        before = known.status
        refunded = int(before.refund_amount or 0) + amount
        status = "refund" if refunded >= before.gross_amount_rupiah else "partial_refund"
        return before.model_copy(
            update={"transaction_status": status, "refund_amount": refunded, "status_code": reply["responseCode"]}
        )

    def _find(self, reference: str) -> SnapTransaction:
        """The transaction behind an order id or a Midtrans reference number, on either product family."""
        validate_order_id(reference)  # the same alphabet as Core API: defence in depth before anything is sent
        for product, body in self._lookups(reference):
            found = to_status(
                self._call(product.status_path, body, idempotent=True, what=f"{product.name} status"),
                product,
                reference,
            )
            if found is not None:
                for name in (reference, found.reference_no, found.partner_reference_no):
                    self._known[name] = found
                return found
        raise TransactionNotFound(f"BI-SNAP status: {reference!r} not found (debit and QRIS)")

    def _lookups(self, reference: str) -> Iterator[tuple[Product, dict[str, Any]]]:
        # Debit status takes Midtrans' reference number or the charge's X-EXTERNAL-ID (merchants send their order
        # id there, as Midtrans' own sample does); QRIS query also takes the merchant's order id directly.
        debit, qris = DEBIT.payment_service_code, QRIS.payment_service_code
        merchant = self._bisnap.merchant_id
        yield DEBIT, {"originalExternalId": reference, "serviceCode": debit}
        yield DEBIT, {"originalReferenceNo": reference, "serviceCode": debit}
        yield QRIS, {"originalPartnerReferenceNo": reference, "merchantId": merchant, "serviceCode": qris}
        yield QRIS, {"originalReferenceNo": reference, "merchantId": merchant, "serviceCode": qris}

    def _call(
        self, path: str, body: dict[str, Any], *, idempotent: bool, what: str, external_id: str | None = None
    ) -> dict[str, Any]:
        def send(token: AccessToken) -> dict[str, Any]:
            sign = self._signer(path, token, external_id)
            reply = self._transport.request("POST", path, json=body, idempotent=idempotent, sign=sign)
            return raise_for_failure(reply, what)

        token = self._access_token()
        try:
            return send(token)
        except MidtransAuthError:
            if not token.cached:
                raise  # a token fresh from Midtrans was refused: the credentials are wrong, not the token
        # Bounded recovery: one rejected cached token, one fresh token, one more attempt.
        self._tokens.reject(self._credentials, token)
        self._token = None
        return send(self._access_token())

    def _access_token(self) -> AccessToken:
        if self._token is None:
            self._token = self._tokens.token(self._credentials, self._deadline)
        return self._token

    def _signer(self, path: str, token: AccessToken, external_id: str | None) -> Callable[[bytes], Mapping[str, str]]:
        def sign(body: bytes) -> Mapping[str, str]:
            timestamp = snap_timestamp(self._now())
            secret = self._bisnap.client_secret.get_secret_value()
            return {
                "Authorization": f"Bearer {token.value}",
                "X-TIMESTAMP": timestamp,
                "X-SIGNATURE": sign_request(secret, "POST", path, token.value, body, timestamp),
                "X-PARTNER-ID": self._bisnap.partner_id,
                "X-EXTERNAL-ID": external_id or self._new_external_id(),
                "CHANNEL-ID": self._bisnap.channel_id,
            }

        return sign
