"""Validation of the EventBridge event that a Stripe event destination delivers: a port of the Node.js wrapper's
src/lambda/wrapper/envelope.ts with the same checks in the same order, the same reason codes and the same messages
(test/lambda/python-wrapper/ runs both on the same events and compares them).

Shape (docs.stripe.com/event-destinations/eventbridge): `source` = `aws.partner/stripe.com/ed_…`, `detail-type` = the
Stripe event type, `detail` = the whole Stripe Event (`id` `evt_…`, `object: "event"`, `type`, `created` in Unix
seconds, `livemode`, `data.object`, …) for a snapshot event, or the event notification (`object: "v2.core.event"`,
`created` an ISO 8601 string, `context`, `related_object`, `snapshot_event`, no `data`) for a thin event; an event of a
payload style the function does not receive (STRIPE_EB_EVENT_PAYLOADS) is rejected. See envelope.ts for the sources.

Messages follow JavaScript's formatting where it shows: strings are quoted as JSON.stringify quotes them and cut
after 40 UTF-16 code units, numbers are written as JavaScript's String(number) writes them.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from enum import Enum
from typing import Any, NamedTuple, Optional, Sequence

from ._contract import MAX_EVENT_DEPTH, STRIPE_PARTNER_SOURCE_PREFIX
from .errors import StripeEventBridgeError


class InvalidStripeEventReason(str, Enum):
    """Why an event was rejected. Stable strings: they appear in logs, metrics and DLQ messages."""

    EMPTY_EVENT = "EMPTY_EVENT"
    NOT_AN_OBJECT = "NOT_AN_OBJECT"
    NOT_EVENTBRIDGE = "NOT_EVENTBRIDGE"
    NOT_STRIPE_SOURCE = "NOT_STRIPE_SOURCE"
    DETAIL_NOT_OBJECT = "DETAIL_NOT_OBJECT"
    MISSING_EVENT_ID = "MISSING_EVENT_ID"
    THIN_EVENT = "THIN_EVENT"
    SNAPSHOT_EVENT = "SNAPSHOT_EVENT"
    NOT_A_STRIPE_EVENT = "NOT_A_STRIPE_EVENT"
    DETAIL_TYPE_MISMATCH = "DETAIL_TYPE_MISMATCH"
    MISSING_CREATED = "MISSING_CREATED"
    MISSING_DATA_OBJECT = "MISSING_DATA_OBJECT"
    INVALID_SNAPSHOT_EVENT = "INVALID_SNAPSHOT_EVENT"
    INVALID_CONTEXT = "INVALID_CONTEXT"
    INVALID_RELATED_OBJECT = "INVALID_RELATED_OBJECT"
    TOO_LARGE = "TOO_LARGE"
    TOO_DEEP = "TOO_DEEP"
    # Not decided by the envelope but by the event's idempotency record: its `evt_` id has a record made by an event of
    # another type or account (src/contract/idempotency.ts, `validation`). Stripe event ids are unique, so this delivery
    # is forged or corrupted; it is not answered as a duplicate.
    EVENT_ID_REUSED = "EVENT_ID_REUSED"


class InvalidStripeEventError(StripeEventBridgeError):
    """Raised before the user's handler runs, and before any idempotency record is written (for EVENT_ID_REUSED: when the
    in-progress put found the record of another event)."""

    def __init__(self, reason: InvalidStripeEventReason, message: str, event_bridge_id: Optional[str] = None):
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.event_bridge_id = event_bridge_id


# NamedTuples rather than frozen dataclasses: the dataclass decorator compiles their methods when the module loads,
# a large part of the wrapper's own cold start (measured with callgrind).
class RelatedObject(NamedTuple):
    id: str
    type: str
    url: str


class ThinEventFacts(NamedTuple):
    """What a thin event's notification says beyond the summary."""

    snapshot_event: Optional[str] = None
    """`snapshot_event`: the id of its snapshot twin, which is then the idempotency key."""
    context: Optional[str] = None
    """`context`: the account the event belongs to, whose API calls fetch its data (`Stripe-Context`)."""
    related_object: Optional[RelatedObject] = None


class StripeEventSummary(NamedTuple):
    """What the wrapper logs and measures about a valid event. Never the payload itself."""

    event_bridge_id: str
    source: str
    stripe_event_id: str
    type: str
    livemode: Optional[bool]
    created: float
    """Stripe's `created`, Unix seconds (with milliseconds for a thin event, whose `created` is an ISO 8601 string)."""
    api_version: Optional[str]
    thin: Optional[ThinEventFacts] = None
    """Set for a thin event only."""


class _Missing:
    """A key that is absent (JavaScript's undefined)."""


MISSING: Any = _Missing()

# Stripe object ids are `<prefix>_<alphanumerics>`; event ids use the `evt_` prefix.
_STRIPE_EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,255}")
# Runs of 12 or more digits (card numbers and the like) never reach a log line or an error message.
_LONG_DIGIT_RUN = re.compile(r"[0-9]{12,}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_finite(number: Any) -> bool:
    """Number.isFinite of the value JavaScript would parse: an integer beyond a double's range is Infinity there."""
    try:
        return math.isfinite(float(number))
    except OverflowError:
        return False


def js_number(value: Any) -> str:
    """JavaScript's String(number) for a JSON number (ECMA-262 Number::toString, radix 10)."""
    try:
        number = float(value)
    except OverflowError:
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    text = repr(abs(number))  # the shortest digits that round-trip, as JavaScript uses
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    n = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = (digits if k == 1 else digits[0] + "." + digits[1:]) + ("e+" if e >= 0 else "e-") + str(abs(e))
    return sign + out


def js_stringify_string(text: str) -> str:
    """JSON.stringify of a string: Python's escaping with ensure_ascii off, lone surrogates escaped as JavaScript does."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), quoted)


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _utf16_slice(text: str, units: int) -> str:
    """The first `units` UTF-16 code units of `text`, as JavaScript's slice(0, units) gives them."""
    encoded = text.encode("utf-16-le", "surrogatepass")[: units * 2]
    return encoded.decode("utf-16-le", "surrogatepass")


def quote(text: str, max_units: int = 40) -> str:
    """A string for an error message, quoted: at most `max_units` of it, long digit runs masked."""
    shown = _utf16_slice(text, max_units) + "\u2026" if _utf16_units(text) > max_units else text
    return js_stringify_string(_LONG_DIGIT_RUN.sub("[digits]", shown))


def describe(value: Any) -> str:
    """A short description of a value for an error message: never more than 40 characters of it."""
    if value is MISSING:
        return "missing"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, bool):
        return f"boolean {'true' if value else 'false'}"
    if _is_number(value):
        return f"the number {_LONG_DIGIT_RUN.sub('[digits]', js_number(value))}"
    return "an object"


def _utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _json_bytes_correction(value: Any) -> int:
    """What JSON.stringify writes more (or less) than json.dumps for the numbers and lone surrogates in `value`."""
    correction = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
            stack.extend(item.keys())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            # Python writes a lone surrogate as itself (3 bytes with surrogatepass), JavaScript as \udXXX (6).
            correction += 3 * len(_LONE_SURROGATE.findall(item))
        elif isinstance(item, float) or (isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 10**21):
            if isinstance(item, float) and not math.isfinite(item):
                correction += len("null") - len(json.dumps(item))
            else:
                correction += len(js_number(item)) - len(json.dumps(item))
    return correction


def nested_deeper_than(value: Any, max_depth: int) -> bool:
    """Whether `value` nests dicts and lists deeper than `max_depth` levels (`value` itself being level 1). Iterative,
    with its own stack, and it stops at the first container past the limit: safe on any depth (envelope.ts's
    nestedDeeperThan)."""
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if not isinstance(current, (dict, list)):
            continue
        if depth > max_depth:
            return True
        for child in current.values() if isinstance(current, dict) else current:
            if isinstance(child, (dict, list)):
                pending.append((child, depth + 1))
    return False


def eventbridge_entry_bytes(event: dict, limit: Optional[int] = None) -> int:
    """The size of an event as EventBridge counts it against its limit: 14 bytes for `time`, the UTF-8 bytes of
    `source`, `detail-type`, the `detail` JSON and each of `resources`
    (docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). With a `limit`, exact only where it
    matters: an event far below the limit may be counted a few bytes off."""
    size = 14 if isinstance(event.get("time"), str) else 0
    for key in ("source", "detail-type"):
        if isinstance(event.get(key), str):
            size += _utf8_bytes(event[key])
    if "detail" in event:
        detail = event["detail"]
        text = json.dumps(detail, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
        size += _utf8_bytes(text)
        # JSON.stringify writes a number at most 3.4 times as long as json.dumps does ("1e+16" is "10000000000000000")
        # and a lone surrogate twice as long: below a quarter of the limit the exact count cannot cross it.
        if limit is None or size > limit // 4:
            size += _json_bytes_correction(detail)
    resources = event.get("resources")
    if isinstance(resources, list):
        size += sum(_utf8_bytes(r) for r in resources if isinstance(r, str))
    return size


def validate_stripe_eventbridge_event(
    event: Any,
    source_prefix: str = STRIPE_PARTNER_SOURCE_PREFIX,
    max_bytes: Optional[int] = None,
    max_depth: int = MAX_EVENT_DEPTH,
    payloads: Sequence[str] = ("snapshot",),
) -> StripeEventSummary:
    """Checks that `event` is a Stripe event of a payload style the function receives (`payloads`), in an EventBridge
    envelope, and returns its summary.

    Raises InvalidStripeEventError naming what is wrong.
    """
    R = InvalidStripeEventReason

    def fail(reason: InvalidStripeEventReason, message: str, event_bridge_id: Optional[str] = None):
        raise InvalidStripeEventError(reason, message, event_bridge_id)

    if event is None or (isinstance(event, dict) and len(event) == 0):
        fail(R.EMPTY_EVENT, "the event is empty; expected an EventBridge event carrying a Stripe event in `detail`")
    if not isinstance(event, dict):
        fail(R.NOT_AN_OBJECT, f"the event is {describe(event)}; expected an EventBridge event object")

    event_bridge_id = event.get("id") if isinstance(event.get("id"), str) else None
    if (
        event_bridge_id is None
        or not isinstance(event.get("detail-type"), str)
        or not isinstance(event.get("source"), str)
        or "detail" not in event
    ):
        fail(
            R.NOT_EVENTBRIDGE,
            "not an EventBridge event: expected string `id`, `source` and `detail-type` and a `detail` field "
            "(was the function invoked directly with a bare Stripe event?)",
            event_bridge_id,
        )
    source: str = event["source"]
    detail_type: str = event["detail-type"]
    if not source.startswith(source_prefix):
        fail(R.NOT_STRIPE_SOURCE, f"source {quote(source, 80)} does not start with {js_stringify_string(source_prefix)}", event_bridge_id)
    # Before anything recursive runs: measuring the size below serializes `detail`.
    if nested_deeper_than(event, max_depth):
        fail(
            R.TOO_DEEP,
            f"the event is nested more than {max_depth} levels deep (Stripe's events nest about 10); it did not come from "
            "a Stripe event destination",
            event_bridge_id,
        )
    if max_bytes is not None:
        size = eventbridge_entry_bytes(event, max_bytes)
        if size > max_bytes:
            fail(
                R.TOO_LARGE,
                f"the event is {size} bytes as EventBridge counts them, above the {max_bytes}-byte limit of an EventBridge "
                "event; it did not come from a Stripe event destination",
                event_bridge_id,
            )

    detail = event["detail"]
    if not isinstance(detail, dict):
        fail(R.DETAIL_NOT_OBJECT, f"`detail` is {describe(detail)}; expected the Stripe event object", event_bridge_id)
    stripe_event_id = detail.get("id", MISSING)
    if not isinstance(stripe_event_id, str) or not _STRIPE_EVENT_ID.fullmatch(stripe_event_id):
        fail(
            R.MISSING_EVENT_ID,
            f"`detail.id` is {describe(stripe_event_id)}; expected a Stripe event id (`evt_\u2026`), which is the idempotency key",
            event_bridge_id,
        )
    obj = detail.get("object", MISSING)
    if obj == "v2.core.event":
        if "thin" not in payloads:
            fail(
                R.THIN_EVENT,
                f"{stripe_event_id} is a thin event; this function receives snapshot events only. Subscribe thin event types "
                "(v1.\u2026, v2.\u2026) on a thin event bus, or set the event destination's payload to `snapshot`",
                event_bridge_id,
            )
        return _validate_thin_detail(detail, detail_type, source, event_bridge_id)
    if obj != "event" or not isinstance(obj, str):
        fail(R.NOT_A_STRIPE_EVENT, f"`detail.object` is {describe(obj)}; expected \"event\" or \"v2.core.event\"", event_bridge_id)
    if "snapshot" not in payloads:
        fail(
            R.SNAPSHOT_EVENT,
            f"{stripe_event_id} is a snapshot event; this function receives thin events only. Subscribe snapshot event types on a "
            "snapshot event bus",
            event_bridge_id,
        )
    stripe_type = detail.get("type", MISSING)
    if not isinstance(stripe_type, str) or stripe_type != detail_type:
        fail(
            R.DETAIL_TYPE_MISMATCH,
            f"`detail-type` {quote(detail_type, 80)} differs from `detail.type` {describe(stripe_type)}; Stripe always sets them equal",
            event_bridge_id,
        )
    created = detail.get("created", MISSING)
    if not _is_number(created) or not _is_finite(created):
        fail(R.MISSING_CREATED, f"`detail.created` is {describe(created)}; expected Unix seconds", event_bridge_id)
    data = detail.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        fail(R.MISSING_DATA_OBJECT, f"{stripe_event_id} has no `data.object`; a snapshot event carries the object it is about", event_bridge_id)

    livemode = detail.get("livemode")
    api_version = detail.get("api_version")
    return StripeEventSummary(
        event_bridge_id=event_bridge_id,
        source=source,
        stripe_event_id=stripe_event_id,
        type=detail_type,
        livemode=livemode if isinstance(livemode, bool) else None,
        created=created,
        api_version=api_version if isinstance(api_version, str) else None,
    )


# A thin event's `created`: RFC 3339, parsed here as envelope.ts parses it (fractions beyond milliseconds are cut).
_ISO_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))")
# A `context`: one or more `/`-separated account segments.
_STRIPE_CONTEXT = re.compile(r"[A-Za-z0-9_]{1,255}(/[A-Za-z0-9_]{1,255}){0,7}")
# A related object's `url`: a path of Stripe's API, with nothing that could leave the path.
_API_PATH = re.compile(r"/v[0-9]+/(?!.*\.\.)(?!.*//)[A-Za-z0-9_\-./%\[\]]+(\?[A-Za-z0-9_\-.%\[\]=&]*)?")


def parse_iso_timestamp(text: str) -> Optional[int]:
    """Milliseconds since the epoch of an RFC 3339 timestamp (from 1970 on), or None when it is not one."""
    m = _ISO_TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if year < 1970 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1] or hour > 23 or minute > 59 or second > 59:
        return None
    if m.group(8):
        offset_minutes = 0
    else:
        if int(m.group(10)) > 23 or int(m.group(11)) > 59:
            return None
        offset_minutes = (-1 if m.group(9) == "-" else 1) * (int(m.group(10)) * 60 + int(m.group(11)))
    millis = int(m.group(7)[:3].ljust(3, "0")) if m.group(7) else 0
    return calendar.timegm((year, month, day, hour, minute, second)) * 1000 + millis - offset_minutes * 60_000


def _validate_thin_detail(detail: dict, detail_type: str, source: str, event_bridge_id: str) -> StripeEventSummary:
    """The checks of a thin event's `detail`, after its id and object (envelope.ts, validateThinDetail)."""
    R = InvalidStripeEventReason

    def fail(reason: InvalidStripeEventReason, message: str):
        raise InvalidStripeEventError(reason, message, event_bridge_id)

    stripe_type = detail.get("type", MISSING)
    if not isinstance(stripe_type, str) or stripe_type != detail_type:
        fail(
            R.DETAIL_TYPE_MISMATCH,
            f"`detail-type` {quote(detail_type, 80)} differs from `detail.type` {describe(stripe_type)}; Stripe always sets them equal",
        )
    created = detail.get("created", MISSING)
    created_ms = parse_iso_timestamp(created) if isinstance(created, str) else None
    if created_ms is None:
        fail(
            R.MISSING_CREATED,
            f"`detail.created` is {describe(created)}; expected an ISO 8601 timestamp (a thin event's `created`, e.g. "
            "\"2026-11-26T12:00:00.000Z\")",
        )
    snapshot_event = detail.get("snapshot_event", MISSING)
    if snapshot_event is not MISSING and snapshot_event is not None and (
        not isinstance(snapshot_event, str) or not _STRIPE_EVENT_ID.fullmatch(snapshot_event)
    ):
        fail(
            R.INVALID_SNAPSHOT_EVENT,
            f"`detail.snapshot_event` is {describe(snapshot_event)}; expected the Stripe event id (`evt_\u2026`) of the event's "
            "snapshot twin, which is then the idempotency key",
        )
    context = detail.get("context", MISSING)
    if context is not MISSING and context is not None and (not isinstance(context, str) or not _STRIPE_CONTEXT.fullmatch(context)):
        fail(R.INVALID_CONTEXT, f"`detail.context` is {describe(context)}; expected the account the event belongs to (e.g. \"acct_1\u2026\"), or null")
    related = detail.get("related_object", MISSING)
    related_object = None
    if related is not MISSING and related is not None:
        r_id, r_type, r_url = (related.get(k, MISSING) for k in ("id", "type", "url")) if isinstance(related, dict) else (None, None, None)
        fields_ok = isinstance(r_id, str) and r_id != "" and isinstance(r_type, str) and isinstance(r_url, str)
        if not isinstance(related, dict) or not fields_ok or not _API_PATH.fullmatch(r_url):
            if not isinstance(related, dict):
                why = f"is {describe(related)}"
            elif fields_ok:
                why = f"has the url {quote(r_url, 80)}, which is not a path of Stripe's API"
            else:
                why = f"has id {describe(r_id)}, type {describe(r_type)} and url {describe(r_url)}"
            fail(
                R.INVALID_RELATED_OBJECT,
                f"`detail.related_object` {why}; expected {{ id, type, url }} with url a path such as \"/v2/core/accounts/acct_1\u2026\", or null",
            )
        related_object = RelatedObject(id=r_id, type=r_type, url=r_url)

    livemode = detail.get("livemode")
    return StripeEventSummary(
        event_bridge_id=event_bridge_id,
        source=source,
        stripe_event_id=detail["id"],
        type=detail_type,
        livemode=livemode if isinstance(livemode, bool) else None,
        created=created_ms / 1000,
        api_version=None,
        thin=ThinEventFacts(
            snapshot_event=snapshot_event if isinstance(snapshot_event, str) else None,
            context=context if isinstance(context, str) else None,
            related_object=related_object,
        ),
    )
