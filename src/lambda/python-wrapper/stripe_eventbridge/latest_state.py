"""Latest state wins for Python handlers: `context.effects.put_latest(...)`, the counterpart of the Node.js wrapper's
latest-state.ts (the decision) and latest-state-effect.ts (the effect). The contract (the fence on each item, the rule,
the status transitions and their sources) is src/contract/latest-state.ts, read here from the generated _contract.py, so
an item written by either runtime is read by the other.

Requests, besides the in-progress put: a snapshot event decided by the event alone, one TransactWriteItems (the state,
conditioned on the fence, and the completion); one that is provably older or unchanged, that cancelled transaction (its
ALL_OLD item says why) and the completion; one that cannot prove its order, that cancelled transaction, a GET of the
object from Stripe and the transaction that writes it. A thin event reads the item (GetItem), then skips or fetches.
"""

from __future__ import annotations

import calendar
import email.utils
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from ._contract import (
    DELETED_EVENT_TYPE_SUFFIX,
    FENCE,
    FENCE_ATTRIBUTE,
    FENCE_SOURCE,
    LATEST_DECISION,
    LOCAL_CLOCK_MARGIN_MS,
    MAX_LATEST_STATE_ROUNDS,
    NESTED_OBJECT_TYPES,
    STATUS_TRANSITIONS,
    STRIPE_DATE_MARGIN_MS,
)
from .envelope import parse_iso_timestamp
from .errors import StripeEventBridgeError


class LatestStateError(StripeEventBridgeError):
    """put_latest cannot do what it was asked: nothing was written (the event fails, and Lambda retries it)."""


def _fail(message: str) -> None:
    raise LatestStateError(f"put_latest: {message} Nothing was written.")


_REACHABLE: Dict[str, Dict[str, frozenset]] = {}


def _reachable_from(object_type: str, status: str) -> Optional[frozenset]:
    graph = STATUS_TRANSITIONS.get(object_type)
    if graph is None or status not in graph:
        return None
    by_status = _REACHABLE.setdefault(object_type, {})
    if status not in by_status:
        seen: set = set()
        todo = list(graph[status])
        while todo:
            nxt = todo.pop()
            if nxt in seen:
                continue
            seen.add(nxt)
            todo.extend(graph.get(nxt, ()))
        by_status[status] = frozenset(seen)
    return by_status[status]


def status_provably_after(object_type: str, a: Optional[str], b: Optional[str]) -> bool:
    """Whether status `b` provably comes after `a` for objects of `object_type`: `b` follows `a`, `a` never follows `b`."""
    if a is None or b is None or a == b:
        return False
    from_a, from_b = _reachable_from(object_type, a), _reachable_from(object_type, b)
    return from_a is not None and from_b is not None and b in from_a and a not in from_b


def statuses_before(object_type: str, status: Optional[str]) -> List[str]:
    """Every status that `status` provably comes after."""
    graph = STATUS_TRANSITIONS.get(object_type)
    if graph is None or status is None:
        return []
    return [a for a in graph if status_provably_after(object_type, a, status)]


@dataclass(frozen=True)
class Candidate:
    """What an event (or a fetch) says about the object: its instant range [lo, hi) in epoch milliseconds, and for a
    snapshot its status and the item it would write (client-shape attribute values, without the fence)."""

    id: str
    type: str
    lo: int
    hi: int
    status: Optional[str] = None
    terminal: bool = False
    item: Optional[Dict[str, Any]] = None


def _plain(value: Dict[str, Any]) -> Any:
    """A client-shape attribute value as plain Python (numbers as int or float)."""
    (kind, v), = value.items()
    if kind == "M":
        return {k: _plain(x) for k, x in v.items()}
    if kind == "L":
        return [_plain(x) for x in v]
    if kind == "N":
        return int(v) if re.fullmatch(r"-?\d+", v) else float(v)
    if kind == "NULL":
        return None
    return v


def fence_of(item: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The fence of a stored item (client shape), or None when it has none (an item written otherwise counts as none)."""
    value = (item or {}).get(FENCE_ATTRIBUTE)
    if not isinstance(value, dict) or "M" not in value:
        return None
    fence = _plain(value)
    if not isinstance(fence.get(FENCE["ID"]), str) or not isinstance(fence.get(FENCE["TOKEN"]), str):
        return None
    if not all(isinstance(fence.get(FENCE[k]), (int, float)) for k in ("LO", "HI")):
        return None
    return fence


def _item_text(item: Dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in item.items() if k != FENCE_ATTRIBUTE}, sort_keys=True, default=str)


def decide_latest(stored: Optional[Dict[str, Any]], candidate: Candidate) -> tuple:
    """The rule for a candidate against the stored item: ("write" | "skip", decision) or ("fetch", None)."""
    d = LATEST_DECISION
    fence = fence_of(stored)
    if fence is None:
        return ("write", d["NEWER"]) if candidate.item is not None else ("fetch", None)
    if fence[FENCE["ID"]] != candidate.id:
        raise LatestStateError(
            f"put_latest: the item already holds the state of {fence.get(FENCE['TYPE'])} {fence[FENCE['ID']]}, not of {candidate.type} "
            f"{candidate.id}; an item holds one Stripe object's state. Key the item by the object's id. Nothing was written."
        )
    lo, hi, status = fence[FENCE["LO"]], fence[FENCE["HI"]], fence.get(FENCE["STATUS"])
    if fence.get(FENCE["TERMINAL"]):
        return ("skip", d["UNCHANGED"] if candidate.terminal else d["OLDER"])
    if candidate.terminal:
        return ("write", d["NEWER"]) if candidate.item is not None else ("fetch", None)
    if candidate.item is None:
        return ("skip", d["OLDER"]) if candidate.hi <= lo else ("fetch", None)
    if candidate.lo >= hi:
        return ("write", d["NEWER"])
    if candidate.hi <= lo:
        return ("skip", d["OLDER"])
    if status_provably_after(candidate.type, status, candidate.status):
        return ("write", d["NEWER"])
    if status_provably_after(candidate.type, candidate.status, status):
        return ("skip", d["OLDER"])
    if stored is not None and _item_text(stored) == _item_text(candidate.item):
        return ("skip", d["UNCHANGED"])
    return ("fetch", None)


def _n(value: int) -> Dict[str, str]:
    return {"N": str(value)}


_NAMES = {"#sf": FENCE_ATTRIBUTE, "#sf_id": FENCE["ID"], "#sf_terminal": FENCE["TERMINAL"]}


def event_condition(candidate: Candidate) -> dict:
    """The condition under which a snapshot's write is decided by the event alone: exactly the stored fences for which
    decide_latest says "write"."""
    same = "#sf.#sf_id = :sf_id AND attribute_not_exists(#sf.#sf_terminal)"
    values: Dict[str, Any] = {":sf_id": {"S": candidate.id}}
    if candidate.terminal:
        return {"ConditionExpression": f"attribute_not_exists(#sf) OR ({same})", "ExpressionAttributeNames": dict(_NAMES), "ExpressionAttributeValues": values}
    names = {**_NAMES, "#sf_hi": FENCE["HI"]}
    values[":sf_lo"] = _n(candidate.lo)
    newer = "#sf.#sf_hi <= :sf_lo"
    before = statuses_before(candidate.type, candidate.status)
    if before:
        names.update({"#sf_status": FENCE["STATUS"], "#sf_lo": FENCE["LO"]})
        for i, s in enumerate(before):
            values[f":sf_s{i}"] = {"S": s}
        values[":sf_hi"] = _n(candidate.hi)
        newer += f" OR (#sf.#sf_status IN ({', '.join(f':sf_s{i}' for i in range(len(before)))}) AND #sf.#sf_lo < :sf_hi)"
    return {"ConditionExpression": f"attribute_not_exists(#sf) OR ({same} AND ({newer}))", "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}


def unchanged_condition(stored: Optional[Dict[str, Any]]) -> dict:
    """The condition of a write decided by Stripe: the item is still as read before the fetch."""
    if stored is None:
        return {"ConditionExpression": "attribute_not_exists(#sf)", "ExpressionAttributeNames": {"#sf": FENCE_ATTRIBUTE}}
    return {
        "ConditionExpression": "#sf.#sf_token = :sf_token",
        "ExpressionAttributeNames": {"#sf": FENCE_ATTRIBUTE, "#sf_token": FENCE["TOKEN"]},
        "ExpressionAttributeValues": {":sf_token": {"S": stored[FENCE["TOKEN"]]}},
    }


def snapshot_range(created_seconds: int) -> tuple:
    return created_seconds * 1000, created_seconds * 1000 + 1000


def thin_range(created: str) -> tuple:
    """A thin event's ISO 8601 `created`, to the precision it is written with."""
    lo = parse_iso_timestamp(created) if isinstance(created, str) else None
    if lo is None:
        _fail(f"the event's created {created!r} is not an ISO 8601 timestamp.")
    m = re.search(r":\d\d\.(\d+)", created)
    return lo, lo + 10 ** max(0, 3 - len(m.group(1) if m else ""))


def fetched_range(stored: Optional[Dict[str, Any]], event_lo: int, date_ms: int, margin: int) -> tuple:
    lo = max(stored[FENCE["LO"]] if stored else 0, event_lo, date_ms - margin)
    return lo, max(date_ms + max(margin, STRIPE_DATE_MARGIN_MS), lo + 1)


def is_deletion(event_type: str) -> bool:
    return event_type.endswith(DELETED_EVENT_TYPE_SUFFIX)


def new_fence(candidate: Candidate, token: str, event_id: str, source: str) -> Dict[str, Any]:
    """The fence, as a client-shape map."""
    fence: Dict[str, Any] = {
        FENCE["ID"]: {"S": candidate.id},
        FENCE["TYPE"]: {"S": candidate.type},
        FENCE["LO"]: _n(candidate.lo),
        FENCE["HI"]: _n(candidate.hi),
        FENCE["TOKEN"]: {"S": token},
        FENCE["EVENT"]: {"S": event_id},
        FENCE["SOURCE"]: {"S": source},
    }
    if candidate.status is not None:
        fence[FENCE["STATUS"]] = {"S": candidate.status}
    if candidate.terminal:
        fence[FENCE["TERMINAL"]] = {"BOOL": True}
    return {"M": fence}


@dataclass(frozen=True)
class LatestStateEvent:
    id: str
    type: str
    created: Any
    """A snapshot event's `created` (Unix seconds) or a thin event's (its ISO 8601 text)."""
    api_version: Optional[str] = None
    related_object: Optional[Any] = None
    """A thin event's `related_object` (`id`, `type`, `url`)."""


@dataclass
class LatestStateIo:
    commit: Callable[[List[dict], Any], Any]
    """Commits client-shape actions with the completion, storing the result; returns the result as stored."""
    read: Callable[[str, Dict[str, Any]], Optional[Dict[str, Any]]]
    """A strongly consistent read of the item (the key in client shape)."""
    fetch: Callable[[str, bool, Optional[str]], tuple]
    """GETs a path from Stripe: (object as a dict, the response's Date header or None)."""
    serialize: Callable[[Any], Dict[str, Any]]
    """A plain Python value as a client-shape attribute value (boto3's TypeSerializer)."""
    token: Callable[[], str]
    now_ms: Callable[[], int]


def _retrieve_path(object_type: str, object_id: str, given: Optional[str]) -> str:
    if given is not None:
        if not isinstance(given, str) or not given.startswith("/v"):
            _fail(f"path must be an API path such as /v1/customers/cus_123/tax_ids/{object_id}.")
        return given
    if object_type.startswith("v2.") or object_type in NESTED_OBJECT_TYPES:
        _fail(f"a {object_type} is not retrieved at /v1/{object_type}s/{{id}}: give `path`, the API path that retrieves {object_id}, so that Stripe can "
              "decide when the event cannot.")
    from urllib.parse import quote

    return f"/v1/{object_type.replace('.', '/')}s/{quote(object_id, safe='')}"


def _cancelled_state(err: BaseException) -> tuple:
    """(condition failed, stored item) for the state's own cancellation (reason 0); re-raises anything else, and the
    handler's own cancellations with its reasons only."""
    response = getattr(err, "response", None) or {}
    if response.get("Error", {}).get("Code") != "TransactionCanceledException":
        raise err
    reasons = response.get("CancellationReasons") or []
    own, theirs = (reasons[0] if reasons else {}) or {}, reasons[1:]
    if any((r or {}).get("Code") not in (None, "None") for r in theirs):
        response["CancellationReasons"] = theirs
        raise err
    if own.get("Code") == "ConditionalCheckFailed":
        return True, own.get("Item")
    return False, None


def run_put_latest(event: LatestStateEvent, io: LatestStateIo, *, TableName: Any, Key: Any, Item: Any, obj: Any, TransactItems: Any, path: Any,  # noqa: N803
                   result: Any) -> Any:
    """put_latest for one event; returns the result as stored."""
    thin = event.related_object
    if not isinstance(TableName, str) or TableName == "":
        _fail("TableName must be the name (or ARN) of a table.")
    if not isinstance(Key, dict) or not Key:
        _fail("Key must be the item's primary key, e.g. {\"pk\": f\"SUBSCRIPTION#{subscription['id']}\"}.")
    if not callable(Item):
        _fail("Item must be a function from a state of the object (a dict) to the item's attributes: lambda o: {\"status\": o[\"status\"]}.")
    if TransactItems is not None and not isinstance(TransactItems, (list, tuple)):
        _fail("TransactItems, when given, must be a list of actions, as for transact_write_resource.")
    if thin is not None:
        if obj is not None:
            _fail("a thin event carries no object: leave out `object`; the related object is fetched from Stripe.")
        object_id, object_type = thin.id, thin.type
    else:
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not isinstance(obj.get("object"), str):
            _fail("object must be the Stripe object the event carries (event[\"detail\"][\"data\"][\"object\"]), with its `id` and `object`.")
        object_id, object_type = obj["id"], obj["object"]
    extras = list(TransactItems or [])
    key = {}
    for name, value in Key.items():
        try:
            key[name] = io.serialize(value)
        except (TypeError, ValueError) as err:
            _fail(f"Key[{name!r}] cannot be serialised for DynamoDB: {err}.")
    ev_lo, ev_hi = thin_range(event.created) if isinstance(event.created, str) else snapshot_range(int(event.created))
    terminal = is_deletion(event.type)
    fetches = [0]

    def item_for(state: dict) -> Dict[str, Any]:
        attributes = Item(state)
        if not isinstance(attributes, dict):
            _fail("Item(object) must return a dict of attributes.")
        if FENCE_ATTRIBUTE in attributes:
            _fail(f"Item(object) returned {FENCE_ATTRIBUTE}, the attribute put_latest keeps its fence in; name yours otherwise.")
        out: Dict[str, Any] = {}
        for name, value in attributes.items():
            try:
                out[name] = io.serialize(value)
            except (TypeError, ValueError) as err:
                _fail(f"Item(object)[{name!r}] cannot be serialised for DynamoDB: {err} (numbers as int or Decimal, not float).")
            if name in key and out[name] != key[name]:
                _fail(f"Item(object) returned {name} = {value!r}, but the Key says otherwise; a state's key never changes.")
        return {**out, **key}

    def candidate_for(state: dict, lo: int, hi: int, is_terminal: bool) -> Candidate:
        status = state.get("status") if isinstance(state.get("status"), str) else None
        return Candidate(state["id"], state["object"], lo, hi, status, is_terminal, item_for(state))

    def result_of(written: bool, decision: str) -> Any:
        outcome = {"object": object_id, "written": written, "decision": decision, "fetches": fetches[0]}
        if callable(result):
            return result(outcome)
        return outcome if result is None else result

    def put(candidate: Candidate, source: str, condition: dict) -> dict:
        item = {**candidate.item, FENCE_ATTRIBUTE: new_fence(candidate, io.token(), event.id, source)}
        return {"Put": {"TableName": TableName, "Item": item, **condition, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}

    def attempt(action: dict, written: bool, decision: str) -> tuple:
        try:
            return True, io.commit([action, *extras], result_of(written, decision))
        except Exception as err:  # noqa: BLE001 (re-raised unless it is the state's own cancellation)
            return False, _cancelled_state(err)

    candidate = candidate_for(obj, ev_lo, ev_hi, terminal) if thin is None else Candidate(object_id, object_type, ev_lo, ev_hi, None, terminal)
    stored: Optional[Dict[str, Any]] = None
    known = False
    if candidate.item is not None:
        done, out = attempt(put(candidate, FENCE_SOURCE["EVENT"], event_condition(candidate)), True, LATEST_DECISION["NEWER"])
        if done:
            return out
        known, stored = out
    for _ in range(MAX_LATEST_STATE_ROUNDS):
        if not known:
            stored = io.read(TableName, key)
        known = True
        action, decision = decide_latest(stored, candidate)
        if action == "skip":
            return io.commit(extras, result_of(False, decision))
        before = fence_of(stored)
        if action == "write":
            done, out = attempt(put(candidate, FENCE_SOURCE["EVENT"], unchanged_condition(before)), True, decision)
        else:
            api_path = thin.url if thin is not None else _retrieve_path(object_type, object_id, path)
            # A deleted object is gone (404) once its deletion event is out: that is its final state, Stripe's deleted object.
            gone = {"id": object_id, "object": object_type, "deleted": True} if terminal else None
            latest, date = _fetch(io, api_path, thin is not None, event.api_version, gone)
            fetches[0] += 1
            if latest.get("id") != object_id:
                _fail(f"Stripe answered GET {api_path} with {latest.get('object')} {latest.get('id')}, not {object_type} {object_id}.")
            date_ms = _date_ms(date)
            clock = (date_ms, STRIPE_DATE_MARGIN_MS) if date_ms is not None else (io.now_ms(), LOCAL_CLOCK_MARGIN_MS)
            lo, hi = fetched_range(before, ev_lo, *clock)
            fetched = candidate_for(latest, lo, hi, terminal or latest.get("deleted") is True)
            done, out = attempt(put(fetched, FENCE_SOURCE["STRIPE"], unchanged_condition(before)), True, LATEST_DECISION["FETCHED"])
        if done:
            return out
        # Another delivery wrote the item since it was read: decide again against what it wrote.
        known, stored = out
    raise LatestStateError(
        f"put_latest: {object_type} {object_id} was written by other deliveries {MAX_LATEST_STATE_ROUNDS} times while this event was deciding; nothing "
        "was written. The event fails and Lambda retries it."
    )


def _date_ms(date: Optional[str]) -> Optional[int]:
    if not date:
        return None
    try:
        parsed = email.utils.parsedate_tz(date)
    except (TypeError, ValueError):
        return None
    return (calendar.timegm(parsed[:9]) - (parsed[9] or 0)) * 1000 if parsed else None


def _fetch(io: LatestStateIo, api_path: str, thin: bool, api_version: Optional[str], gone: Optional[dict]) -> tuple:
    try:
        latest, date = io.fetch(api_path, thin, api_version)
    except Exception as err:
        if getattr(err, "http_status", None) == 404 and gone is not None:
            return gone, None
        if getattr(err, "http_status", None) == 404:
            raise LatestStateError(
                f"put_latest: Stripe answered 404 for GET {api_path} ({err}): the object was deleted (its *.deleted event, when it arrives, makes that "
                "its final state), or the key cannot see it (another account: check stripeApiKeySecret and the event's account). Nothing was written; "
                "the event fails and Lambda retries it."
            ) from err
        raise
    if not isinstance(latest, dict) or not isinstance(latest.get("id"), str) or not isinstance(latest.get("object"), str):
        _fail(f"Stripe's answer to GET {api_path} is not an object with an id.")
    return latest, date
