"""The idempotency store: Powertools for AWS Lambda (Python)'s DynamoDB persistence layer, on the same table, with
the same record contract as the Node.js wrapper (src/contract/idempotency.ts; src/lambda/wrapper/idempotency.ts): the
same key (the prefix, `#`, the base64 MD5 digest of the JSON of `detail.id`), the same attributes, `data` as a native
DynamoDB value, the same `validation` hash, the same requests. A record written by either wrapper is read by the other:
a handler moved between runtimes (same name, same key scope) finds the events it processed as duplicates. With these
additions to Powertools:

- `commit()` writes the handler's own DynamoDB actions (`context.effects`, effects.py) and the record's completion in
  one TransactWriteItems, conditioned on the record still being this invocation's in-progress record: the effects and
  the completion happen together or not at all (request 2b);
- the plain completion is conditioned the same way (request 2a): a record taken over by another delivery is never
  overwritten, and the invocation fails with IdempotencyRecordLostError;
- a handler error deletes the record only while it is still this invocation's in-progress record (request 3), so a
  record completed by the handler's own transaction, or taken over after the deadline, stays;
- with previous key prefixes (an earlier key scope), a fresh event also reads its records there (request 1b);
- a result that DynamoDB refuses to store is replaced by `null` and the record still completes, instead of leaving
  it in progress for a retry to repeat the effect; what was stored is what this delivery returns;
- a failure to reach the table is reported as an IdempotencyStoreError that says which table, why, and whether the
  handler ran, instead of Powertools' cause-less "Failed to … idempotency store".

Keys: Powertools (Python) writes `<key prefix>#<md5 hex digest of json.dumps(value, sort_keys=True)>`
(aws_lambda_powertools/utilities/idempotency/persistence/base.py, `_generate_hash`) and stores `data` as JSON text
(`_update_record`); `_generate_hash`, `_update_record` and `_item_to_data_record` are overridden here to write and read
Powertools (TypeScript)'s forms: the base64 digest of `JSON.stringify(deepSort(value))` (`BasePersistenceLayer`
`generateHash`, `getHashedIdempotencyKey`), `data` as the result's DynamoDB value. Inside Powertools a record's
`response_data` stays JSON text, as it expects.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import boto3
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyItemAlreadyExistsError, IdempotencyPersistenceLayerError
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from botocore.exceptions import ClientError, ParamValidationError

from ._contract import COMPLETION_UPDATE, KEY_HASH_SEPARATOR, OWN_RECORD_CONDITION, RECORD_STATUS
from ._contract import RECORD_ATTRIBUTE as A
from .effects import InvalidTransactionError
from .errors import StripeEventBridgeError
from .record_values import js_json, plain_value, to_attribute_value

# BatchGetItem leaves keys unprocessed when throttled: read them again, at most this many times in all.
MAX_READ_ATTEMPTS = 4


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
    """The record is no longer this invocation's in-progress record (its deadline passed and another delivery put it in
    progress, or it was removed): nothing of this invocation's was committed over it, and the invocation fails whatever
    its handler returns."""


class PreviousKeysReadError(StripeEventBridgeError):
    """The event's records under the previous key prefixes could not be read (its own in-progress record was released)."""

    def __init__(self, prefixes: Sequence[str], cause: BaseException):
        super().__init__(describe_cause(cause))
        self.prefixes = list(prefixes)


def _error_code(err: BaseException) -> Optional[str]:
    response = getattr(err, "response", None) or {}
    return response.get("Error", {}).get("Code")


def _is_rejected_item(err: BaseException) -> bool:
    """DynamoDB's answer when the stored item would be invalid: its size, one of its values."""
    return _error_code(err) == "ValidationException"


def _is_condition_failed(err: BaseException) -> bool:
    return _error_code(err) == "ConditionalCheckFailedException"


class StripeIdempotencyStore(DynamoDBPersistenceLayer):
    def __init__(
        self,
        table_name: str,
        endpoint: Optional[str],
        on_result_rejected: Callable[[str, str], None],
        previous_key_prefixes: Sequence[str] = (),
        on_previous_completion_failed: Optional[Callable[[str, str], None]] = None,
    ):
        # boto3's default session, which the user's handler most likely uses too: DynamoDB's service model is then
        # loaded once per execution environment (Powertools alone would make a session of its own).
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        super().__init__(table_name=table_name, boto3_client=client)
        self._on_result_rejected = on_result_rejected
        self._previous_key_prefixes = list(previous_key_prefixes)
        self._on_previous_completion_failed = on_previous_completion_failed
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
        self.failure: Optional[Exception] = None
        """Set when the invocation must fail whatever the handler returns: a transaction whose outcome is unknown, a record
        taken over, a second transact_write after the commit."""
        self.previous: Optional[Tuple[str, str]] = None
        """(prefix, status) when the record of an earlier key scope decided the delivery (a duplicate, or in progress)."""

    def record_key(self) -> dict:
        """The record's primary key as DynamoDB takes it."""
        return self._get_key(self.key)

    # The record contract's key and validation hash: Powertools (TypeScript)'s base64 digest of the same JSON text.
    def _generate_hash(self, data: Any) -> str:
        return base64.b64encode(self.hash_function(js_json(data).encode("utf-8")).digest()).decode("ascii")

    def _item_to_data_record(self, item: Dict[str, Any]) -> DataRecord:
        """Powertools' DataRecord of a stored item, `data` (a DynamoDB value) turned into the JSON text Powertools keeps."""
        data_value = item.get(A["DATA"])
        record = super()._item_to_data_record({k: v for k, v in item.items() if k != A["DATA"]})
        if data_value is not None:
            record.response_data = json.dumps(plain_value(self._deserializer.deserialize(data_value)), sort_keys=True)
        return record

    def _validate_payload(self, data_payload: Any, stored_data_record: DataRecord) -> None:
        """Powertools' check of the validation hash. A record without one (written by hand, or by a build from before the
        hash) is not checked, as in the Node.js wrapper."""
        if stored_data_record.payload_hash:
            super()._validate_payload(data_payload=data_payload, stored_data_record=stored_data_record)

    def _put_record(self, data_record: DataRecord) -> None:
        super()._put_record(data_record)
        self.key = data_record.idempotency_key
        self.in_progress_expiry = data_record.in_progress_expiry_timestamp
        if self._previous_key_prefixes:
            self._check_previous_keys(data_record)

    def _check_previous_keys(self, data_record: DataRecord) -> None:
        """Request 1b of the record contract: the event's records under the previous key prefixes, read once. A live
        COMPLETED one makes the delivery a duplicate (this invocation's record completes with its result, so later copies
        need one request); else a live INPROGRESS one makes it in progress (this invocation's record is released). Either
        is handed to Powertools as the record that already exists, after the validation check it makes for the current
        prefix (another event under the same id: IdempotencyValidationError)."""
        digest = data_record.idempotency_key[len(self.function_name) + len(KEY_HASH_SEPARATOR):]
        keys = [f"{p}{KEY_HASH_SEPARATOR}{digest}" for p in self._previous_key_prefixes]
        try:
            items = self._read_keys(keys)
        except Exception as err:
            try:
                self._release()
            except Exception:
                pass
            raise PreviousKeysReadError(self._previous_key_prefixes, err) from err
        now_ms = time.time() * 1000

        def number(item: dict, name: str, default: str) -> float:
            return float(item.get(A[name], {}).get("N", default))

        def status(item: dict) -> Optional[str]:
            return item.get(A["STATUS"], {}).get("S")

        found = [(p, items[k]) for p, k in zip(self._previous_key_prefixes, keys) if k in items and number(items[k], "EXPIRATION", "0") * 1000 > now_ms]
        completed = next(((p, i) for p, i in found if status(i) == RECORD_STATUS["COMPLETED"]), None)
        in_progress = next(
            ((p, i) for p, i in found if status(i) == RECORD_STATUS["IN_PROGRESS"] and number(i, "IN_PROGRESS_EXPIRATION", "inf") > now_ms), None
        )
        decisive = completed or in_progress
        if decisive is None:
            return
        prefix, item = decisive
        self.previous = (prefix, item[A["STATUS"]]["S"])
        existing = self._item_to_data_record(item)
        same_event = not self.payload_validation_enabled or not existing.payload_hash or existing.payload_hash == data_record.payload_hash
        if completed is not None and same_event:
            try:
                self._complete(item.get(A["DATA"]) or {"NULL": True})
            except Exception as err:
                # The event was processed: this delivery is a duplicate whatever happens to its own record, which, left in
                # progress, blocks copies until its deadline and is then taken over by one that finds the same record.
                if self._on_previous_completion_failed is not None:
                    self._on_previous_completion_failed(data_record.idempotency_key, describe_cause(err))
        else:
            try:
                self._release()
            except Exception:
                pass
        # Powertools' own check, as for a record found under the current prefix.
        self._validate_payload(data_payload=data_record, stored_data_record=existing)
        raise IdempotencyItemAlreadyExistsError(old_data_record=existing)

    def _read_keys(self, keys: List[str]) -> Dict[str, dict]:
        """Strongly consistent reads of `keys`: a GetItem for one, a BatchGetItem for several."""
        key_attr = A["KEY"]
        if len(keys) == 1:
            out = self.client.get_item(TableName=self.table_name, Key=self._get_key(keys[0]), ConsistentRead=True)
            item = out.get("Item")
            return {item[key_attr]["S"]: item} if item else {}
        found: Dict[str, dict] = {}
        pending = [self._get_key(k) for k in keys]
        attempt = 0
        while pending:
            attempt += 1
            if attempt > MAX_READ_ATTEMPTS:
                raise RuntimeError(f"DynamoDB left {len(pending)} keys unprocessed after {MAX_READ_ATTEMPTS} attempts (throttled)")
            if attempt > 1:
                time.sleep(0.025 * 2**attempt)
            out = self.client.batch_get_item(RequestItems={self.table_name: {"Keys": pending, "ConsistentRead": True}})
            for item in out.get("Responses", {}).get(self.table_name, []):
                found[item[key_attr]["S"]] = item
            pending = out.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
        return found

    def _own_record_condition(self) -> Tuple[str, dict, dict]:
        """OWN_RECORD_CONDITION with its names and values (the bare in-progress condition when no deadline was known)."""
        names = {"#status": A["STATUS"]}
        values: Dict[str, Any] = {":inprogress": {"S": RECORD_STATUS["IN_PROGRESS"]}}
        if self.in_progress_expiry is None:
            return "#status = :inprogress", names, values
        names["#in_progress_expiry"] = A["IN_PROGRESS_EXPIRATION"]
        values[":in_progress_expiry"] = {"N": str(self.in_progress_expiry)}
        return OWN_RECORD_CONDITION, names, values

    def _completion(self, data: dict) -> dict:
        """Request 2a's UpdateItem parameters (also the transaction's last action, request 2b)."""
        condition, names, values = self._own_record_condition()
        return {
            "TableName": self.table_name,
            "Key": self.record_key(),
            "UpdateExpression": COMPLETION_UPDATE,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {**names, "#expiry": A["EXPIRATION"], "#response_data": A["DATA"]},
            "ExpressionAttributeValues": {
                **values,
                ":expiry": {"N": str(self._get_expiry_timestamp())},
                ":status": {"S": RECORD_STATUS["COMPLETED"]},
                ":response_data": data,
            },
        }

    def _complete(self, data: dict) -> None:
        """Request 2a: completes this invocation's record with `data`, only while it is still its own."""
        self.client.update_item(**self._completion(data))

    def _release(self) -> None:
        """Request 3: deletes this invocation's record, only while it is still its own. A record it no longer owns stays."""
        condition, names, values = self._own_record_condition()
        try:
            self.client.delete_item(
                TableName=self.table_name,
                Key=self.record_key(),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as err:
            # Completed by this invocation's own transaction, or taken over after its deadline: not ours to delete.
            if not _is_condition_failed(err):
                raise

    def _record_lost(self, what: str) -> IdempotencyRecordLostError:
        """The record was taken over or removed: the invocation fails, whatever its handler returns."""
        self.failure = IdempotencyRecordLostError(
            f"the idempotency record {self.key} in {self.table_name} is no longer this invocation's in-progress record "
            f"(its deadline passed and another delivery took it over, or it was removed), so {what}. "
            "The event fails; its retry finds out whether another delivery completed it."
        )
        return self.failure

    def _update_record(self, data_record: DataRecord):
        """The plain completion (request 2a: Powertools' UpdateItem made conditional, `data` as a DynamoDB value), unless
        `commit()` already completed the record. A record that is no longer this invocation's is left as it is."""
        if self.committed is not None:
            return
        not_completed = "it was not completed: nothing was written over it"
        try:
            self._complete(to_attribute_value(data_record.response_data or "null"))
        except ClientError as err:
            if _is_condition_failed(err):
                raise self._record_lost(not_completed) from err
            if data_record.response_data in (None, "", "null") or not _is_rejected_item(err):
                raise
            self._on_result_rejected(data_record.idempotency_key, describe_cause(err))
            try:
                self._complete({"NULL": True})
            except ClientError as again:
                if _is_condition_failed(again):
                    raise self._record_lost(not_completed) from again
                raise
            self.stored = (None,)

    def _delete_record(self, data_record: DataRecord) -> None:
        """Deletes the record after a handler error (request 3), only while it is still this invocation's in-progress
        record."""
        if self.key != data_record.idempotency_key:
            return super()._delete_record(data_record)
        self._release()

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
        except IdempotencyRecordLostError:
            raise
        except Exception as err:
            raise self._explain_commit_failure(err, len(actions)) from err
        self.committed = (result, len(actions))
        return result

    def _send_transaction(self, actions: List[dict], result: Any) -> None:
        """The transaction, or without actions (put_latest skipping an older state) the plain completion (request 2a)."""
        data = to_attribute_value(json.dumps(result, cls=Encoder, sort_keys=True))
        if not actions:
            try:
                self._complete(data)
            except ClientError as err:
                if _is_condition_failed(err):
                    raise self._record_lost("it was not completed: nothing was written over it") from err
                raise
            return
        self.client.transact_write_items(TransactItems=[*actions, {"Update": self._completion(data)}])

    def read_item(self, table: str, key: dict) -> Optional[dict]:
        """A strongly consistent read of an item of the handler's (put_latest's read before a fetch); the key in client shape."""
        return self.client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    def _explain_commit_failure(self, err: BaseException, actions: int) -> BaseException:
        code = _error_code(err)
        if code == "TransactionCanceledException":
            reasons = err.response.get("CancellationReasons") or []
            if len(reasons) > actions and (reasons[actions] or {}).get("Code") == "ConditionalCheckFailed":
                return self._record_lost("neither the effects nor the completion were committed")
            # The handler's own cancellation: its reasons, one per action it handed over (the record's is left out).
            err.response["CancellationReasons"] = reasons[:actions]
            return err
        if _is_rejected_item(err):
            return err
        self.failure = TransactionOutcomeUnknownError(
            f"the transaction that commits the handler's effects with the idempotency record {self.key} in {self.table_name} got no answer "
            f"({describe_cause(err)}): it committed entirely or not at all. The invocation fails; the retry finds the completed record "
            "(a duplicate) or none (it runs the handler again)."
        )
        return self.failure


def describe_cause(err: BaseException) -> str:
    """`Name: message` of an error, for logs and error messages; never a stack."""
    message = str(err)
    return f"{type(err).__name__}{': ' + message if message else ''}"


def explain_store_failure(err: BaseException, table_name: str, stripe_event_id: str, handler_ran: bool, deadline_ms: Optional[float]) -> BaseException:
    """Turns Powertools' persistence-layer error into an IdempotencyStoreError that names the table, the Stripe event,
    the cause and what a retry will do. Any other error is returned unchanged."""
    if not isinstance(err, IdempotencyPersistenceLayerError):
        return err
    inner = err.__cause__
    # Named failures of the store itself (a record taken over) are reported as they are.
    if isinstance(inner, IdempotencyRecordLostError):
        return inner
    cause = describe_cause(inner or err)
    where = f"idempotency table {table_name}"
    if isinstance(inner, PreviousKeysReadError):
        return IdempotencyStoreError(
            f"could not read the records of {stripe_event_id} under the previous key prefixes {', '.join(inner.prefixes)} in the {where} "
            f"({inner}); the handler did not run. A retry is safe.",
            False,
        )
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
