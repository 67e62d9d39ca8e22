"""The idempotency store: Powertools for AWS Lambda (Python)'s DynamoDB persistence layer, on the same table, with
the same record schema (`id`, `expiration`, `status`, `data`, `in_progress_expiration`), key prefix and record
lifetime as the Node.js wrapper (src/lambda/wrapper/idempotency.ts), with the same additions:

- `commit()` writes the handler's own DynamoDB actions (`context.effects`, effects.py) and the record's completion in
  one TransactWriteItems, conditioned on the record still being this invocation's in-progress record: the effects and
  the completion happen together or not at all (src/contract/idempotency.ts, request 2b);
- a handler error deletes the record only while it is still this invocation's in-progress record (request 3), so a
  record completed by the handler's own transaction, or taken over after the deadline, stays;
- a result that DynamoDB refuses to store is replaced by `null` and the record still completes, instead of leaving
  it in progress for a retry to repeat the effect; what was stored is what this delivery returns;
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
from typing import Any, Callable, List, Optional, Tuple

import boto3
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from botocore.exceptions import ClientError, ParamValidationError

from ._contract import RECORD_ATTRIBUTE as A
from ._contract import RECORD_STATUS
from .effects import InvalidTransactionError
from .errors import StripeEventBridgeError

# An item holds at most 400 KB (409,600 bytes); the record's key, status and timestamps take a few hundred bytes of
# it. As in the Node.js wrapper, 4 KB are left to them. The result is stored as a string: its size is its UTF-8 bytes.
MAX_RESULT_BYTES = 400 * 1024 - 4 * 1024


class IdempotencyStoreError(StripeEventBridgeError):
    """The idempotency table could not be read or written. Retrying later is safe; see the message for what ran."""

    def __init__(self, message: str, handler_ran: bool):
        super().__init__(message)
        self.handler_ran = handler_ran


class TransactionOutcomeUnknownError(StripeEventBridgeError):
    """The transaction's answer never arrived (DynamoDB unreachable or failing after boto3's retries): the effects may or
    may not have been committed. The invocation fails; the retry finds either the completed record (a duplicate) or no
    record (it processes the event), never half of it."""


class IdempotencyRecordLostError(StripeEventBridgeError):
    """The record is no longer this invocation's in-progress record, so nothing was committed."""


def _error_code(err: BaseException) -> Optional[str]:
    response = getattr(err, "response", None) or {}
    return response.get("Error", {}).get("Code")


def _is_rejected_item(err: BaseException) -> bool:
    """DynamoDB's answer when the stored item would be invalid: its size, one of its values."""
    return _error_code(err) == "ValidationException"


_STILL_MINE = "#status = :inprogress AND #in_progress_expiry = :in_progress_expiry"


class StripeIdempotencyStore(DynamoDBPersistenceLayer):
    def __init__(self, table_name: str, endpoint: Optional[str], on_result_rejected: Callable[[str, str], None]):
        # boto3's default session, which the user's handler most likely uses too: DynamoDB's service model is then
        # loaded once per execution environment (Powertools alone would make a session of its own).
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        super().__init__(table_name=table_name, boto3_client=client)
        self._on_result_rejected = on_result_rejected
        self.begin()

    def begin(self) -> None:
        """Forgets the previous invocation: one store per execution environment, one invocation at a time."""
        self.key: Optional[str] = None
        """The record's key, once this invocation put it in progress."""
        self.in_progress_expiry: Optional[int] = None
        """This invocation's `in_progress_expiration`, the value that proves the record is still its own."""
        self.committed: Optional[Tuple[Any, int]] = None
        """(result, actions) once `commit()` completed the record together with the handler's actions."""
        self.stored: Optional[Tuple[Any]] = None
        """(value,) when the stored result differs from the one handed over (DynamoDB refused it: null was stored)."""
        self.commit_outcome_unknown: Optional[TransactionOutcomeUnknownError] = None
        """Set when a transaction's outcome is unknown: the invocation must fail whatever the handler returns."""

    def record_key(self) -> dict:
        """The record's primary key as DynamoDB takes it."""
        return self._get_key(self.key)

    def _put_record(self, data_record: DataRecord) -> None:
        super()._put_record(data_record)
        self.key = data_record.idempotency_key
        self.in_progress_expiry = data_record.in_progress_expiry_timestamp

    def _update_record(self, data_record: DataRecord):
        """Powertools' completion (UpdateItem), unless `commit()` already completed the record."""
        if self.committed is not None:
            return
        try:
            super()._update_record(data_record)
        except Exception as err:
            if data_record.response_data in (None, "null") or not _is_rejected_item(err):
                raise
            self._on_result_rejected(data_record.idempotency_key, describe_cause(err))
            data_record.response_data = "null"
            super()._update_record(data_record)
            self.stored = (None,)

    def _delete_record(self, data_record: DataRecord) -> None:
        """Deletes the record after a handler error, only while it is still this invocation's in-progress record."""
        if self.in_progress_expiry is None:
            return super()._delete_record(data_record)
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=self._get_key(data_record.idempotency_key),
                ConditionExpression=_STILL_MINE,
                ExpressionAttributeNames={"#status": A["STATUS"], "#in_progress_expiry": A["IN_PROGRESS_EXPIRATION"]},
                ExpressionAttributeValues={
                    ":inprogress": {"S": RECORD_STATUS["IN_PROGRESS"]},
                    ":in_progress_expiry": {"N": str(self.in_progress_expiry)},
                },
            )
        except ClientError as err:
            # Completed by this invocation's own transaction, or taken over after its deadline: not ours to delete.
            if _error_code(err) != "ConditionalCheckFailedException":
                raise

    def commit(self, actions: List[dict], result: Any, method: str) -> Any:
        """Commits the handler's actions and the record's completion in one TransactWriteItems (the record last).
        Returns the result as stored. A cancelled transaction committed nothing: a cancellation of one of the handler's
        actions is re-raised as boto3's TransactionCanceledException (its CancellationReasons one per handler action, in
        order), the record's own as IdempotencyRecordLostError."""
        try:
            self._send_transaction(actions, result)
        except ParamValidationError as err:
            raise InvalidTransactionError(f"{method}: the actions are not what boto3's client.transact_write_items takes: {err} Nothing was written.") from None
        except ClientError as err:
            if _is_rejected_item(err) and result is not None:
                # Maybe the result: try once without it (a refusal of the handler's own items fails again, unchanged).
                try:
                    self._send_transaction(actions, None)
                except Exception:
                    raise err from None
                self._on_result_rejected(self.key, describe_cause(err))
                self.committed = (None, len(actions))
                self.stored = (None,)
                return None
            raise self._explain_commit_failure(err, len(actions)) from err
        except Exception as err:
            raise self._explain_commit_failure(err, len(actions)) from err
        self.committed = (result, len(actions))
        return result

    def _send_transaction(self, actions: List[dict], result: Any) -> None:
        names = {"#expiry": A["EXPIRATION"], "#status": A["STATUS"], "#response_data": A["DATA"]}
        values = {
            # Powertools (Python)'s record: the result as its JSON text (save_success), expiration in epoch seconds.
            ":expiry": {"N": str(self._get_expiry_timestamp())},
            ":status": {"S": RECORD_STATUS["COMPLETED"]},
            ":response_data": {"S": json.dumps(result, cls=Encoder, sort_keys=True)},
            ":inprogress": {"S": RECORD_STATUS["IN_PROGRESS"]},
        }
        condition = "#status = :inprogress"
        if self.in_progress_expiry is not None:
            condition = _STILL_MINE
            names["#in_progress_expiry"] = A["IN_PROGRESS_EXPIRATION"]
            values[":in_progress_expiry"] = {"N": str(self.in_progress_expiry)}
        completion = {
            "Update": {
                "TableName": self.table_name,
                "Key": self.record_key(),
                "UpdateExpression": "SET #expiry = :expiry, #status = :status, #response_data = :response_data",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        self.client.transact_write_items(TransactItems=[*actions, completion])

    def _explain_commit_failure(self, err: BaseException, actions: int) -> BaseException:
        code = _error_code(err)
        if code == "TransactionCanceledException":
            reasons = err.response.get("CancellationReasons") or []
            if len(reasons) > actions and (reasons[actions] or {}).get("Code") == "ConditionalCheckFailed":
                return IdempotencyRecordLostError(
                    f"the idempotency record {self.key} in {self.table_name} is no longer this invocation's in-progress record "
                    "(its deadline passed and another delivery took it over, or it was removed), so neither the effects nor the "
                    "completion were committed. The event fails; its retry finds out whether another delivery completed it."
                )
            # The handler's own cancellation: its reasons, one per action it handed over (the record's is left out).
            err.response["CancellationReasons"] = reasons[:actions]
            return err
        if _is_rejected_item(err):
            return err
        self.commit_outcome_unknown = TransactionOutcomeUnknownError(
            f"the transaction that commits the handler's effects with the idempotency record {self.key} in {self.table_name} got no answer "
            f"({describe_cause(err)}): it committed entirely or not at all. The invocation fails; the retry finds the completed record "
            "(a duplicate) or none (it runs the handler again)."
        )
        return self.commit_outcome_unknown


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
