"""Transactional effects for Python handlers, the counterpart of src/lambda/wrapper/effects.ts: a handler hands its
DynamoDB writes to `context.effects` and the wrapper commits them in the same TransactWriteItems as the idempotency
record's completion (see idempotency.py, `StripeIdempotencyStore.commit`).

Two shapes, both boto3's own:

- `context.effects.transact_write(TransactItems=[...], result=...)` takes exactly what boto3's low-level
  `client.transact_write_items(TransactItems=[...])` takes: attribute values typed (`{"pk": {"S": "ORDER#1"}}`).
- `context.effects.transact_write_resource(TransactItems=[...], result=...)` takes the values as boto3's resource API
  (`boto3.resource("dynamodb").Table(...).put_item(Item=...)`) does: `str`, `Decimal` (not `float`), `int`, `bool`,
  `None`, `bytes`, `set`, `list`, `dict`. They are serialised with boto3's own transformation for the resource API
  (`boto3.dynamodb.transform.TransformationInjector.inject_attribute_value_input`, which applies
  `boto3.dynamodb.types.TypeSerializer` to every AttributeValue of the operation's input shape). Conditions are
  expression strings: boto3 builds `Attr`/`Key` conditions only for top-level parameters, not inside TransactItems.

Checked here, before any request, against DynamoDB's TransactWriteItems rules
(docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html: up to 100 actions, not in
different accounts or Regions, no two actions on the same item, an aggregate item size of 4 MB), with the record's
completion counted as one of them, with the Node.js wrapper's messages.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._contract import KEY_HASH_SEPARATOR, MAX_TRANSACTION_ACTIONS, MAX_TRANSACTION_BYTES, RECORD_ATTRIBUTE
from .errors import StripeEventBridgeError

KINDS = ("Put", "Update", "Delete", "ConditionCheck")
_TYPES = ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL")


class InvalidTransactionError(StripeEventBridgeError):
    """The handed-over writes break one of DynamoDB's transaction rules: nothing was written."""


class _NotAnAttributeValue(Exception):
    pass


def _number_bytes(n: str) -> int:
    """Bytes DynamoDB counts for a number: about one per two significant digits, plus one."""
    digits = n.lstrip("-").lower().split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return -(-max(len(digits), 1) // 2) + 1


def _utf8(s: Any) -> int:
    return len(s.encode("utf-8", "surrogatepass")) if isinstance(s, str) else len(s)


def attribute_value_bytes(v: Any) -> int:
    """The size DynamoDB counts for a low-level attribute value (docs: CapacityUnitCalculations, item sizes); raises
    _NotAnAttributeValue for anything that is not one."""
    if not isinstance(v, dict) or len(v) != 1 or next(iter(v)) not in _TYPES:
        raise _NotAnAttributeValue()
    kind, value = next(iter(v.items()))
    try:
        if kind in ("S", "B"):
            return _utf8(value)
        if kind == "N":
            return _number_bytes(value)
        if kind in ("SS", "BS"):
            return sum(_utf8(e) for e in value)
        if kind == "NS":
            return sum(_number_bytes(e) for e in value)
        if kind == "L":
            return 3 + sum(1 + attribute_value_bytes(e) for e in value)
        if kind == "M":
            return 3 + sum(1 + _utf8(k) + attribute_value_bytes(e) for k, e in value.items())
    except (AttributeError, TypeError) as err:
        raise _NotAnAttributeValue() from err
    return 1  # BOOL, NULL


def _item_bytes(item: Optional[Dict[str, Any]]) -> int:
    return sum(_utf8(k) + attribute_value_bytes(v) for k, v in (item or {}).items())


def _put_matches(put_item: Dict[str, Any], key: Dict[str, Any]) -> bool:
    """Whether a Put's item carries every attribute of `key` with the same value: then it is the same item."""
    return all(name in put_item and put_item[name] == value for name, value in key.items())


def _describe_key(key: Dict[str, Any]) -> str:
    return json.dumps({k: next(iter(v.values())) for k, v in key.items()}, separators=(",", ":"), default=str)


class _Checked:
    __slots__ = ("item", "kind", "table", "key", "put_item", "bytes")

    def __init__(self, item: dict, kind: str, table: str, key: Optional[dict], put_item: Optional[dict], size: int):
        self.item, self.kind, self.table, self.key, self.put_item, self.bytes = item, kind, table, key, put_item, size


def _fail(method: str, message: str) -> None:
    raise InvalidTransactionError(f"{method}: {message} Nothing was written.")


def _transact_items_name(i: int) -> str:
    return f"TransactItems[{i}]"


def _put_latest_name(i: int) -> str:
    """put_latest's actions: the state's Put, then the handler's TransactItems."""
    return "the state (Key and Item)" if i == 0 else f"TransactItems[{i - 1}]"


class Effects:
    """`context.effects`: one per invocation."""

    def __init__(
        self,
        store: Any,
        storable: Callable[[Any], Any],
        region: Optional[str],
        account: Optional[str],
        serialize: Callable[[dict], None],
        # The event's order facts, as a function that builds them (latest_state.py is loaded by put_latest only), and the fetch.
        latest: Optional[Tuple[Callable[[], Any], Callable[..., tuple]]] = None,
        on_latest: Optional[Callable[[dict], None]] = None,
    ):
        self._store = store
        self._storable = storable
        self._region = region
        self._account = account
        self._serialize = serialize
        self._latest = latest
        self._on_latest = on_latest

    def transact_write(self, *, TransactItems: List[dict], result: Any = None) -> Any:  # noqa: N803 (boto3's name)
        """Commits `TransactItems` (exactly as boto3's `client.transact_write_items` takes them) with the event's
        idempotency record, and returns `result` as stored (its JSON value), which duplicates return too. Raises
        boto3's TransactionCanceledException (a ClientError) when one of the handler's conditions fails: nothing
        was written, and `err.response["CancellationReasons"]` has one reason per item handed over."""
        return self._commit("transact_write", TransactItems, result, resource=False)

    def transact_write_resource(self, *, TransactItems: List[dict], result: Any = None) -> Any:  # noqa: N803
        """As transact_write, with the values as boto3's resource API takes them (`Decimal`, not `float`)."""
        return self._commit("transact_write_resource", TransactItems, result, resource=True)

    def put_latest(
        self,
        *,
        TableName: str,  # noqa: N803 (DynamoDB's names)
        Key: dict,  # noqa: N803
        Item: Callable[[dict], dict],  # noqa: N803
        object: Optional[dict] = None,  # noqa: A002 (the Stripe object, as the event names it)
        TransactItems: Optional[List[dict]] = None,  # noqa: N803
        path: Optional[str] = None,
        result: Any = None,
    ) -> Any:
        """Writes a Stripe object's state so that it never goes backwards and ends equal to Stripe's latest, whatever the
        delivery order (src/contract/latest-state.ts), committed with the event's idempotency record. `Key` is the
        item's primary key; `Item(state)` returns its other attributes for a state of the object (the event's `object`,
        or one fetched from Stripe with `context.stripe` when the event cannot prove its order; a thin event carries none);
        values as boto3's resource API takes them, as for transact_write_resource, which `TransactItems` (other writes of
        the event, committed whatever the decision) follow too. Returns `result` as stored: by default the outcome
        `{"object", "written", "decision", "fetches"}`; a callable gets the outcome."""
        from .latest_state import LatestStateIo, run_put_latest  # only handlers that use it load it

        self._not_committed("put_latest")
        if self._latest is None:
            raise InvalidTransactionError("put_latest: this invocation has no Stripe event. Nothing was written.")
        event_of, fetch = self._latest
        event = event_of()
        extras = self.check("put_latest", TransactItems, resource=True) if TransactItems else []
        outcomes: List[dict] = []

        def result_of(outcome: dict) -> Any:
            outcomes.append(outcome)
            if callable(result):
                return result(outcome)
            return outcome if result is None else result

        def commit(actions: List[dict], value: Any) -> Any:
            checked = self.check("put_latest", actions, resource=False, name=_put_latest_name) if actions else []
            return self._store.commit(checked, self._storable(value), "put_latest")

        from boto3.dynamodb.types import TypeSerializer

        serializer = TypeSerializer()
        io = LatestStateIo(
            commit=commit,
            read=self._store.read_item,
            fetch=fetch,
            serialize=serializer.serialize,
            token=lambda: __import__("secrets").token_urlsafe(9),
            now_ms=lambda: int(__import__("time").time() * 1000),
        )
        stored = run_put_latest(event, io, TableName=TableName, Key=Key, Item=Item, obj=object, TransactItems=extras, path=path, result=result_of)
        if outcomes and self._on_latest is not None:
            self._on_latest(outcomes[-1])
        return stored

    def _not_committed(self, method: str) -> None:
        # The invocation fails anyway (a record taken over, an unknown commit outcome): nothing more is sent.
        if self._store.failure is not None:
            raise self._store.failure
        if self._store.committed is not None:
            # The first call's commit completed the record: its retries are duplicates, so these writes can never be
            # made. The event fails (whatever the handler does with this error) instead of passing for processed.
            self._store.failure = InvalidTransactionError(
                f"{method}: this event's effects are already committed (with its idempotency record). Hand over all of an event's writes in one call. "
                "Nothing was written."
            )
            raise self._store.failure

    def _commit(self, method: str, items: Any, result: Any, resource: bool) -> Any:
        self._not_committed(method)
        actions = self.check(method, items, resource)
        return self._store.commit(actions, self._storable(result), method)

    def check(self, method: str, given: Any, resource: bool, name: Callable[[int], str] = _transact_items_name) -> List[dict]:
        """Validates (and, for the resource shape, serialises) the actions; raises InvalidTransactionError before any
        request."""
        if not isinstance(given, (list, tuple)) or len(given) == 0:
            _fail(method, "expected TransactItems=[...] with at least one action ({\"Put\": …}, {\"Update\": …}, {\"Delete\": …} or "
                  "{\"ConditionCheck\": …}), as for boto3's client.transact_write_items.")
        maximum = MAX_TRANSACTION_ACTIONS - 1
        if len(given) > maximum:
            _fail(method, f"{len(given)} actions plus the idempotency record's completion make {len(given) + 1}; DynamoDB's TransactWriteItems "
                  f"takes at most {MAX_TRANSACTION_ACTIONS}, so an event's effects must fit in {maximum} actions.")
        checked = [self._check_action(method, raw, name(i), resource) for i, raw in enumerate(given)]
        record_key = self._store.record_key()
        table_name = self._store.table_name
        for i, a in enumerate(checked):
            on_record = a.table == table_name and (
                a.key.get(RECORD_ATTRIBUTE["KEY"]) == record_key[RECORD_ATTRIBUTE["KEY"]] if a.key is not None else _put_matches(a.put_item, record_key)
            )
            if on_record:
                prefix = self._store.key.split(KEY_HASH_SEPARATOR)[0]
                _fail(method, f"{name(i)} writes this event's idempotency record ({prefix}#…), which the wrapper completes in the same transaction.")
            for j in range(i):
                b = checked[j]
                if a.table != b.table:
                    continue
                clash = (
                    (a.key is not None and b.key is not None and a.key == b.key)
                    or (a.key is not None and b.put_item is not None and _put_matches(b.put_item, a.key))
                    or (b.key is not None and a.put_item is not None and _put_matches(a.put_item, b.key))
                )
                if clash:
                    _fail(method, f"{name(j)} ({b.kind}) and {name(i)} ({a.kind}) target the same item "
                          f"{_describe_key(a.key if a.key is not None else b.key)} in {a.table}; DynamoDB allows one action per item in a "
                          "transaction. Merge them into one action.")
        record_bytes = _item_bytes(record_key) + 300  # key, status, timestamps; the result is limited by to_storable_result
        total = record_bytes + sum(a.bytes for a in checked)
        if total > MAX_TRANSACTION_BYTES:
            _fail(method, f"the actions add up to about {total} bytes; DynamoDB's TransactWriteItems takes items of at most "
                  f"{MAX_TRANSACTION_BYTES} bytes (4 MB) in all. Write less per event.")
        return [a.item for a in checked]

    def _check_action(self, method: str, raw: Any, where: str, resource: bool) -> _Checked:
        kinds = [k for k in KINDS if isinstance(raw, dict) and raw.get(k) is not None]
        if len(kinds) != 1:
            _fail(method, f"{where} must have exactly one of {', '.join(KINDS)}; it has {'none' if not kinds else ' and '.join(kinds)}.")
        kind = kinds[0]
        action = raw[kind]
        if not isinstance(action, dict):
            _fail(method, f"{where}.{kind} must be a dict of the action's parameters.")
        table = action.get("TableName")
        if not isinstance(table, str) or table == "":
            _fail(method, f"{where}.{kind}.TableName must be the name (or ARN) of a table.")
        self._check_account_and_region(method, table, f"{where}.{kind}.TableName")
        required = "Item" if kind == "Put" else "Key"
        for field in (required, "ExpressionAttributeValues"):
            value = action.get(field)
            if value is None and field == required:
                _fail(method, f"{where}.{kind}.{field} is required.")
            if value is not None and not isinstance(value, dict):
                _fail(method, f"{where}.{kind}.{field} must be a dict of attribute values.")
        if kind == "Update" and not isinstance(action.get("UpdateExpression"), str):
            _fail(method, f"{where}.Update.UpdateExpression is required.")
        if kind == "ConditionCheck" and not isinstance(action.get("ConditionExpression"), str):
            _fail(method, f"{where}.ConditionCheck.ConditionExpression is required (an expression string).")
        item = {kind: dict(action)}
        if resource:
            item = copy.deepcopy(item)
            try:
                self._serialize(item)
            except (TypeError, ValueError) as err:
                _fail(method, f"{where}.{kind} cannot be serialised for DynamoDB: {err}.")
        out = item[kind]
        size = 0
        for field in (required, "ExpressionAttributeValues"):
            for name, value in (out.get(field) or {}).items():
                try:
                    size += _utf8(name) + attribute_value_bytes(value)
                except _NotAnAttributeValue:
                    hint = (
                        "" if resource else " For plain Python values (as boto3's Table.put_item takes them), use context.effects.transact_write_resource."
                    )
                    _fail(method, f"{where}.{kind}.{field}[{name!r}] is not a DynamoDB attribute value such as {{\"S\": \"text\"}} or "
                          f"{{\"N\": \"12\"}} (boto3's client shape): got {_short(value)}.{hint}")
        key = out.get("Key") if kind != "Put" else None
        put_item = out.get("Item") if kind == "Put" else None
        return _Checked(item, kind, table, key, put_item, size)

    def _check_account_and_region(self, method: str, table: str, where: str) -> None:
        """`arn:<partition>:dynamodb:<region>:<account>:table/<name>`: in the function's account and Region."""
        if not table.startswith("arn:"):
            return
        parts = table.split(":")
        service, region, account = (parts + ["", "", "", "", ""])[2:5]
        if service != "dynamodb":
            _fail(method, f"{where} '{table}' is not a DynamoDB table ARN.")
        here = f"this function and its idempotency table are in account {self._account or '(unknown)'}, Region {self._region or '(unknown)'}"
        if (self._region and region != self._region) or (self._account and account != self._account):
            _fail(method, f"{where} '{table}' is in account {account}, Region {region}; {here}. A DynamoDB transaction cannot span accounts or Regions.")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def resource_serializer(client: Any) -> Callable[[dict], None]:
    """Serialises one TransactWriteItems action in place from the resource API's values to attribute values, with
    boto3's own transformation for TransactWriteItems' input shape. boto3 is imported on first use only."""
    state: Dict[str, Tuple[Any, Any]] = {}

    def serialize(item: dict) -> None:
        if "injector" not in state:
            from boto3.dynamodb.transform import TransformationInjector

            state["injector"] = (TransformationInjector(), client.meta.service_model.operation_model("TransactWriteItems"))
        injector, model = state["injector"]
        injector.inject_attribute_value_input({"TransactItems": [item]}, model)

    return serialize
