"""The idempotency store: Powertools for AWS Lambda (Python)'s DynamoDB persistence layer, on the same table, with
the same record schema (`id`, `expiration`, `status`, `data`, `in_progress_expiration`), key prefix and record
lifetime as the Node.js wrapper (src/lambda/wrapper/idempotency.ts), with the same two additions:

- a result that DynamoDB refuses to store is replaced by `null` and the record still completes, instead of leaving
  it in progress for a retry to repeat the effect;
- a failure to reach the table is reported as an IdempotencyStoreError that says which table, why, and whether the
  handler ran, instead of Powertools' cause-less "Failed to … idempotency store".

Keys: Powertools (Python) writes `<key prefix>#<md5 hex digest of json.dumps(detail.id)>`
(aws_lambda_powertools/utilities/idempotency/persistence/base.py, `_get_hashed_idempotency_key`, `_generate_hash`),
where Powertools (TypeScript) writes the base64 digest of the same JSON: a Python and a Node.js handler on one table
never share a record, even under the same prefix. The `data` attribute holds the result as a JSON string (Python)
or as a DynamoDB value (TypeScript); each reads only its own records.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Callable, Optional

import boto3
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

# An item holds at most 400 KB (409,600 bytes); the record's key, status and timestamps take a few hundred bytes of
# it. As in the Node.js wrapper, 4 KB are left to them. The result is stored as a string: its size is its UTF-8 bytes.
MAX_RESULT_BYTES = 400 * 1024 - 4 * 1024


class IdempotencyStoreError(Exception):
    """The idempotency table could not be read or written. Retrying later is safe; see the message for what ran."""

    def __init__(self, message: str, handler_ran: bool):
        super().__init__(message)
        self.handler_ran = handler_ran


def _is_rejected_item(err: BaseException) -> bool:
    """DynamoDB's answer when the stored item would be invalid: its size, one of its values."""
    response = getattr(err, "response", None) or {}
    return response.get("Error", {}).get("Code") == "ValidationException"


class StripeIdempotencyStore(DynamoDBPersistenceLayer):
    def __init__(self, table_name: str, endpoint: Optional[str], on_result_rejected: Callable[[str, str], None]):
        # boto3's default session, which the user's handler most likely uses too: DynamoDB's service model is then
        # loaded once per execution environment (Powertools alone would make a session of its own).
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        super().__init__(table_name=table_name, boto3_client=client)
        self._on_result_rejected = on_result_rejected

    def _update_record(self, data_record: DataRecord):
        try:
            super()._update_record(data_record)
        except Exception as err:
            if data_record.response_data in (None, "null") or not _is_rejected_item(err):
                raise
            self._on_result_rejected(data_record.idempotency_key, describe_cause(err))
            data_record.response_data = "null"
            super()._update_record(data_record)


def describe_cause(err: BaseException) -> str:
    """`Name: message` of an error, for logs and error messages; never a stack."""
    message = str(err)
    return f"{type(err).__name__}{': ' + message if message else ''}"


def explain_store_failure(err: BaseException, table_name: str, stripe_event_id: str, handler_ran: bool, deadline_ms: Optional[float]) -> BaseException:
    """Turns Powertools' persistence-layer error into an IdempotencyStoreError that names the table, the Stripe event,
    the cause and what a retry will do. Any other error is returned unchanged."""
    if not isinstance(err, IdempotencyPersistenceLayerError):
        return err
    cause = describe_cause(err.__cause__ or err)
    where = f"idempotency table {table_name}"
    if not handler_ran:
        return IdempotencyStoreError(
            f"could not record {stripe_event_id} as in progress in the {where} ({cause}); the handler did not run. A retry is safe.",
            False,
        )
    until = ""
    if deadline_ms:
        until = " until " + dt.datetime.fromtimestamp(deadline_ms / 1000, dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if str(err.args[0] if err.args else "").startswith("Failed to delete"):
        what = f"the handler failed for {stripe_event_id} and its in-progress record could not be removed from the {where}"
    else:
        what = f"the handler ran for {stripe_event_id} but the {where} could not be updated with its result"
    return IdempotencyStoreError(
        f"{what} ({cause}). The in-progress record blocks duplicates{until}; a retry after that runs the handler again.",
        True,
    )


def to_storable_result(result: Any, on_unstorable: Callable[[str], None]) -> Any:
    """The value to store and return for `result`: its JSON value as Powertools would store it (Decimal, dataclasses and
    pydantic models as Powertools' encoder writes them), so that the first delivery returns what duplicates will; None
    with a warning when it has no JSON form or is too large for an idempotency record."""
    if result is None:
        return None
    try:
        text = json.dumps(result, cls=Encoder, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as err:
        on_unstorable(f"the result has no JSON form: {err}")
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_RESULT_BYTES:
        on_unstorable(
            f"the result takes {size} bytes in DynamoDB; an idempotency record holds at most {MAX_RESULT_BYTES} "
            "(return a summary, not the whole object)"
        )
        return None
    return json.loads(text)
