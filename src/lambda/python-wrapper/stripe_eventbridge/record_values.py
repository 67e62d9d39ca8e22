"""How the idempotency record holds values, in both runtimes alike (src/contract/idempotency.ts): the JSON text that the
key and the validation hash digest, as Powertools (TypeScript) writes it; the handler's result as a native DynamoDB value
and back; and which results a record can hold, with the rules and messages of the Node.js wrapper
(src/lambda/wrapper/result.ts), so that every record is readable by both."""

from __future__ import annotations

import base64
import json
import math
import re
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional

from aws_lambda_powertools.shared.json_encoder import Encoder
from boto3.dynamodb.types import TypeSerializer

# An item holds at most 400 KB (409,600 bytes); the record's key, status and timestamps take a few hundred bytes of
# it. As in the Node.js wrapper, 4 KB are left to them.
MAX_RESULT_BYTES = 400 * 1024 - 4 * 1024
# As the Node.js wrapper (src/lambda/wrapper/result.ts), so that every record is readable by both: numbers within what
# JavaScript holds exactly (its DynamoDB unmarshaller refuses others) and DynamoDB stores (magnitudes from 1e-130), at
# most 32 levels of lists and maps, no empty map key.
MAX_SAFE_INTEGER = 2**53 - 1
DYNAMODB_SMALLEST_NUMBER = 1e-130
MAX_RESULT_DEPTH = 32

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ARRAY_INDEX = re.compile("0|[1-9][0-9]{0,9}")


def _js_number(x: Any) -> str:
    """A number as JavaScript's JSON.stringify writes it (after JSON.parse: integers beyond 2^53 are doubles)."""
    if isinstance(x, int) and abs(x) <= MAX_SAFE_INTEGER:
        return str(x)
    f = float(x)
    if math.isnan(f) or math.isinf(f):
        return "null"
    if f == 0:
        return "0"
    _, digits, exponent = Decimal(repr(abs(f))).as_tuple()
    s = "".join(map(str, digits)).rstrip("0") or "0"
    k, n = len(s), len(digits) + exponent  # the value is 0.s × 10^n, s the shortest round-trip digits
    if k <= n <= 21:
        text = s + "0" * (n - k)
    elif 0 < n <= 21:
        text = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + s
    else:
        e = n - 1
        text = s[0] + ("." + s[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return ("-" if f < 0 else "") + text


def _js_keys(value: Dict[str, Any]) -> List[str]:
    """Keys in the order JSON.stringify(deepSort(value)) writes them: array-index keys first in numeric order (as any
    JavaScript object enumerates them), then the others by their lower case (Powertools' deepSort)."""
    indexes = sorted((k for k in value if _ARRAY_INDEX.fullmatch(k) and int(k) < 2**32 - 1), key=int)
    taken = set(indexes)
    return indexes + sorted((k for k in value if k not in taken), key=str.lower)


def js_json(value: Any) -> str:
    """`JSON.stringify(deepSort(value))` of a JSON value, as Powertools (TypeScript) hashes it: exact for strings,
    numbers, booleans, null and arrays (what the key and the validation hash cover in a Stripe event), and for objects
    as far as JavaScript's key order can be followed."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group()), json.dumps(value, ensure_ascii=False))
    if isinstance(value, (int, float, Decimal)):
        return _js_number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{js_json(str(k))}:{js_json(value[k])}" for k in _js_keys(value)) + "}"
    return js_json(json.loads(json.dumps(value, cls=Encoder)))


def _attribute(value: Any) -> dict:
    """A JSON value as a DynamoDB value, as the Node.js SDK's marshall writes it (what boto3's TypeSerializer does for
    JSON values, without its generic type dispatch: a tenth of the time). A float in exponent notation is written as
    boto3 writes a Decimal (`1E-7`)."""
    if value is None:
        return {"NULL": True}
    if value is True or value is False:
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, float):
        text = repr(value)
        return {"N": str(Decimal(text)) if "e" in text else text}
    if isinstance(value, list):
        return {"L": [_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _attribute(v) for k, v in value.items()}}
    return TypeSerializer().serialize(value)


def to_attribute_value(json_text: str) -> dict:
    """A result's JSON text as the DynamoDB value the Node.js SDK's marshall writes for it (numbers as `N`)."""
    return _attribute(json.loads(json_text))


def plain_value(value: Any) -> Any:
    """A deserialised DynamoDB value as its JSON value: numbers as int when whole, as float otherwise."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain_value(v) for v in value]
    if isinstance(value, (bytes, bytearray)) or type(value).__name__ == "Binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


class _Measure:
    __slots__ = ("bytes", "depth", "bad_number", "empty_key")

    def __init__(self) -> None:
        self.bytes = 0
        self.depth = 0
        self.bad_number: Optional[Any] = None
        self.empty_key = False


def _measure(value: Any, level: int, into: _Measure) -> None:
    """Size as DynamoDB counts it (CapacityUnitCalculations): strings in UTF-8 bytes, numbers about one byte per two
    significant digits plus one, null and booleans one byte, lists and maps three bytes plus one per element plus their
    keys' bytes; as src/lambda/wrapper/result.ts measures it."""
    if isinstance(value, str):
        into.bytes += len(value.encode("utf-8", "surrogatepass"))
    elif value is None or isinstance(value, bool):
        into.bytes += 1
    elif isinstance(value, (int, float)):
        magnitude = abs(value)
        if magnitude > MAX_SAFE_INTEGER or (magnitude != 0 and magnitude < DYNAMODB_SMALLEST_NUMBER):
            if into.bad_number is None:
                into.bad_number = value
        text = repr(magnitude) if isinstance(magnitude, float) else str(magnitude)
        digits = len(text.split("e")[0].replace(".", "").strip("0")) or 1
        into.bytes += -(-digits // 2) + 1
    elif isinstance(value, list):
        into.depth = max(into.depth, level)
        if level > MAX_RESULT_DEPTH:
            return  # refused anyway; no need to walk deeper
        into.bytes += 3 + len(value)
        for element in value:
            _measure(element, level + 1, into)
    elif isinstance(value, dict):
        into.depth = max(into.depth, level)
        if level > MAX_RESULT_DEPTH:
            return
        into.bytes += 3 + len(value)
        for key, element in value.items():
            if key == "":
                into.empty_key = True
            into.bytes += len(key.encode("utf-8", "surrogatepass"))
            _measure(element, level + 1, into)


def _whole_floats_as_int(value: Any) -> Any:
    """JavaScript has one number type: 1.0 is 1 there, and in DynamoDB. Whole floats become int, as duplicates read them."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    if isinstance(value, list):
        return [_whole_floats_as_int(v) for v in value]
    if isinstance(value, dict):
        return {k: _whole_floats_as_int(v) for k, v in value.items()}
    return value


def to_storable_result(result: Any, on_unstorable: Callable[[str], None]) -> Any:
    """The value to store and return for `result`: its JSON value as Powertools would encode it (Decimal, dataclasses and
    pydantic models as Powertools' encoder writes them), so that the first delivery returns what duplicates will; None
    with a warning when it has no JSON form or when DynamoDB, or a Node.js reader of the record, could not hold it: the
    rules of the Node.js wrapper (src/lambda/wrapper/result.ts), with its messages."""
    if result is None:
        return None
    try:
        text = json.dumps(result, cls=Encoder, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as err:
        on_unstorable(f"the result has no JSON form: {err}")
        return None
    try:
        value = _whole_floats_as_int(json.loads(text))
    except RecursionError as err:
        on_unstorable(f"the result has no JSON form: {err}")
        return None
    m = _Measure()
    try:
        _measure(value, 1, m)
    except RecursionError:
        m.depth = MAX_RESULT_DEPTH + 1
    if m.bad_number is not None:
        on_unstorable(f"the result holds the number {m.bad_number}, which DynamoDB cannot store exactly (return it as a string)")
        return None
    if m.empty_key:
        on_unstorable("the result has an empty object key, which DynamoDB refuses as an attribute name (use a non-empty key)")
        return None
    if m.depth > MAX_RESULT_DEPTH:
        on_unstorable(f"the result is nested more than {MAX_RESULT_DEPTH} levels deep, which DynamoDB cannot store")
        return None
    if m.bytes > MAX_RESULT_BYTES:
        on_unstorable(
            f"the result takes about {m.bytes} bytes in DynamoDB; an idempotency record holds at most {MAX_RESULT_BYTES} "
            "(return a summary, not the whole object)"
        )
        return None
    return value
