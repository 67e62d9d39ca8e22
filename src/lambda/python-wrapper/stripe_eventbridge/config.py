"""The wrapper's settings, all from the function's environment (set by the construct): the same variables, defaults
and checks as the Node.js wrapper's src/lambda/wrapper/config.ts."""

from __future__ import annotations

import json
import os
from typing import List, Mapping, NamedTuple, Optional, Tuple

from ._contract import (
    DEFAULT_IDEMPOTENCY_TTL_SECONDS,
    DEFAULT_METRICS_NAMESPACE,
    ENV_DYNAMODB_ENDPOINT,
    ENV_EVENT_PAYLOADS,
    ENV_HANDLER_METRICS,
    ENV_HANDLER_NAME,
    ENV_IDEMPOTENCY_KEY_PREFIX,
    ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES,
    ENV_IDEMPOTENCY_TABLE,
    ENV_IDEMPOTENCY_TTL_SECONDS,
    ENV_METRICS_INTEGRATION,
    ENV_SOURCE_PREFIX,
    ENV_STRIPE_API_BASE,
    ENV_STRIPE_API_KEY_SECRET_ID,
    ENV_USER_HANDLER,
    EVENT_PAYLOAD_VALUES,
    KEY_HASH_SEPARATOR,
    MAX_PREVIOUS_KEY_PREFIXES,
    STRIPE_PARTNER_SOURCE_PREFIX,
)
from .errors import StripeEventBridgeError


class WrapperConfigError(StripeEventBridgeError):
    """A required setting is missing or malformed: the function was not deployed by the integration."""


# A NamedTuple rather than a frozen dataclass: the dataclass decorator compiles its methods when the module loads,
# which took a third of the wrapper's own cold start (measured with callgrind: 7.4 million instructions against 1.5).
class WrapperConfig(NamedTuple):
    handler_name: str
    user_handler: str
    task_root: str
    table_name: str
    key_prefix: str
    previous_key_prefixes: Tuple[str, ...]
    """The key prefixes of an earlier key scope, most recent first; empty when there are none."""
    ttl_seconds: int
    source_prefix: str
    metrics_namespace: str
    metrics_integration: Optional[str]
    """The `integration` metric dimension; None for a function configured without it (handler dimension only)."""
    handler_metrics: bool
    """Emit every metric per handler too."""
    dynamodb_endpoint: Optional[str]
    payloads: Tuple[str, ...] = ("snapshot",)
    """The payload styles the function's rules deliver (`STRIPE_EB_EVENT_PAYLOADS`; unset: snapshot)."""
    stripe_api_key_secret_id: Optional[str] = None
    """The SecretId of the Stripe API key's secret, for `context.stripe`."""
    stripe_api_base: Optional[str] = None
    """Stripe's API base URL, overridden for local runs (`STRIPE_EB_STRIPE_API_BASE`)."""


def read_wrapper_config(env: Mapping[str, str] = os.environ) -> WrapperConfig:
    def required(name: str) -> str:
        value = env.get(name)
        if not value:
            raise WrapperConfigError(
                f"environment variable {name} is not set. The Stripe EventBridge wrapper only runs in functions "
                "configured by StripeEventBridgeIntegration."
            )
        return value

    ttl_text = env.get(ENV_IDEMPOTENCY_TTL_SECONDS)
    try:
        ttl_seconds = DEFAULT_IDEMPOTENCY_TTL_SECONDS if ttl_text is None else int(ttl_text)
    except ValueError:
        ttl_seconds = 0
    if ttl_seconds <= 0:
        raise WrapperConfigError(f"{ENV_IDEMPOTENCY_TTL_SECONDS} must be a positive whole number of seconds, got '{ttl_text}'")
    handler_name = required(ENV_HANDLER_NAME)
    key_prefix = env.get(ENV_IDEMPOTENCY_KEY_PREFIX) or handler_name
    return WrapperConfig(
        handler_name=handler_name,
        user_handler=required(ENV_USER_HANDLER),
        task_root=env.get("LAMBDA_TASK_ROOT") or os.getcwd(),
        table_name=required(ENV_IDEMPOTENCY_TABLE),
        key_prefix=key_prefix,
        previous_key_prefixes=tuple(parse_previous_key_prefixes(env.get(ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES), key_prefix)),
        ttl_seconds=ttl_seconds,
        source_prefix=env.get(ENV_SOURCE_PREFIX) or STRIPE_PARTNER_SOURCE_PREFIX,
        metrics_namespace=env.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_METRICS_NAMESPACE,
        metrics_integration=env.get(ENV_METRICS_INTEGRATION) or None,
        handler_metrics=env.get(ENV_HANDLER_METRICS) == "true",
        dynamodb_endpoint=env.get(ENV_DYNAMODB_ENDPOINT) or None,
        payloads=parse_event_payloads(env.get(ENV_EVENT_PAYLOADS)),
        stripe_api_key_secret_id=env.get(ENV_STRIPE_API_KEY_SECRET_ID) or None,
        stripe_api_base=env.get(ENV_STRIPE_API_BASE) or None,
    )


def parse_event_payloads(text: Optional[str]) -> Tuple[str, ...]:
    """`STRIPE_EB_EVENT_PAYLOADS`: `snapshot`, `thin` or `snapshot,thin`; unset means `snapshot` (config.ts, parseEventPayloads)."""
    if not text:
        return ("snapshot",)
    values = tuple(v.strip() for v in text.split(","))
    if any(v not in EVENT_PAYLOAD_VALUES for v in values) or len(set(values)) != len(values):
        raise WrapperConfigError(
            f"{ENV_EVENT_PAYLOADS} must list distinct payload styles among {', '.join(EVENT_PAYLOAD_VALUES)}, comma-separated; got '{text}'"
        )
    return values


def parse_previous_key_prefixes(text: Optional[str], key_prefix: str) -> List[str]:
    """`STRIPE_EB_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES`: a JSON array of distinct key prefixes other than the current one."""
    if not text:
        return []

    def fail(why: str) -> None:
        raise WrapperConfigError(
            f"{ENV_IDEMPOTENCY_PREVIOUS_KEY_PREFIXES} must be a JSON array of at most {MAX_PREVIOUS_KEY_PREFIXES} distinct key prefixes "
            f"other than '{key_prefix}': {why}"
        )

    try:
        value = json.loads(text)
    except ValueError:
        fail(f"'{text}' is not JSON")
    if not isinstance(value, list):
        fail(f"got {json.dumps(value)}")
    if len(value) > MAX_PREVIOUS_KEY_PREFIXES:
        fail(f"got {len(value)}")
    for p in value:
        if not isinstance(p, str) or p == "" or KEY_HASH_SEPARATOR in p:
            fail(f"{json.dumps(p)} is not a key prefix (a non-empty string without '{KEY_HASH_SEPARATOR}')")
        if p == key_prefix:
            fail(f"'{p}' is the current key prefix")
    if len(set(value)) != len(value):
        fail(f"{text} repeats a prefix")
    return value
