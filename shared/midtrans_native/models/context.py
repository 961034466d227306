"""Conversation context comes from the platform, never from the model.

The platform that runs the agent sets these headers on every agent call (REST and MCP):

    X-Conversation-Id      the conversation (required: in the header, or in an older REST body)
    X-Channel-Type         whatsapp, or another channel name (payment links: how the link is delivered)
    Accept-Language        en or id (default en); q-values are honoured
    X-Customer-Message-Id  the customer message being answered (optional; the turn guard)

REST bodies may still carry `conversation_id`, `channel_type` and `locale`; when a header and a body field
disagree the request is refused (422), so a body written by a model cannot move a call into another
conversation. Tool arguments never carry them. Messages name the header or field and the rule, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from midtrans_native.errors import RequestRefused
from midtrans_native.models.common import ChannelType, ConversationId, CustomerMessageId, Locale

CONVERSATION_HEADER = "X-Conversation-Id"
CHANNEL_HEADER = "X-Channel-Type"
LANGUAGE_HEADER = "Accept-Language"
CUSTOMER_MESSAGE_HEADER = "X-Customer-Message-Id"
SUPPORTED_LOCALES: tuple[Locale, ...] = ("en", "id")

_CONVERSATION = TypeAdapter(ConversationId)
_CHANNEL = TypeAdapter(ChannelType)
_MESSAGE_ID = TypeAdapter(CustomerMessageId)
_RULES = {
    CONVERSATION_HEADER: "must be 1 to 128 printable characters without spaces",
    CHANNEL_HEADER: "must be a channel name such as 'whatsapp' or 'web_chat' (a-z, 0-9, _ or -)",
    CUSTOMER_MESSAGE_HEADER: "must be 1 to 256 printable characters without spaces",
}
Resolved = TypeVar("Resolved", bound=BaseModel)


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class PlatformContext(NamedTuple):
    conversation_id: str | None = None
    channel_type: str | None = None
    locale: Locale | None = None
    customer_message_id: str | None = None


def invalid(message: str) -> RequestRefused:
    return RequestRefused(422, "invalid_request", message)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # API Gateway (payload 2.0) lower-cases header names; repeated headers arrive joined by commas.
    value = headers.get(name.lower())
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value


def _validated(adapter: TypeAdapter[str], headers: Mapping[str, str], name: str) -> str | None:
    value = _header(headers, name)
    if value is None or not value.strip():
        return None
    try:
        return adapter.validate_python(value.strip())
    except ValidationError:
        raise invalid(f"{name}: {_RULES[name]}") from None


def preferred_locale(accept_language: str | None) -> Locale | None:
    """The first supported language in Accept-Language by q-value ("id-ID,id;q=0.9,en;q=0.8" → id).
    None when the header names none we speak: the caller falls back to the default."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language[:512].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().lower().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().split("-")[0].lower()))
    for negative_quality, _, language in sorted(ranked):
        if negative_quality < 0 and language in SUPPORTED_LOCALES:
            return "id" if language == "id" else "en"
    return None


def platform_context(headers: Mapping[str, str] | None) -> PlatformContext:
    """The context the platform sent; each header validated (422 naming the header, never its value)."""
    headers = headers or {}
    return PlatformContext(
        conversation_id=_validated(_CONVERSATION, headers, CONVERSATION_HEADER),
        channel_type=_validated(_CHANNEL, headers, CHANNEL_HEADER),
        locale=preferred_locale(_header(headers, LANGUAGE_HEADER)),
        customer_message_id=_validated(_MESSAGE_ID, headers, CUSTOMER_MESSAGE_HEADER),
    )


_HEADER_OF = {"conversation_id": CONVERSATION_HEADER, "channel_type": CHANNEL_HEADER, "locale": LANGUAGE_HEADER}


def resolve_request(given: BaseModel, context: PlatformContext, request_model: type[Resolved], **path: str) -> Resolved:
    """`request_model` built from the tool arguments or REST body `given`, the platform's headers and the
    path parameters. A context field must come from a header or the body; when both give it, they agree."""
    values: dict[str, Any] = {name: getattr(given, name) for name in type(given).model_fields}
    for field, header in _HEADER_OF.items():
        from_header = getattr(context, field)
        from_body = values.pop(field, None)
        if field not in request_model.model_fields:
            continue
        if from_header is not None and from_body is not None and from_header != from_body:
            raise invalid(f"{field}: the body disagrees with the {header} header; send it in the header only")
        chosen = from_header if from_header is not None else from_body
        if chosen is not None:
            values[field] = chosen
        elif request_model.model_fields[field].is_required():
            raise invalid(f"{field}: required: send the {header} header")
    if context.customer_message_id is not None and "customer_message_id" in request_model.model_fields:
        values["customer_message_id"] = context.customer_message_id
    values.update(path)
    try:
        return request_model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "body"
        raise invalid(f"{where}: {first.get('msg', 'invalid')}") from None
