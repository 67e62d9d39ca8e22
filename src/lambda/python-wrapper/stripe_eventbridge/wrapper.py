"""The wrapper that runs around every Python Stripe event handler the integration deploys: the Python counterpart of
src/lambda/wrapper/handler.ts, shipped as a Lambda layer (`/opt/python/stripe_eventbridge/wrapper.py`). The
function's handler is `stripe_eventbridge.wrapper.handler`; the user's own handler string is in
`STRIPE_EB_USER_HANDLER`.

Per invocation: validate the envelope → Powertools idempotency keyed on `detail.id` (the Stripe event id, never the
EventBridge envelope id, which differs on every redelivery) → the user's handler with the unchanged event and
`context.effects` (effects.py) → one
structured log line and EMF metrics with the outcome, with the same field names, metric names and dimension as the
Node.js wrapper (src/contract/; written by telemetry.py).

DynamoDB requests: a fresh event costs a conditional PutItem (in progress) and either a conditional UpdateItem
(completed, with the result) or, when the handler handed its writes to `context.effects`, one TransactWriteItems holding
those writes and the completion; a duplicate costs one conditional PutItem whose failure returns the stored record
(ReturnValuesOnConditionCheckFailure); a handler error costs PutItem and DeleteItem. An invalid event costs none (one
PutItem for an `evt_` id reused by another event). With previous key prefixes, a fresh event costs one read more (GetItem,
or BatchGetItem for several prefixes); the first copy of an event processed under a previous prefix costs PutItem, the
read and UpdateItem, later copies one PutItem.

The guarantee holds whatever the handler does: after IdempotencyRecordLostError, TransactionOutcomeUnknownError or a
refused second `transact_write`, the invocation fails even if the handler caught the error and returned.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Optional

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError, IdempotencyValidationError

from ._contract import (
    LOG_FIELD as F,
    MAX_EVENT_BYTES,
    METRIC_DIMENSION_HANDLER,
    METRIC_DIMENSION_INTEGRATION,
    METRIC_DUPLICATE,
    METRIC_EVENT_AGE,
    METRIC_FAILED,
    METRIC_IN_PROGRESS,
    METRIC_INVALID,
    METRIC_PROCESSED,
    METRIC_PROCESSING_TIME,
    OUTCOME,
    PAYLOAD_VALIDATION_JMESPATH,
)
from .config import WrapperConfig, read_wrapper_config
from .envelope import InvalidStripeEventError, InvalidStripeEventReason, StripeEventSummary, validate_stripe_eventbridge_event
from .effects import Effects, resource_serializer
from .idempotency import StripeIdempotencyStore, explain_store_failure
from .record_values import to_storable_result
from .stripe_client import StripeAccess, latest_state_fetch, set_stripe_attributes, thin_idempotency_view
from .telemetry import Telemetry
from .user_handler import UserHandler, load_user_handler

config: WrapperConfig = read_wrapper_config()
# As the Node.js wrapper: [integration], so that a fixed number of alarms covers every handler, and
# [integration, service] only when per-handler metrics are on; [service] for a function configured without an
# integration dimension.
_DIMENSION_SETS = (
    [{METRIC_DIMENSION_HANDLER: config.handler_name}]
    if config.metrics_integration is None
    else [{METRIC_DIMENSION_INTEGRATION: config.metrics_integration}]
    + ([{METRIC_DIMENSION_INTEGRATION: config.metrics_integration, METRIC_DIMENSION_HANDLER: config.handler_name}] if config.handler_metrics else [])
)
telemetry = Telemetry(service=config.handler_name, namespace=config.metrics_namespace, dimension_sets=_DIMENSION_SETS)
persistence_store = StripeIdempotencyStore(
    table_name=config.table_name,
    endpoint=config.dynamodb_endpoint,
    on_result_rejected=lambda key, reason: telemetry.warn(
        "DynamoDB refused to store the handler result; storing null instead", {"idempotency_key": key, "reason": reason}
    ),
    previous_key_prefixes=config.previous_key_prefixes,
    on_previous_completion_failed=lambda key, reason: telemetry.warn(
        "Could not complete the record of a duplicate found under a previous key prefix; copies wait for its deadline",
        {"idempotency_key": key, "reason": reason},
    ),
)
idempotency_config = IdempotencyConfig(
    event_key_jmespath="detail.id",
    # The record's `validation`: the event's type and account (src/contract/idempotency.ts).
    payload_validation_jmespath=PAYLOAD_VALIDATION_JMESPATH,
    expires_after_seconds=config.ttl_seconds,
    raise_on_no_idempotency_key=True,
    # The stored result as it is: Powertools alone returns None for a falsy one ({}, [], 0, "", False).
    response_hook=lambda _response, record: record.response_json_as_dict(),
)

_serialize_resource_values = resource_serializer(persistence_store.client)
# `context.stripe`: the key's secret is read with boto3's default session on first use only.
stripe_access = StripeAccess(
    config.stripe_api_key_secret_id, config.stripe_api_base, secrets_client=lambda: __import__("boto3").client("secretsmanager")
)
_user_handler: Optional[UserHandler] = None


def _get_user_handler() -> UserHandler:
    """The user's handler, loaded once; a failed load is reported by the invocation and retried by the next one."""
    global _user_handler
    if _user_handler is None:
        _user_handler = load_user_handler(config.task_root, config.user_handler)
    return _user_handler


# Load the user's module during init, as the Lambda runtime does for an unwrapped handler.
try:
    _get_user_handler()
except Exception:
    pass


class _Invocation:
    """What the current invocation's idempotent call did (one invocation at a time per execution environment)."""

    handler_ran = False
    fields: dict = {}
    user_handler: UserHandler
    latest: Optional[dict] = None
    """put_latest's outcome, for the log line."""
    event: Any = None
    """The event as delivered (a thin event is keyed on its idempotency view, which the handler never sees)."""


def _on_unstorable(reason: str) -> None:
    telemetry.warn("The handler result cannot be stored; storing null instead", {**_Invocation.fields, "reason": reason})



def _latest_state_event(summary: StripeEventSummary, event: dict):
    """The event's order facts for put_latest, built when a handler calls it: latest_state.py (20 KB of source, which
    a layer's Python compiles at each cold start) is loaded only by the handlers that use it."""
    from .latest_state import LatestStateEvent

    return LatestStateEvent(
        id=summary.stripe_event_id,
        type=summary.type,
        created=event["detail"].get("created"),
        api_version=summary.api_version,
        related_object=summary.thin.related_object if summary.thin is not None else None,
    )

def _storable(result: Any) -> Any:
    return to_storable_result(result, _on_unstorable)


def _same_result(returned: Any, committed: Any) -> bool:
    """Whether the handler's return value has the JSON value of the committed result."""
    return to_storable_result(returned, lambda _reason: None) == committed


@idempotent(persistence_store=persistence_store, config=idempotency_config, key_prefix=config.key_prefix)
def _idempotent_handler(_keyed: Any, context: Any) -> Any:
    _Invocation.handler_ran = True
    result = _Invocation.user_handler(_Invocation.event, context)
    # The guarantee is the wrapper's, not the handler's: after a record taken over, an unknown commit outcome or a refused
    # second transact_write, the invocation fails even if the handler caught the error and returned.
    if persistence_store.failure is not None:
        raise persistence_store.failure
    if persistence_store.committed is None:
        return _storable(result)
    committed = persistence_store.committed[0]
    if not _same_result(result, committed):
        telemetry.warn(
            "The handler returned another result than the one it committed with transact_write; returning the committed one", _Invocation.fields
        )
    return committed


def _record_fields() -> dict:
    """What the store learned about the record: the committed transaction, a previous key prefix."""
    fields = {}
    if persistence_store.committed is not None:
        fields[F["TRANSACTION_ACTIONS"]] = persistence_store.committed[1]
    if persistence_store.previous is not None:
        fields[F["PREVIOUS_KEY_PREFIX"]] = persistence_store.previous[0]
    if _Invocation.latest is not None:
        fields[F["LATEST_STATE"]] = _Invocation.latest["decision"]
        fields[F["LATEST_STATE_OBJECT"]] = _Invocation.latest["object"]
        fields[F["STRIPE_FETCHES"]] = _Invocation.latest["fetches"]
    return fields


def _event_id_reused(summary: StripeEventSummary, account: Any) -> InvalidStripeEventError:
    """A delivery whose `evt_` id has the record of another event (its type or account differ): refused, never a duplicate."""
    return InvalidStripeEventError(
        InvalidStripeEventReason.EVENT_ID_REUSED,
        f"{summary.stripe_event_id} already has an idempotency record made by an event of another type or account (this delivery: type "
        f"{json.dumps(summary.type[:80], ensure_ascii=False)}, account {json.dumps(account[:80], ensure_ascii=False) if isinstance(account, str) else 'none'}); "
        "Stripe event ids are unique, so this delivery is forged or corrupted. It was not processed.",
        summary.event_bridge_id,
    )


def _error_fields(err: BaseException) -> dict:
    return {F["ERROR_NAME"]: type(err).__name__, F["ERROR_MESSAGE"]: str(err)}


def _event_fields(summary: StripeEventSummary) -> dict:
    fields = {
        F["STRIPE_EVENT_ID"]: summary.stripe_event_id,
        F["STRIPE_EVENT_TYPE"]: summary.type,
        F["LIVEMODE"]: summary.livemode,
        F["EVENTBRIDGE_ID"]: summary.event_bridge_id,
        F["STRIPE_API_VERSION"]: summary.api_version,
    }
    if summary.thin is not None:
        related = summary.thin.related_object
        fields[F["RELATED_OBJECT_ID"]] = related.id if related is not None else None
        fields[F["SNAPSHOT_EVENT_ID"]] = summary.thin.snapshot_event
    return fields


_METRIC_OF = {
    OUTCOME["PROCESSED"]: METRIC_PROCESSED,
    OUTCOME["DUPLICATE"]: METRIC_DUPLICATE,
    OUTCOME["IN_PROGRESS"]: METRIC_IN_PROGRESS,
    OUTCOME["FAILED"]: METRIC_FAILED,
    OUTCOME["INVALID"]: METRIC_INVALID,
}


_UNITS = {METRIC_PROCESSING_TIME: "Milliseconds", METRIC_EVENT_AGE: "Milliseconds"}


def _record(outcome: str, fields: dict, duration_ms: int, event_age_ms: Optional[int] = None) -> None:
    metrics = [(_METRIC_OF[outcome], "Count", 1)]
    if outcome == OUTCOME["PROCESSED"]:
        metrics.append((METRIC_PROCESSING_TIME, _UNITS[METRIC_PROCESSING_TIME], duration_ms))
    if event_age_ms is not None:
        metrics.append((METRIC_EVENT_AGE, _UNITS[METRIC_EVENT_AGE], event_age_ms))

    line = {F["HANDLER"]: config.handler_name, F["OUTCOME"]: outcome, F["DURATION_MS"]: duration_ms, F["EVENT_AGE_MS"]: event_age_ms, **fields}
    if outcome in (OUTCOME["PROCESSED"], OUTCOME["DUPLICATE"]):
        message = "Stripe event processed" if outcome == OUTCOME["PROCESSED"] else "Duplicate Stripe event skipped; returning the stored result"
        level = "INFO"
    elif outcome == OUTCOME["IN_PROGRESS"]:
        message, level = "The same Stripe event is being processed by another invocation; failing so that Lambda retries", "WARN"
    else:
        message = "Rejected an event that is not a valid Stripe event" if outcome == OUTCOME["INVALID"] else "Stripe event handler failed"
        level = "ERROR"
    telemetry.emit(telemetry.metrics_line(metrics), telemetry.log_line(level, message, line))


def _now_ms() -> int:
    return int(time.time() * 1000)


def handler(event: Any, context: Any) -> Any:
    started = _now_ms()
    deadline = started + context.get_remaining_time_in_millis()
    telemetry.start(context)
    if telemetry.log_event:
        # Only with POWERTOOLS_LOGGER_LOG_EVENT=true: by default no payload (card details, addresses) is logged.
        telemetry.emit(telemetry.log_line("INFO", "Lambda event", {"event": event}))

    try:
        summary = validate_stripe_eventbridge_event(event, source_prefix=config.source_prefix, max_bytes=MAX_EVENT_BYTES, payloads=config.payloads)
    except InvalidStripeEventError as err:
        event_bridge_id = err.event_bridge_id
        if event_bridge_id is None and isinstance(event, dict) and isinstance(event.get("id"), str):
            event_bridge_id = event["id"]
        _record(OUTCOME["INVALID"], {F["EVENTBRIDGE_ID"]: event_bridge_id, F["REASON"]: err.reason.value, **_error_fields(err)}, _now_ms() - started)
        raise

    fields = _event_fields(summary)
    event_age_ms = max(0, started - int(summary.created * 1000))
    _Invocation.handler_ran = False
    _Invocation.latest = None
    _Invocation.fields = fields
    persistence_store.begin()
    try:
        # Before the idempotency record: a handler that cannot be loaded costs no DynamoDB request.
        _Invocation.user_handler = _get_user_handler()
        # `context.effects`: the handler's DynamoDB writes, committed with the record's completion (effects.py).
        arn = getattr(context, "invoked_function_arn", None) or ""
        context.effects = Effects(
            persistence_store,
            _storable,
            region=os.environ.get("AWS_REGION"),
            account=(arn.split(":") + [""] * 5)[4] or None,
            serialize=_serialize_resource_values,
            # `context.effects.put_latest`: the event's order facts, and `context.stripe` to ask Stripe when they prove nothing.
            latest=(
                lambda: _latest_state_event(summary, event),
                latest_state_fetch(context, summary.stripe_event_id),
            ),
            on_latest=lambda outcome: setattr(_Invocation, "latest", outcome),
        )
        # `context.stripe` and `context.event_notification`: stand-ins that load stripe-python on first use (stripe_client.py).
        set_stripe_attributes(context, event, summary.thin, stripe_access)
        _Invocation.event = event
        # A thin event is keyed on its snapshot twin's id when it has one, and validated on what the twins share.
        result = _idempotent_handler(thin_idempotency_view(summary) if summary.thin is not None else event, context)
    except IdempotencyValidationError as err:
        account = summary.thin.context if summary.thin is not None else event["detail"].get("account")
        invalid = _event_id_reused(summary, account)
        fields_invalid = {**fields, F["REASON"]: invalid.reason.value, **_record_fields(), **_error_fields(invalid)}
        _record(OUTCOME["INVALID"], fields_invalid, _now_ms() - started, event_age_ms)
        raise invalid from err
    except Exception as err:
        handler_ran = _Invocation.handler_ran
        error = explain_store_failure(err, config.table_name, summary.stripe_event_id, handler_ran, deadline)
        outcome = OUTCOME["IN_PROGRESS"] if isinstance(error, IdempotencyAlreadyInProgressError) else OUTCOME["FAILED"]
        _record(outcome, {**fields, F["HANDLER_RAN"]: handler_ran, **_record_fields(), **_error_fields(error)}, _now_ms() - started, event_age_ms)
        if error is err:
            raise
        raise error from err
    _record(OUTCOME["PROCESSED"] if _Invocation.handler_ran else OUTCOME["DUPLICATE"], {**fields, **_record_fields()}, _now_ms() - started, event_age_ms)
    # What the record holds, which duplicates return too (None where DynamoDB refused the result).
    return persistence_store.stored[0] if persistence_store.stored is not None else result
